"""Retention and erasure of personal data."""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.template.loader import render_to_string

from guidance.models import Erasure, Response
from guidance.privacy.retention import REMOVED_TEXT, add_months, apply_retention, erase_response
from tests.factories import CommentFactory, ConsultationFactory, ResponseFactory, SectionFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def closed_consultation(closes_at, **kwargs):
    return ConsultationFactory(opens_at=closes_at - datetime.timedelta(days=56), closes_at=closes_at, **kwargs)


def personal_response(consultation, **kwargs):
    return ResponseFactory(
        consultation=consultation,
        name="Ada Lovelace",
        email="ada@example.org",
        organisation="Analytical Society",
        **kwargs,
    )


CLOSE = datetime.datetime(2027, 1, 31, 23, 59, tzinfo=LONDON)


def test_retention_ends_on_the_same_day_months_later_or_the_month_end():
    assert add_months(CLOSE, 12) == datetime.datetime(2028, 1, 31, 23, 59, tzinfo=LONDON)
    assert add_months(CLOSE, 1) == datetime.datetime(2027, 2, 28, 23, 59, tzinfo=LONDON)
    assert add_months(CLOSE, 13) == datetime.datetime(2028, 2, 29, 23, 59, tzinfo=LONDON)


def test_responses_past_retention_lose_their_name_email_and_organisation():
    consultation = closed_consultation(CLOSE)
    response = personal_response(consultation, source_url="https://social.example/status/1")
    comment = CommentFactory(response=response, section=SectionFactory(document=consultation.document), text="Kept")
    now = datetime.datetime(2028, 2, 1, 9, 0, tzinfo=LONDON)

    erasures = apply_retention(now=now)

    response.refresh_from_db()
    assert (response.name, response.email, response.organisation, response.source_url) == ("", "", "", "")
    assert response.anonymised_at == now
    comment.refresh_from_db()
    assert comment.text == "Kept"
    assert len(erasures) == 1
    erasure = Erasure.objects.get()
    assert erasure.by is None and erasure.consultation == consultation
    assert erasure.scope == Erasure.Scope.PERSONAL_DATA
    assert erasure.response_count == 1 and erasure.references == response.reference
    assert "12 months after the close on 31 January 2027" in erasure.reason


def test_responses_within_retention_keep_their_personal_data():
    consultation = closed_consultation(CLOSE)
    response = personal_response(consultation)
    apply_retention(now=datetime.datetime(2028, 1, 31, 23, 58, tzinfo=LONDON))
    response.refresh_from_db()
    assert response.email == "ada@example.org" and response.anonymised_at is None
    assert not Erasure.objects.exists()


def test_each_consultation_has_its_own_retention_period():
    short = closed_consultation(CLOSE, retention_months=1)
    long = closed_consultation(CLOSE, retention_months=24)
    short_response, long_response = personal_response(short), personal_response(long)
    apply_retention(now=datetime.datetime(2027, 6, 1, tzinfo=LONDON))
    short_response.refresh_from_db()
    long_response.refresh_from_db()
    assert short_response.email == "" and long_response.email == "ada@example.org"


def test_open_consultations_are_never_anonymised():
    consultation = ConsultationFactory(retention_months=0)
    response = personal_response(consultation)
    apply_retention()
    response.refresh_from_db()
    assert response.email == "ada@example.org"


def test_running_retention_again_changes_and_records_nothing_more():
    consultation = closed_consultation(CLOSE)
    personal_response(consultation)
    personal_response(consultation)
    now = datetime.datetime(2028, 3, 1, tzinfo=LONDON)
    assert [e.response_count for e in apply_retention(now=now)] == [2]
    assert apply_retention(now=now + datetime.timedelta(days=1)) == []
    assert Erasure.objects.count() == 1
    assert Response.objects.get(pk=Response.objects.first().pk).anonymised_at == now


def test_apply_retention_command_reports_what_it_did():
    consultation = closed_consultation(datetime.datetime(2020, 1, 31, 23, 59, tzinfo=LONDON))
    personal_response(consultation)
    out = StringIO()
    call_command("apply_retention", stdout=out)
    assert f"{consultation.title}: anonymised 1 responses." in out.getvalue()
    assert "Anonymised 1 responses in 1 consultations." in out.getvalue()
    assert Response.objects.get().email == ""


def test_erasing_a_response_removes_personal_data_and_keeps_the_text_by_default(admin_user):
    consultation = ConsultationFactory()
    response = personal_response(consultation)
    comment = CommentFactory(response=response, section=SectionFactory(document=consultation.document), text="Mine")

    erasure = erase_response(response, by=admin_user, reason="Asked by email")

    response.refresh_from_db()
    comment.refresh_from_db()
    assert (response.name, response.email, response.organisation) == ("", "", "")
    assert response.anonymised_at is not None
    assert comment.text == "Mine"
    assert erasure.by == admin_user and erasure.reason == "Asked by email"
    assert erasure.scope == Erasure.Scope.PERSONAL_DATA
    assert erasure.references == response.reference and erasure.response_count == 1


def test_erasing_a_response_with_its_text_replaces_every_comment(admin_user):
    consultation = ConsultationFactory()
    response = personal_response(consultation)
    section = SectionFactory(document=consultation.document)
    CommentFactory(response=response, section=section, text="First")
    CommentFactory(response=response, section=section, text="Second")
    other = CommentFactory(section=section, text="Someone else's")

    erasure = erase_response(response, by=admin_user, include_text=True)

    assert list(response.comments.values_list("text", flat=True)) == [REMOVED_TEXT, REMOVED_TEXT]
    other.refresh_from_db()
    assert other.text == "Someone else's"
    assert erasure.scope == Erasure.Scope.PERSONAL_DATA_AND_TEXT


def test_no_model_stores_an_ip_address():
    # Except django-axes' record of failed staff sign-ins, which has an address column
    # but is given only a pseudonym (tests/test_staff_accounts.py).
    for model in apps.get_models():
        if model._meta.app_label == "axes":
            continue
        for field in model._meta.get_fields():
            assert not isinstance(field, models.GenericIPAddressField), f"{model.__name__}.{field.name}"
            assert "ip_address" not in field.name and field.name not in {"ip", "remote_addr"}


def test_the_privacy_notice_says_what_why_how_long_who_and_how_to_ask_for_erasure(settings, rf):
    settings.PRIVACY_CONTACT_EMAIL = "privacy@example.org"
    notice = render_to_string("guidance/privacy_notice_body.html", request=rf.get("/privacy/"))
    for heading in ["What we collect", "Why we collect it", "How long we keep it", "Who sees it", "erasure", "Contact"]:
        assert heading in notice
    assert "12 months after the consultation closes" in notice
    assert "We do not keep your IP address" in notice
    assert 'href="mailto:privacy@example.org"' in notice


@pytest.mark.parametrize("how", ["on request", "under retention"])
def test_erasure_leaves_nothing_that_names_the_person_beside_the_response(admin_user, how):
    import uuid

    from guidance.models import QueuedEmail, StaffNote, Submission

    consultation = closed_consultation(CLOSE)
    response = personal_response(consultation, started_by="a" * 64)
    comment = CommentFactory(response=response, section=SectionFactory(document=consultation.document))
    StaffNote.objects.create(comment=comment, by=admin_user, text="This is Ada Lovelace, the carer from Leeds.")
    Submission.objects.create(response=response, form_token=uuid.uuid4(), fingerprint="f" * 64)
    sent = QueuedEmail.objects.create(kind="receipt", response=response, to="ada@example.org", status="sent")
    waiting = QueuedEmail.objects.create(kind="receipt", response=response, to="ada@example.org")
    if how == "on request":
        erase_response(response, by=admin_user, reason="Asked by email")
    else:
        apply_retention(now=datetime.datetime(2028, 2, 1, 9, 0, tzinfo=LONDON))

    assert "Ada" not in StaffNote.objects.get().text
    assert Submission.objects.get().fingerprint == ""
    sent.refresh_from_db()
    waiting.refresh_from_db()
    assert (sent.status, sent.to) == ("sent", "")
    assert (waiting.status, waiting.to) == ("cancelled", "")
    response.refresh_from_db()
    assert response.started_by == "" and response.link_version == 1

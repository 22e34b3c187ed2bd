"""Telling respondents what happened, when they asked: decisions batched into at most one email a
day to one address, a rejection's reason in public wording, the outcome once published, and one
click to stop."""

import datetime
import re
import uuid
import zoneinfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guidance.consultations.publishing import publish_outcome
from guidance.mail.notifications import queue_notifications, set_notify, unsubscribe_path
from guidance.models import Comment, Document, QueuedEmail, Response
from guidance.moderation.decisions import decide
from guidance.outcomes import replies
from guidance.responses.respondents import withdraw_response
from tests.factories import ConsultationFactory, SectionFactory
from tests.journey_helpers import comment_data, deliver_emails, section_url

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(day, hour, minute=0):
    """A moment UK time on day `day` from now (0: today)."""
    today = timezone.localtime().date()
    return datetime.datetime.combine(today + datetime.timedelta(days=day), datetime.time(hour, minute), LONDON)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("mod", password="a long test password")


def respond(client, consultation, section, text, notify=True, **changes):
    data = comment_data(text, form_token=str(uuid.uuid4()), **changes)
    if notify:
        data["notify"] = "on"
    return client.post(section_url(section, consultation), data)


def notifications():
    deliver_emails()
    return [message for message in mail.outbox if message.subject.startswith("What happened to your response")]


def test_the_opt_in_is_offered_on_the_form_and_needs_an_email_address(client, consultation, section):
    form = client.get(section_url(section, consultation)).content.decode()
    assert "Email me when my comments are published or not, and when the outcome is published" in form
    page = client.post(section_url(section, consultation), {**comment_data(email=""), "notify": "on"})
    assert "Enter your email address, so that we can tell you what happened to your comments" in page.content.decode()
    assert not Response.objects.exists()
    respond(client, consultation, section, "Tell me.")
    assert Response.objects.get().notify


def test_decisions_of_one_day_go_out_in_one_email_listing_each_with_public_reasons(
    client, consultation, section, second_section, staff
):
    respond(client, consultation, section, "A kind comment.")
    respond(client, consultation, second_section, "A comment naming my neighbour.")
    decide(Comment.objects.filter(text="A kind comment."), "approved", by=staff)
    decide(
        Comment.objects.filter(text__contains="neighbour"),
        "rejected",
        by=staff,
        reason_code="personal",
        reason="Names Mrs Jones at number 4",
    )
    assert queue_notifications(now=at(0, 16, 59)) == 0  # before the day's hour
    assert queue_notifications(now=at(0, 17, 1)) == 1
    (email,) = notifications()
    assert email.to == ["ann@example.org"]
    reference = Response.objects.get().reference
    assert reference in email.subject
    assert "Your comment on section 1, Reciprocity: Published." in email.body
    assert f"https://localhost/consultations/{consultation.slug}/draft/reciprocity/" in email.body
    assert "Your comment on section 2, Power: Not published." in email.body
    assert "It contained personal information" in email.body
    assert "Mrs Jones" not in email.body  # the moderator's own words stay with staff
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_at_most_one_email_a_day_to_one_address_and_nothing_told_twice(client, consultation, section, staff):
    respond(client, consultation, section, "First.")
    decide(Comment.objects.all(), "approved", by=staff)
    assert queue_notifications(now=at(0, 17)) == 1
    assert queue_notifications(now=at(0, 18)) == 0  # nothing new
    respond(client, consultation, section, "Second.")
    decide(Comment.objects.filter(text="Second."), "approved", by=staff)
    assert queue_notifications(now=at(0, 23)) == 0  # already had today's
    assert queue_notifications(now=at(1, 17)) == 1
    first, second = notifications()
    assert "First." in first.body and "Second." not in first.body
    assert "Second." in second.body and "First." not in second.body


def test_one_address_with_responses_to_two_consultations_gets_one_email(consultation, section, staff):
    other = ConsultationFactory()
    other_section = SectionFactory(document=other.document)
    respond(Client(), consultation, section, "On the first.")
    respond(Client(), other, other_section, "On the second.", email="ANN@example.org")
    decide(Comment.objects.all(), "approved", by=staff)
    assert queue_notifications(now=at(0, 17)) == 1
    (email,) = notifications()
    assert "On the first." in email.body and "On the second." in email.body


def test_nobody_who_did_not_ask_is_emailed(client, consultation, section, staff):
    respond(client, consultation, section, "Quietly.", notify=False)
    decide(Comment.objects.all(), "approved", by=staff)
    assert queue_notifications(now=at(0, 17)) == 0


def test_a_changed_comment_is_told_again_once_decided_afresh(client, consultation, section, staff):
    respond(client, consultation, section, "Version one.")
    decide(Comment.objects.all(), "approved", by=staff)
    queue_notifications(now=at(0, 17))
    comment = Comment.objects.get()
    client.post(reverse("guidance:change_comment", args=[consultation.slug, comment.pk]), {"comment": "Version two."})
    decide(Comment.objects.all(), "approved", by=staff)
    assert queue_notifications(now=at(1, 17)) == 1


def test_the_outcome_once_published_is_told_once(client, consultation, section, staff):
    respond(client, consultation, section, "Something.")
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()
    assert queue_notifications(now=at(0, 17)) == 0  # closed, no outcome yet
    consultation.outcome = "We heard you and changed section 1."
    consultation.save()
    assert queue_notifications(now=at(1, 17)) == 0  # written, not yet published
    publish_outcome(consultation, by=staff)
    assert queue_notifications(now=at(1, 17)) == 1
    assert queue_notifications(now=at(2, 17)) == 0
    (email,) = notifications()
    assert f"The outcome of {consultation.title} is published" in email.body
    assert f"https://localhost/consultations/{consultation.slug}/" in email.body


def close_with_next_version(consultation, staff, next_version=True):
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.outcome = "We heard you and rewrote the guidance."
    consultation.save()
    if next_version:
        Document.objects.create(
            title="Guidance, 2018",
            slug="guidance-2018",
            revises=consultation.document,
            links_confirmed_at=timezone.now(),
        )
    publish_outcome(consultation, by=staff)


WHAT_CHANGED_LINK = re.compile(r"https://localhost/consultations/[\w-]+/what-changed/#section-[\w-]+")


def test_the_outcome_email_links_to_what_changed_in_each_section_they_commented_on_once(
    client, consultation, section, second_section, staff
):
    third = SectionFactory(document=consultation.document, major=3, title="Payment", slug="payment")
    respond(client, consultation, section, "On reciprocity.")
    respond(client, consultation, second_section, "On power.")
    respond(client, consultation, second_section, "More on power.")
    respond(Client(), consultation, third, "Payment, quietly.", notify=False, email="bob@example.org")
    respond(Client(), consultation, third, "Payment, then stopped.", email="cat@example.org")
    set_notify(Response.objects.filter(email="cat@example.org"), False)
    respond(Client(), consultation, third, "Payment, then withdrawn.", email="dan@example.org")
    withdraw_response(Response.objects.get(email="dan@example.org"))
    close_with_next_version(consultation, staff)

    assert queue_notifications(now=at(0, 17)) == 1
    assert queue_notifications(now=at(1, 17)) == 0
    (email,) = notifications()
    assert email.to == ["ann@example.org"]
    page = f"https://localhost/consultations/{consultation.slug}/what-changed/"
    assert sorted(WHAT_CHANGED_LINK.findall(email.body)) == [f"{page}#section-power", f"{page}#section-reciprocity"]
    assert "Section 1, Reciprocity\n" + page + "#section-reciprocity" in email.body
    assert f"https://localhost/consultations/{consultation.slug}/\n" in email.body  # the overview, as before


def test_the_outcome_email_of_a_consultation_without_a_next_version_has_no_what_changed_links(
    client, consultation, section, staff
):
    respond(client, consultation, section, "On reciprocity.")
    close_with_next_version(consultation, staff, next_version=False)
    assert queue_notifications(now=at(0, 17)) == 1
    (email,) = notifications()
    assert f"The outcome of {consultation.title} is published" in email.body
    assert "what-changed" not in email.body


def test_one_click_on_the_link_stops_the_emails_and_the_page_offers_them_back(client, consultation, section, staff):
    respond(client, consultation, section, "Something.")
    decide(Comment.objects.all(), "approved", by=staff)
    queue_notifications(now=at(0, 17))
    (email,) = notifications()
    link = re.search(r"https://localhost(/emails/stop/\S+/)", email.body)[1]
    assert email.extra_headers["List-Unsubscribe"] == f"<https://localhost{link}>"
    page = Client().get(link)
    assert page.status_code == 200 and "You will get no more emails" in page.content.decode()
    assert not Response.objects.get().notify
    back = Client().post(link, {"notify": "on"})
    assert "Emails turned back on" in back.content.decode()
    assert Response.objects.get().notify


def test_a_mail_programs_one_click_post_stops_the_emails_without_a_csrf_token(consultation, section, staff):
    respond(Client(), consultation, section, "Something.")
    link = unsubscribe_path([Response.objects.get().pk])
    page = Client(enforce_csrf_checks=True).post(link, {"List-Unsubscribe": "One-Click"})
    assert page.status_code == 200
    assert not Response.objects.get().notify


def test_a_stop_link_changed_by_hand_does_nothing(consultation, section):
    respond(Client(), consultation, section, "Something.")
    link = unsubscribe_path([Response.objects.get().pk])
    page = Client().get(link[:-4] + "xyz/")
    assert page.status_code == 404 and "This link does not work" in page.content.decode()
    assert Response.objects.get().notify


def test_the_worker_queues_the_days_emails_in_its_housekeeping(
    client, consultation, section, staff, settings, monkeypatch
):
    from guidance.management.commands import run_worker

    # Its thread closes its database connection after each round; the test's must stay open.
    monkeypatch.setattr(run_worker, "close_old_connections", lambda: None)
    housekeeping = run_worker.housekeeping
    settings.NOTIFICATION_HOUR = 0
    respond(client, consultation, section, "Something.")
    decide(Comment.objects.all(), "approved", by=staff)
    housekeeping()
    assert QueuedEmail.objects.filter(kind="notification").count() == 1


def test_the_outcome_email_quotes_the_answer_to_each_of_the_persons_own_comments_and_no_one_elses(
    client, consultation, section, second_section, staff
):
    respond(client, consultation, section, "Pay people for their time.")
    respond(client, consultation, second_section, "Share power from the start.")
    respond(client, consultation, second_section, "Not answered, this one.")
    respond(Client(), consultation, section, "Bob wants travel paid.", email="bob@example.org")
    decide(Comment.objects.all(), "approved", by=staff)
    queue_notifications(now=at(0, 17))  # the decisions' own emails, out of the way
    notifications()
    mail.outbox.clear()
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()
    ann_pay, ann_power = (Comment.objects.get(text__startswith=start) for start in ["Pay people", "Share power"])
    bob = Comment.objects.get(text="Bob wants travel paid.")
    replies.write_outcome(consultation, comment=ann_pay, kind="changed", text="We now say *fairly*.", by=staff)
    replies.write_outcome(consultation, comment=ann_power, kind="later", text="We will consider power.", by=staff)
    replies.write_outcome(consultation, comment=bob, kind="covered", text="Section 4 covers travel.", by=staff)
    publish_outcome(consultation, by=staff)

    assert queue_notifications(now=at(1, 17)) == 2
    emails = {email.to[0]: email.body for email in notifications()}
    ann = emails["ann@example.org"]
    assert "Our answers to your comments:" in ann
    assert (
        "Your comment on section 1, Reciprocity:\n  “Pay people for their time.”\n"
        "Our answer (We changed the text):\nWe now say *fairly*.\n" in ann
    )
    assert (
        "Your comment on section 2, Power:\n  “Share power from the start.”\n"
        "Our answer (We will consider it later):\nWe will consider power.\n" in ann
    )
    assert ann.index("We now say") < ann.index("We will consider power")  # in the draft's order
    assert "Not answered, this one." not in ann  # no answer was written to it
    assert "Bob wants travel paid." not in ann and "Section 4 covers travel." not in ann
    bob_email = emails["bob@example.org"]
    assert "“Bob wants travel paid.”\nOur answer (Already covered):\nSection 4 covers travel." in bob_email
    assert "We now say" not in bob_email and "Pay people for their time." not in bob_email


def test_an_answer_to_a_comment_is_not_in_any_email_before_the_outcome_is_published(
    client, consultation, section, staff
):
    respond(client, consultation, section, "Pay people for their time.")
    decide(Comment.objects.all(), "approved", by=staff)
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()
    replies.write_outcome(
        consultation, comment=Comment.objects.get(), kind="changed", text="We now say fairly.", by=staff
    )
    assert queue_notifications(now=at(0, 17)) == 1  # the decision, told
    (email,) = notifications()
    assert "Published." in email.body and "We now say fairly." not in email.body

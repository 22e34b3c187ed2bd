"""Every public page and every error state is valid HTML, as the Nu HTML Checker sees it.

The pages are collected with the test client, in every state a person can meet, then checked in
one run of the checker (tests/html_validity.py)."""

import datetime
import os
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import OperationalError
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guidance import answers, previews, supporting
from guidance.models import Comment, Consultation, Outcome, PreviewLink, Question
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, SectionFactory
from tests.html_validity import VNU_JAR, html_errors, java
from tests.journey_helpers import DETAILS, comment_data, publish, section_url

pytestmark = pytest.mark.django_db

SLUG = "co-producing-research"


@pytest.fixture
def checker():
    if not java():
        # CI installs Java (.ci/run), so there a missing runtime is a failure, not a skip.
        if os.environ.get("CI"):
            pytest.fail("No Java runtime for the HTML checker")
        pytest.skip("No Java runtime: apt-get install default-jre-headless")
    assert VNU_JAR.exists(), "vnu.jar is missing: run npm ci"


def page(response, status=200):
    assert response.status_code == status, response
    return response.content.decode()


def public_pages(client, consultation):
    """Every page a visitor can reach on an open consultation, before and after responding."""
    pages = {}
    reciprocity = consultation.document.sections.get(slug="reciprocity")
    for path in [
        "/",
        consultation.get_absolute_url(),
        reverse("guidance:draft", args=[SLUG]),
        reverse("guidance:questions", args=[SLUG]),
        reverse("guidance:published", args=[SLUG]),
        reverse("guidance:published", args=[SLUG]) + "?page=2",
        reverse("guidance:privacy"),
        reverse("guidance:accessibility"),
        section_url(reciprocity, consultation) + "?page=2",
    ]:
        pages[path] = page(client.get(path))
    for section in consultation.document.sections.all():
        pages[section_url(section, consultation)] = page(client.get(section_url(section, consultation)))
    comment = Comment.objects.published().filter(section=reciprocity).first()
    report = reverse("guidance:report_comment", args=[comment.pk])
    pages["report form"] = page(client.get(report))
    pages["report form with errors"] = page(client.post(report, {"details": "x" * 10_001}))
    pages["report sent"] = page(client.post(report, {"reason": "off_topic"}, follow=True))
    return pages


def form_states(client, consultation):
    """The comment and questions forms with each kind of error, then after a first response."""
    pages = {}
    section = section_url(consultation.document.sections.get(slug="reciprocity"), consultation)
    questions = reverse("guidance:questions", args=[SLUG])
    pages["comment form, nothing filled in"] = page(client.post(section, {}))
    pages["comment form, organisation missing"] = page(
        client.post(section, comment_data(respondent_type="organisation"))
    )
    pages["comment form, too long and control characters"] = page(
        client.post(
            section, comment_data("x" * 10_001 + "\x1b", name="A\x00B", email="not\x7fan email", organisation="\x0b")
        )
    )
    # A refused control character is shown as the replacement character, where it was.
    assert 'value="A\ufffdB"' in pages["comment form, too long and control characters"]
    pages["questions form, nothing filled in"] = page(client.post(questions, {}))
    pages["questions form, no answer"] = page(client.post(questions, DETAILS))
    pages["comment sent"] = page(client.post(section, comment_data("A view."), follow=True))
    pages["comment form, details remembered"] = page(client.get(section))
    pages["questions form, details remembered"] = page(client.get(questions))
    pages["comment form, details remembered, with an error"] = page(client.post(section, comment_data("")))
    assert "Change your details" in pages["questions form, details remembered"]
    assert "You agreed to the" in pages["comment form, details remembered, with an error"]
    answer = {f"answer_{consultation.questions.first().pk}": "An answer."}
    pages["answers sent"] = page(client.post(questions, {**DETAILS, **answer}, follow=True))
    return pages


def error_pages(consultation, settings):
    pages = {}
    anyone = Client(raise_request_exception=False)
    pages["404"] = page(anyone.get("/consultations/no-such-consultation/"), 404)
    pages["400"] = page(anyone.get("/", HTTP_HOST="not-our-host.example"), 400)
    pages["403 form without its CSRF token"] = page(
        Client(enforce_csrf_checks=True).post(consultation.get_absolute_url() + "questions/", DETAILS), 403
    )
    with mock.patch("guidance.views.Consultation.objects.in_list_order", side_effect=RuntimeError("a bug")):
        pages["500"] = page(anyone.get("/"), 500)
    with mock.patch("guidance.views.Consultation.objects.in_list_order", side_effect=OperationalError("gone")):
        pages["503 database unavailable"] = page(anyone.get("/"), 503)
    for context in [{}, {"sent_a_form": True}, {"after_sending": True}]:
        pages[f"503 very busy {context}"] = render_to_string("503_busy.html", {"site_name": "Portal", **context})

    section = consultation.document.sections.get(slug="reciprocity")
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 0
    pages["429 responses"] = page(anyone.post(section_url(section, consultation), comment_data()), 429)
    settings.RATE_LIMIT_REPORTS_PER_HOUR = 0
    comment = Comment.objects.published().first()
    pages["429 reports"] = page(anyone.post(reverse("guidance:report_comment", args=[comment.pk]), {}), 429)
    return pages


def not_open_pages(client):
    """A closed consultation with its outcome, and one not open yet, and what a late form gets."""
    pages = {}
    now = timezone.now()
    closed = ConsultationFactory(opens_at=now - datetime.timedelta(days=60), closes_at=now - datetime.timedelta(days=1))
    closed.outcome = "We heard that **payment** matters, so we added [a section](#contents) on it."
    closed.save()
    section = SectionFactory(document=closed.document, title="Reciprocity", slug="reciprocity")
    question = QuestionFactory(consultation=closed)
    Outcome.objects.create(consultation=closed, section=section, text="We *rewrote* this section.")
    Outcome.objects.create(consultation=closed, question=question, text="We will fund training.")
    publish(CommentFactory(section=section))
    publish(CommentFactory(section=None, question=question))
    upcoming = ConsultationFactory(
        opens_at=now + datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
        event_note="A workshop in Leeds, with lunch",
        event_starts_at=now + datetime.timedelta(days=3),
    )
    SectionFactory(document=upcoming.document, slug="first")
    QuestionFactory(consultation=upcoming)
    for label, consultation in [("closed", closed), ("upcoming", upcoming)]:
        first = consultation.document.sections.first()
        for path in [
            consultation.get_absolute_url(),
            section_url(first, consultation),
            reverse("guidance:questions", args=[consultation.slug]),
            reverse("guidance:published", args=[consultation.slug]),
        ]:
            pages[f"{label}: {path}"] = page(client.get(path))
        pages[f"{label}: 403 for a late comment"] = page(
            client.post(section_url(first, consultation), comment_data()), 403
        )
    return pages


def authoring_pages(client):
    """A draft seen through a preview link (every page marked, a form checked but not stored), the
    refused link, an overview with supporting documents and the original's link, a choice question
    with its errors, and a section's preview for staff."""
    pages = {}
    now = timezone.now()
    draft = ConsultationFactory(
        publication=Consultation.Publication.DRAFT,
        opens_at=now + datetime.timedelta(days=3),
        closes_at=now + datetime.timedelta(days=40),
    )
    draft.document.source_url = "https://www.example.org/draft?version=2&format=pdf"
    draft.document.save()
    section = SectionFactory(document=draft.document, slug="payment", part="Key principles")
    question = QuestionFactory(
        consultation=draft, kind=Question.Kind.SEVERAL_CHOICES, required=True, explain_label="Please explain"
    )
    answers.set_options(question, ["Principles", "Features"], offers_other=True)
    supporting.attach(draft, "Full draft", SimpleUploadedFile("a.txt", b"Words."), by=None)
    link = previews.make_link(draft, by=None)
    preview = Client()
    preview.get(reverse("guidance:preview_link", args=[draft.slug, previews.token_for(link)]))
    for path in [draft.get_absolute_url(), reverse("guidance:draft", args=[draft.slug]), section_url(section, draft)]:
        pages[f"preview: {path}"] = page(preview.get(path))
    questions = reverse("guidance:questions", args=[draft.slug])
    pages["preview: questions"] = page(preview.get(questions))
    pages["preview: questions with errors"] = page(
        preview.post(questions, {**DETAILS, f"answer_{question.pk}": [str(question.options.get(is_other=True).pk)]})
    )
    assert "Say what your other answer is" in pages["preview: questions with errors"]
    pages["preview: questions checked"] = page(
        preview.post(questions, {**DETAILS, f"answer_{question.pk}": [str(question.options.first().pk)]})
    )
    assert "nothing was sent or stored" in pages["preview: questions checked"]
    pages["preview: comment checked"] = page(preview.post(section_url(section, draft), comment_data()))
    pages["preview link refused"] = page(
        Client().get(reverse("guidance:preview_link", args=[draft.slug, "broken"])), 403
    )
    PreviewLink.objects.update(revoked_at=now)
    pages["preview withdrawn while reading"] = page(preview.get(draft.get_absolute_url()), 403)
    staff = Client()
    staff.force_login(User.objects.create_superuser("html-admin"))
    pages["section preview for staff"] = page(staff.get(reverse("admin:guidance_section_preview", args=[section.pk])))
    return pages


def test_every_public_page_and_error_state_is_valid_html(checker, client, settings):
    call_command("load_demo", verbosity=0)
    consultation = Consultation.objects.get(slug=SLUG)
    reciprocity = consultation.document.sections.get(slug="reciprocity")
    question = consultation.questions.first()
    # Enough published comments for a second page of them, with markup typed in one of them.
    for n in range(51):
        publish(CommentFactory(section=reciprocity, text=f"Comment {n} <b>with markup</b> & an ampersand"))
    publish(CommentFactory(section=None, question=question, text="An answer\n\nin two paragraphs."))

    pages = {
        **public_pages(client, consultation),
        **form_states(client, consultation),
        **not_open_pages(Client()),
        **error_pages(consultation, settings),
        **authoring_pages(client),
    }
    assert len(pages) > 50
    # One page broken on purpose, in the same run (the checker starts once a session): it must be
    # the only one reported, so a checker that reports nothing cannot pass for a clean run.
    pages["broken on purpose"] = "<!DOCTYPE html><html lang=en><title>t</title><p><div>x</div></p>"
    errors = html_errors(pages)
    broken = errors.pop("broken on purpose", [])
    assert errors == {}
    assert "No “p” element in scope" in broken[0]

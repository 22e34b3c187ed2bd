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

from guidance.consultations import previews, supporting
from guidance.consultations.changed import public_pages_changed
from guidance.equality import questions as equality
from guidance.models import Comment, Consultation, Outcome, PreviewLink, Question
from guidance.responses import answers
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, SectionFactory
from tests.html_validity import VNU_JAR, html_errors, java
from tests.journey_helpers import DETAILS, comment_data, publish, section_url
from tests.what_changed_helpers import consulted_and_revised, published

pytestmark = [pytest.mark.django_db, pytest.mark.html]

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
        # Searched and filtered: with results (and a second page), with none, with a value not offered.
        reverse("guidance:published", args=[SLUG]) + f"?q=comment&section={reciprocity.pk}",
        reverse("guidance:published", args=[SLUG]) + f"?q=comment&section={reciprocity.pk}&page=2",
        reverse("guidance:published", args=[SLUG]) + "?q=nothing-like-this&respondent_type=carer",
        reverse("guidance:published", args=[SLUG]) + f"?question={consultation.questions.first().pk}",
    ]:
        pages[path] = page(client.get(path))
    for section in consultation.document.sections.all():
        pages[section_url(section, consultation)] = page(client.get(section_url(section, consultation)))
    refused = reverse("guidance:published", args=[SLUG]) + "?section=abc&q=" + "x" * 201
    pages["published responses, filters not offered"] = page(client.get(refused), 400)
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
    Consultation.objects.filter(pk=consultation.pk).update(equality_questions=equality.KEYS)
    public_pages_changed(consultations=[consultation])  # as saving it would
    about_you = reverse("guidance:about_you", args=[SLUG])
    pages["answers sent, the optional questions offered"] = page(
        client.get(reverse("guidance:confirmation", args=[SLUG]))
    )
    assert about_you in pages["answers sent, the optional questions offered"]
    pages["optional: tell us about yourself"] = page(client.get(about_you))
    pages["optional questions, an answer not offered"] = page(client.post(about_you, {"age_band": "ancient"}), 400)
    someone_else = {**DETAILS, "name": "Bob Brown", "email": "bob@example.net", "comment": "Mine."}
    pages["comment form, a changed name: the same person?"] = page(client.post(section, someone_else))
    pages["comment form, someone else starting again"] = page(
        client.post(section, {**someone_else, "same_person": "someone_else"})
    )
    client.post(section, comment_data("A view."))
    forget = reverse("guidance:forget_device", args=[SLUG])
    pages["forget me on this device?"] = page(client.get(forget))
    pages["this device has forgotten you"] = page(client.post(forget, follow=True))
    return pages


def respondent_pages(consultation, settings):
    """The respondent's own response: saved, sent, every state, each change and its errors, each
    refused link, and the emails' stop page."""
    from guidance.mail.notifications import unsubscribe_path
    from guidance.moderation.decisions import decide
    from guidance.privacy.retention import erase_response
    from guidance.responses import respondents

    pages = {}
    client = Client()
    section = consultation.document.sections.get(slug="reciprocity")
    questions = reverse("guidance:questions", args=[SLUG])
    your_response = reverse("guidance:your_response", args=[SLUG])
    pages["no response in this browser"] = page(client.get(your_response), 404)
    pages["comment saved"] = page(
        client.post(section_url(section, consultation), {**comment_data("Half"), "save": "Save"}, follow=True)
    )
    pages["comment saved without an email address"] = page(
        Client().post(
            section_url(section, consultation), {**comment_data("Half", email=""), "save": "Save"}, follow=True
        )
    )
    lost = reverse("guidance:lost_link", args=[SLUG])
    pages["lost your link?"] = page(Client().get(lost))
    pages["lost your link?, bad address"] = page(Client().post(lost, {"email": "nope"}), 400)
    pages["lost your link?, sent"] = page(Client().post(lost, {"email": "ann@example.org"}, follow=True))
    pages["questions form, nothing to save"] = page(client.post(questions, {"save": "Save"}))
    pages["comment form with its saved draft"] = page(client.get(section_url(section, consultation)))
    client.post(section_url(section, consultation), {**comment_data("Sent one."), "notify": "on"})
    client.post(section_url(section, consultation), comment_data("Rejected one."))
    client.post(section_url(section, consultation), comment_data("Withdrawn one."))
    answer = {f"answer_{consultation.questions.filter(kind='text').first().pk}": "Published answer."}
    pages["answers sent, everything listed"] = page(client.post(questions, {**DETAILS, **answer}, follow=True))
    response = consultation.responses.get(comments__text="Sent one.")
    decide(response.comments.filter(text="Published answer."), "approved", by=None)
    decide(response.comments.filter(text="Rejected one."), "rejected", by=None, reason_code="off_topic")
    withdrawn = response.comments.get(text="Withdrawn one.")
    pending = response.comments.get(text="Sent one.")
    change = reverse("guidance:change_comment", args=[SLUG, pending.pk])
    withdraw = reverse("guidance:withdraw_comment", args=[SLUG, withdrawn.pk])
    pages["withdraw a comment"] = page(client.get(withdraw))
    client.post(withdraw)
    pages["your response, every state"] = page(client.get(your_response))
    pages["change a comment"] = page(client.get(change))
    pages["change a comment, too long"] = page(client.post(change, {"comment": "x" * 10_001}), 400)
    answer_comment = response.comments.get(text="Published answer.")
    answer_change = reverse("guidance:change_comment", args=[SLUG, answer_comment.pk])
    pages["change an answer"] = page(client.get(answer_change))
    pages["change an answer, emptied"] = page(client.post(answer_change, {}), 400)
    pages["comment changed"] = page(client.post(change, {"comment": "Sent one, changed."}, follow=True))
    choices = reverse("guidance:response_choices", args=[SLUG])
    pages["your choices"] = page(client.get(choices))
    pages["your choices, none chosen"] = page(client.post(choices, {}), 400)
    link = reverse("guidance:email_link", args=[SLUG])
    pages["email a link, bad address"] = page(client.post(link, {"email": "nope"}), 400)
    pages["link emailed"] = page(client.post(link, {"email": "ann@example.org"}, follow=True))
    pages["withdraw the whole response"] = page(client.get(reverse("guidance:withdraw_response", args=[SLUG])))
    token = respondents.continue_token(response)
    pages["link, changed by hand"] = page(Client().get(reverse("guidance:continue", args=[SLUG, token + "x"])), 404)
    other = ConsultationFactory()
    pages["link, another consultation"] = page(
        Client().get(reverse("guidance:continue", args=[other.slug, token])), 404
    )
    pages["stop my links working?"] = page(client.get(reverse("guidance:revoke_links", args=[SLUG])))
    client.post(reverse("guidance:revoke_links", args=[SLUG]))
    pages["link, stopped"] = page(Client().get(reverse("guidance:continue", args=[SLUG, token])), 410)
    stop = unsubscribe_path([response.pk])
    pages["emails stopped"] = page(Client().get(stop))
    pages["emails back on"] = page(Client().post(stop, {"notify": "on"}))
    pages["stop link changed by hand"] = page(Client().get(stop[:-3] + "x/"), 404)
    pages["response withdrawn"] = page(client.post(reverse("guidance:withdraw_response", args=[SLUG]), follow=True))
    # After the close: the response read-only, a refused change, an expired link.
    late = Client()
    late.post(section_url(section, consultation), comment_data("Late."))
    late_response = consultation.responses.get(comments__text="Late.")
    late_comment = late_response.comments.get()
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=timezone.now() - datetime.timedelta(days=7),
        closes_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    public_pages_changed(consultations=[consultation])  # as any change of its dates does
    pages["your response after the close"] = page(late.get(your_response))
    pages["a change refused after the close"] = page(
        late.post(reverse("guidance:change_comment", args=[SLUG, late_comment.pk]), {"comment": "Too late"}), 403
    )
    pages["link after the close, read-only"] = page(Client().get(respondents.continue_path(late_response), follow=True))
    erase_response(late_response, by=None)
    pages["link, response erased"] = page(Client().get(respondents.continue_path(late_response)), 410)
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=timezone.now() + datetime.timedelta(days=7))
    public_pages_changed(consultations=[consultation])
    return pages


def error_pages(consultation, settings):
    pages = {}
    anyone = Client(raise_request_exception=False)
    pages["404"] = page(anyone.get("/consultations/no-such-consultation/"), 404)
    pages["400"] = page(anyone.get("/", HTTP_HOST="not-our-host.example"), 400)
    pages["403 form without its CSRF token"] = page(
        Client(enforce_csrf_checks=True).post(consultation.get_absolute_url() + "questions/", DETAILS), 403
    )
    with mock.patch("guidance.public.pages.Consultation.objects.in_list_order", side_effect=RuntimeError("a bug")):
        pages["500"] = page(anyone.get("/"), 500)
    with mock.patch("guidance.public.pages.Consultation.objects.in_list_order", side_effect=OperationalError("gone")):
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


def what_changed_pages():
    """After a consultation: what changed (every kind of change), the new version, and the
    consulted version's pages saying a new version exists, with a reply beside a comment on the
    published responses, the section page and the respondent's own page."""
    consultation, objects = consulted_and_revised(slug="what-changed")
    published(consultation)
    client = Client()
    session = client.session
    session["responses"] = {str(consultation.pk): objects["replied"].response_id}
    session.save()
    reciprocity = objects["old"]["reciprocity"]
    pages = {}
    for path in [
        reverse("guidance:what_changed", args=[consultation.slug]),
        reverse("guidance:new_version", args=[consultation.slug]),
        reverse("guidance:draft", args=[consultation.slug]),
        section_url(reciprocity, consultation),
        reverse("guidance:published", args=[consultation.slug]),
        # The outcome published: filtered by a theme too.
        reverse("guidance:published", args=[consultation.slug]) + f"?theme={consultation.themes.first().pk}",
        reverse("guidance:your_response", args=[consultation.slug]),
        consultation.get_absolute_url(),
    ]:
        pages[f"what changed: {path}"] = page(client.get(path))
    assert "Our response" in pages[f"what changed: {section_url(reciprocity, consultation)}"]
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
        **respondent_pages(consultation, settings),
        **error_pages(consultation, settings),
        **authoring_pages(client),
        **what_changed_pages(),
    }
    assert len(pages) > 50
    # One page broken on purpose, in the same run (the checker starts once a session): it must be
    # the only one reported, so a checker that reports nothing cannot pass for a clean run.
    pages["broken on purpose"] = "<!DOCTYPE html><html lang=en><title>t</title><p><div>x</div></p>"
    errors = html_errors(pages)
    broken = errors.pop("broken on purpose", [])
    assert errors == {}
    assert "No “p” element in scope" in broken[0]


def test_the_story_pages_are_valid_html(checker, client):
    """The story of an event: its public page (and the consultation's links to it), its preview, and
    the staff's editor in each state, with the import's choice of event."""
    from guidance.stories import editing
    from tests.factories import UserFactory
    from tests.story_helpers import approve, chat_event, chat_reply, host_message, published_story

    manager = UserFactory(manager=True, username="story-manager")
    client.force_login(manager)
    consultation = ConsultationFactory(closes_at=timezone.now() - datetime.timedelta(days=1))
    questions = [QuestionFactory(consultation=consultation, position=n) for n in (1, 2)]
    event = chat_event(consultation)
    pages = {
        "stories": page(client.get(reverse("admin:guidance_consultation_stories", args=[consultation.pk]))),
        "story start": page(client.get(reverse("admin:guidance_event_story", args=[event.pk]))),
        "import with an event": page(client.get(reverse("admin:guidance_consultation_import", args=[consultation.pk]))),
    }
    host = host_message(event, questions[0], "Welcome: Q1 first.", manager)
    named = chat_reply(event, questions[0], "Pay carers <b>fairly</b>.\n\nAnd on time.", name="Ann Smith")
    anonymous = chat_reply(event, questions[1], "Ask us early & often.", name="Raj", consent="anonymous", minutes=9)
    waiting = chat_reply(event, questions[1], "Still waiting for a moderator.", minutes=12)
    approve([named, anonymous], manager)
    story = published_story(event, [host, named, anonymous, waiting], manager)
    editing.add_words(story, kind="heading", text="Money", position=2, by=manager)
    editing.add_words(story, kind="text", text="Then we turned to timing.", position=4, by=manager)
    editor = reverse("admin:guidance_event_story", args=[event.pk])
    pages["story"] = page(Client().get(reverse("guidance:event_story", args=[consultation.slug, event.slug])))
    pages["consultation with a story"] = page(Client().get(consultation.get_absolute_url()))
    pages["story preview"] = page(client.get(reverse("admin:guidance_event_story_preview", args=[event.pk])))
    pages["story editor"] = page(client.get(editor))
    pages["story editor, bad words"] = page(
        client.post(reverse("admin:guidance_event_story_add_words", args=[event.pk]), {"kind": "heading"}), 400
    )
    pages["story editor, bad title"] = page(
        client.post(reverse("admin:guidance_event_story_details", args=[event.pk]), {"title": ""}), 400
    )
    assert "Still waiting" not in pages["story"] and "Then we turned to timing." in pages["story"]
    assert "Updated on" in pages["story"]
    errors = html_errors(pages)
    assert errors == {}

"""The public pages keep what is the same for every visitor, in each server process: the
consultation with its sections, each page of a section's published comments and the whole section
page a new visitor sees (but for its tokens), under the consultation's content_version, which every
change to what they show moves on, so the next view shows it at once; the blank comment form for
good. What is personal (the one-time form token, remembered details, errors) is never shared."""

import datetime
import re
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.core.cache.backends import locmem
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment
from guidance.moderation.decisions import decide
from guidance.public.reading import kept
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory
from tests.journey_helpers import comment_data, publish, section_url

pytestmark = pytest.mark.django_db

FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def published_comment(section):
    return publish(CommentFactory(section=section, text="Pay people for their time."))


def later(monkeypatch, seconds):
    """Move the clock of the per-process cache forward."""
    now = locmem.time.time()
    monkeypatch.setattr(locmem.time, "time", lambda: now + seconds)


def test_a_decision_reaches_the_next_view_at_once_though_the_page_is_kept(
    client, consultation, section, published_comment, moderator
):
    url = section_url(section, consultation)
    assert "Pay people for their time." in client.get(url).content.decode()
    assert "Pay people for their time." in Client().get(url).content.decode()  # kept for new visitors

    decide(
        Comment.objects.filter(pk=published_comment.pk), Comment.Status.PENDING, by=moderator, reason="A second look"
    )

    for visitor in (client, Client()):
        page = visitor.get(url).content.decode()
        assert "Pay people for their time." not in page
        assert "What others have said" not in page


def test_an_erasure_reaches_the_next_view_at_once(client, consultation, section, moderator):
    from guidance.models import Response
    from guidance.privacy.retention import erase_response

    named = publish(CommentFactory(section=section, text="Signed."))
    Response.objects.filter(pk=named.response_id).update(name="Ada Lovelace", consent="named")
    url = section_url(section, consultation)
    assert "Ada Lovelace" in Client().get(url).content.decode()
    erase_response(Response.objects.get(pk=named.response_id), by=moderator)
    assert "Ada Lovelace" not in Client().get(url).content.decode()


def test_a_consultation_published_after_a_staff_preview_is_public_at_once(client, section):
    from guidance.consultations.publishing import publish
    from guidance.models import Consultation

    draft = ConsultationFactory(document=section.document, publication=Consultation.Publication.DRAFT)
    staff = User.objects.create_superuser("root", password="x" * 20)
    client.force_login(staff)
    assert client.get(draft.get_absolute_url()).status_code == 200  # the staff preview, now kept
    assert Client().get(draft.get_absolute_url()).status_code == 404
    publish(draft, by=staff)
    assert Client().get(draft.get_absolute_url()).status_code == 200


def test_with_no_cache_time_every_view_shows_the_latest_decisions(
    client, consultation, section, published_comment, moderator, settings
):
    settings.PUBLIC_CACHE_SECONDS = 0
    url = section_url(section, consultation)
    assert "Pay people for their time." in client.get(url).content.decode()

    decide(
        Comment.objects.filter(pk=published_comment.pk), Comment.Status.PENDING, by=moderator, reason="A second look"
    )

    assert "Pay people for their time." not in client.get(url).content.decode()


def test_a_second_view_does_not_count_or_read_the_comments_again(client, consultation, section, published_comment):
    url = section_url(section, consultation)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert "1 published comment, newest first." in page
    assert not [q["sql"] for q in queries.captured_queries if "guidance_comment" in q["sql"]]


def test_each_page_of_comments_is_kept_apart(client, consultation, section):
    for n in range(25):
        publish(CommentFactory(section=section, text=f"Numbered comment {n:02d}"))
    url = section_url(section, consultation)
    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()
    assert "Numbered comment 24" in first and "Numbered comment 24" not in second
    assert "Numbered comment 00" in second and "Numbered comment 00" not in first
    assert "Showing 21 to 25." in second
    assert client.get(url + "?page=nonsense").content.decode().count("Numbered comment") == 20


def test_every_new_visitor_gets_their_own_form_and_csrf_tokens(consultation, section):
    url = section_url(section, consultation)
    pages = [Client().get(url).content.decode() for _ in range(3)]  # the first is rendered, then kept
    form_tokens = [FORM_TOKEN.findall(page) for page in pages]
    csrf_tokens = [CSRF_TOKEN.findall(page) for page in pages]
    assert all(len(tokens) == 1 for tokens in form_tokens + csrf_tokens)
    assert len({tokens[0] for tokens in form_tokens}) == 3
    assert len({tokens[0] for tokens in csrf_tokens}) == 3
    # Apart from the tokens, the second and third visitors get the first one's page.
    assert CSRF_TOKEN.sub("", FORM_TOKEN.sub("", pages[2])) == CSRF_TOKEN.sub("", FORM_TOKEN.sub("", pages[0]))


def test_a_new_visitor_given_the_kept_page_can_send_a_comment(consultation, section):
    url = section_url(section, consultation)
    Client().get(url)  # the first visitor's page is now kept
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url).content.decode()

    sent = visitor.post(
        url,
        comment_data(
            text="Sent from the kept page.",
            csrfmiddlewaretoken=CSRF_TOKEN.search(page)[1],
            form_token=FORM_TOKEN.search(page)[1],
        ),
        follow=True,
    )

    assert sent.status_code == 200
    assert Comment.objects.get().text == "Sent from the kept page."
    assert Comment.objects.get().response.reference in sent.content.decode()


def test_a_returning_respondent_sees_their_details_not_the_blank_form(client, consultation, section):
    url = section_url(section, consultation)
    stranger = Client().get(url).content.decode()  # renders and keeps the blank form
    assert "Ann Smith" not in stranger

    client.post(url, comment_data(name="Ann Smith"))
    page = client.get(url).content.decode()

    assert "A••• S•••" in page
    assert "A••• S•••" not in Client().get(url).content.decode()


@pytest.mark.parametrize(
    "page_of", [section_url, lambda section, consultation: f"/consultations/{consultation.slug}/questions/"]
)
def test_a_visitor_who_agreed_to_the_privacy_notice_never_passes_that_on_to_the_next_new_visitor(
    consultation, section, question, page_of
):
    url = page_of(section, consultation)
    first = Client()
    session = first.session
    session["privacy_agreed"] = True  # agreed before, then withdrew: nothing else remembered
    session.save()
    first.cookies["sessionid"] = session.session_key
    assert "I agree to my response being used" not in first.get(url).content.decode()

    newcomer = Client(enforce_csrf_checks=True)
    page = newcomer.get(url).content.decode()
    assert "I agree to my response being used as the privacy notice describes" in page
    assert "You agreed to the privacy notice" not in page


def test_a_form_with_errors_keeps_what_was_typed_and_shows_the_errors(client, consultation, section):
    url = section_url(section, consultation)
    client.get(url)  # the blank form is now kept

    page = client.post(url, comment_data(text="", name="Ann Smith")).content.decode()

    assert "There is a problem" in page
    assert "Enter your comment" in page
    assert 'value="Ann Smith"' in page
    assert Comment.objects.count() == 0


def test_a_staff_edit_to_a_section_shows_at_once_though_the_page_is_kept(client, consultation, section):
    url = section_url(section, consultation)
    section.body = "The first wording."
    section.save()
    assert "The first wording." in client.get(url).content.decode()
    assert "The first wording." in Client().get(url).content.decode()

    section.body = "The second wording."
    section.save()

    for visitor in (client, Client()):
        page = visitor.get(url).content.decode()
        assert "The second wording." in page and "The first wording." not in page


def test_a_kept_consultation_still_closes_on_time(client, consultation, section, monkeypatch, settings):
    url = section_url(section, consultation)
    assert "Send comment" in client.get(url).content.decode()  # the consultation and page are now kept

    after_the_close = consultation.closes_at + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: after_the_close)

    refused = client.post(url, comment_data())
    assert refused.status_code == 403
    assert "closed" in refused.content.decode()
    assert Comment.objects.count() == 0
    # A new visitor may see the form for up to the cache time after the close; not after it.
    later(monkeypatch, settings.PUBLIC_CACHE_SECONDS + 1)
    assert "Send comment" not in Client().get(url).content.decode()


def test_closing_a_consultation_early_refuses_posts_at_once_while_its_page_is_kept(client, consultation, section):
    url = section_url(section, consultation)
    question = QuestionFactory(consultation=consultation, position=1)
    questions_url = reverse("guidance:questions", args=[consultation.slug])
    client.get(url)  # this process now keeps the consultation, open, for PUBLIC_CACHE_SECONDS
    client.get(questions_url)
    # A member of staff closes it early in the admin.
    consultation.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    consultation.save()
    for page in (
        client.post(url, comment_data("Just too late")),
        client.post(questions_url, {**comment_data(), f"answer_{question.pk}": "Just too late"}),
    ):
        assert page.status_code == 403
        assert "This consultation has closed" in page.content.decode()
    assert not Comment.objects.exists()


def test_threads_that_miss_the_same_page_at_once_render_it_once(consultation):
    # At a busy deadline a page expires while several threads of a process want it: one renders
    # it, the others wait for it instead of each rendering it again.
    renders, answers = [], []

    def render():
        renders.append(1)
        time.sleep(0.2)  # long enough for every thread to miss it
        return "<p>the page</p>"

    threads = [threading.Thread(target=lambda: answers.append(kept(consultation, "a-page", render))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["<p>the page</p>"] * 4
    assert len(renders) == 1


def test_an_answer_approved_leaves_the_kept_section_page_while_a_comment_approved_replaces_it(
    consultation, section, moderator
):
    # A chat hour approves replies (answers to questions) every second: no section page shows them.
    url = section_url(section, consultation)
    question = QuestionFactory(consultation=consultation)
    answer = CommentFactory(consultation=consultation, section=None, question=question, text="An answer in words.")
    on_section = CommentFactory(consultation=consultation, section=section, text="Share the budget.")
    published = reverse("guidance:published", args=[consultation.slug])
    Client().get(url)
    assert "An answer in words." not in Client().get(published).content.decode()

    decide(Comment.objects.filter(pk=answer.pk), Comment.Status.APPROVED, by=moderator)
    with CaptureQueriesContext(connection) as queries:
        page = Client().get(url).content.decode()
    assert not [q["sql"] for q in queries.captured_queries if "guidance_comment" in q["sql"]]
    assert "Share the budget." not in page
    assert "An answer in words." in Client().get(published).content.decode()  # where answers show, at once

    decide(Comment.objects.filter(pk=on_section.pk), Comment.Status.APPROVED, by=moderator)
    assert "Share the budget." in Client().get(url).content.decode()

"""A chat hour held on the portal: people reply to the question the host has put, without an
account; each reply is an answer in their chat response, shown once a moderator approves it (or at
once, and taken down, when the event is moderated afterwards), and counted like any answer."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guidance.analysis.dashboard import dashboard
from guidance.analysis.exports import csv_chunks
from guidance.events import chat
from guidance.models import ChatMessage, Comment, Event, ModerationReason, Question, Response
from guidance.moderation.decisions import decide, redact_and_publish, with_last_event
from guidance.privacy.retention import erase_response
from guidance.public import chat as chat_views
from guidance.responses import answers
from guidance.responses.submissions import submit_response
from guidance.responses.text import CONTROL_MESSAGE
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now


@pytest.fixture
def q1(consultation):
    return QuestionFactory(consultation=consultation, position=1, text="What helps most?")


@pytest.fixture
def q2(consultation):
    question = QuestionFactory(
        consultation=consultation, position=2, text="Does the draft capture it?", kind=Question.Kind.ONE_CHOICE
    )
    answers.set_options(question, ["Yes", "Partly", "No"])
    return question


def make_event(consultation, *, starts_in=-10, lasts=60, moderation=Event.Moderation.BEFORE, slug="chat-hour"):
    starts = NOW() + datetime.timedelta(minutes=starts_in)
    return Event.objects.create(
        consultation=consultation,
        kind=Event.Kind.CHAT,
        title="Chat hour on carers' breaks",
        slug=slug,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=lasts),
        moderation=moderation,
    )


@pytest.fixture
def event(consultation):
    return make_event(consultation)


@pytest.fixture
def host(db):
    return UserFactory(manager=True, username="host", first_name="Hana", last_name="Host")


def page_url(event):
    return reverse("guidance:event_chat", kwargs={"slug": event.consultation.slug, "event": event.slug})


def messages_url(event, since=0):
    url = reverse("guidance:event_chat_messages", kwargs={"slug": event.consultation.slug, "event": event.slug})
    return f"{url}?since={since}"


def cursor_of(fragment):
    return re.search(r'data-since="(\d+)"', fragment.content.decode())[1]


def reply_data(**changes):
    data = {
        "reply": "Respite that is planned ahead.",
        "name": "Ann Carer",
        "respondent_type": "carer",
        "consent": "named",
        "privacy_agreed": "on",
        **changes,
    }
    return {key: value for key, value in data.items() if value is not None}


def reply(client, event, text="Respite that is planned ahead.", **changes):
    return client.post(page_url(event), reply_data(reply=text, **changes))


def approve(message, by):
    decide(Comment.objects.filter(pk=message.comment_id), Comment.Status.APPROVED, by=by)


def reject(message, by):
    decide(Comment.objects.filter(pk=message.comment_id), Comment.Status.REJECTED, by=by, reason_code="offensive")


def shown_on_page(client, event):
    return client.get(page_url(event)).content.decode()


# Before, during and after the hour ---------------------------------------------------------------


def test_before_the_hour_the_page_says_when_it_starts_and_takes_no_reply(client, consultation, q1):
    event = make_event(consultation, starts_in=60)
    page = shown_on_page(client, event)
    assert "This chat hour starts from" in page
    assert 'name="reply"' not in page
    sent = reply(client, event)
    assert sent.status_code == 400
    assert "The chat hour has not started yet, so your reply was not sent" in sent.content.decode()
    assert not Comment.objects.exists() and not Response.objects.exists()


def test_during_the_hour_before_a_question_a_reply_is_refused_with_a_reason(client, event):
    assert "The host has not asked a question yet." in shown_on_page(client, event)
    sent = reply(client, event)
    assert sent.status_code == 400
    assert "The host has not asked a question yet. Wait for the first question, then reply" in sent.content.decode()
    assert not Comment.objects.exists() and not Response.objects.exists() and not ChatMessage.objects.exists()


def test_a_reply_is_stored_as_a_pending_answer_to_the_question_put_in_a_chat_response(client, event, q1, host):
    chat.put_question(event, q1, by=host)
    assert 'name="reply"' in shown_on_page(client, event)
    sent = reply(client, event)
    assert sent.status_code == 302 and sent["Location"] == page_url(event)
    message = ChatMessage.objects.get(by_host=False)
    assert message.status == ChatMessage.Status.WAITING
    assert message.comment.question == q1 and message.comment.status == Comment.Status.PENDING
    assert message.comment.text == "Respite that is planned ahead."
    response = message.response
    assert (response.channel, response.name, response.respondent_type, response.consent) == (
        "chat",
        "Ann Carer",
        "carer",
        "named",
    )
    assert message.display_name == "Ann Carer"
    page = client.get(sent["Location"]).content.decode()
    assert "Your reply was sent. It will show in the chat once a moderator approves it." in page


def test_a_reply_sent_by_the_pages_script_is_answered_with_the_words_alone(client, event, q1, host):
    """static/js/chat.js sends replies with fetch: the page is not loaded again after each."""
    chat.put_question(event, q1, by=host)
    by_script = {"X-Requested-With": "fetch"}
    sent = client.post(page_url(event), reply_data(consent="anonymous"), headers=by_script)
    assert sent.status_code == 200 and sent["Content-Type"].startswith("text/plain")
    assert sent.content.decode() == "Your reply was sent. It will show in the chat once a moderator approves it."
    assert "no-store" in sent["Cache-Control"]
    assert ChatMessage.objects.get(by_host=False).comment.text == "Respite that is planned ahead."
    # Said once, by the script: not again at the top of the next page.
    assert "Your reply was sent" not in shown_on_page(client, event)
    # A reply with an error is answered as the form's is, for the script to send it the ordinary way.
    refused = client.post(page_url(event), reply_data(reply=""), headers=by_script)
    assert refused.status_code == 400 and "Enter your reply" in refused.content.decode()
    assert ChatMessage.objects.filter(by_host=False).count() == 1


def test_the_same_reply_sent_twice_to_the_same_question_is_stored_once(client, event, q1, q2, host):
    chat.put_question(event, q1, by=host)
    reply(client, event)
    reply(client, event)
    assert ChatMessage.objects.filter(by_host=False).count() == 1
    assert Comment.objects.filter(question=q1).count() == 1

    # The same words to the next question are a new answer.
    chat.put_question(event, q2, by=host)
    reply(client, event)
    assert list(Comment.objects.order_by("pk").values_list("question", flat=True)) == [q1.pk, q2.pk]


def test_after_the_hour_the_record_is_read_only(client, consultation, q1, host):
    event = make_event(consultation, starts_in=-120)
    message = ChatMessage.objects.create(
        event=event, question=q1, by_host=True, host=host, text="Q1. What helps most?", status="approved"
    )
    page = shown_on_page(client, event)
    assert "This chat hour ended at" in page and message.text in page
    assert 'name="reply"' not in page
    sent = reply(client, event)
    assert sent.status_code == 400
    assert "The chat hour has ended, so your reply was not sent" in sent.content.decode()
    assert not Comment.objects.exists()


def test_a_reply_is_not_taken_once_the_consultation_has_closed(client, closed, q1, host):
    event = make_event(closed)
    chat.put_question(event, q1, by=host)
    assert "The consultation is not open, so replies are not taken." in shown_on_page(client, event)
    sent = reply(client, event)
    assert sent.status_code == 400
    assert "The consultation is not open, so your reply was not sent" in sent.content.decode()
    assert not Comment.objects.exists() and not Response.objects.exists()


def test_a_chat_of_a_consultation_not_published_is_not_found(client, consultation):
    consultation.publication = consultation.Publication.DRAFT
    consultation.save()
    event = make_event(consultation)
    assert client.get(page_url(event)).status_code == 404
    assert client.get(messages_url(event)).status_code == 404


# Bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"text": ""}, "Enter your reply"),
        ({"text": "   \u200b "}, "Enter your reply"),
        ({"text": "x" * 1001}, "Your reply must be 1,000 characters or fewer: you have written 1,001."),
        ({"text": "Bad\x07bell"}, CONTROL_MESSAGE),
        ({"name": "Ann\x00Carer"}, CONTROL_MESSAGE),
        ({"name": "A" * 101}, "Your name must be 100 characters or fewer: you have written 101."),
        ({"respondent_type": None}, "Select how you are responding"),
        ({"respondent_type": "robot"}, "Select a valid choice"),
        ({"consent": None}, "Select whether we can publish your response"),
        ({"privacy_agreed": None}, "Confirm that you agree to the privacy notice"),
        ({"respondent_type": "organisation"}, "Enter the name of the organisation you are responding for"),
    ],
)
def test_a_bad_reply_gets_a_clear_error_and_nothing_is_stored(client, event, q1, host, changes, error):
    chat.put_question(event, q1, by=host)
    sent = reply(client, event, **changes)
    assert sent.status_code == 400
    page = sent.content.decode()
    assert "There is a problem" in page and error in page
    assert not Comment.objects.exists() and not Response.objects.exists()
    assert not ChatMessage.objects.filter(by_host=False).exists()


def test_a_filled_in_honeypot_looks_like_success_and_stores_nothing(client, event, q1, host):
    chat.put_question(event, q1, by=host)
    assert reply(client, event, website="http://spam.example").status_code == 302
    assert not Comment.objects.exists()


def test_replies_over_the_hourly_limit_are_refused_and_not_stored(client, event, q1, host, settings):
    settings.RATE_LIMIT_CHAT_REPLIES_PER_HOUR = 1
    chat.put_question(event, q1, by=host)
    reply(client, event, "First.")  # the new response: counted among new responses
    assert reply(client, event, "Second.").status_code == 302  # the chat response's first place
    refused = reply(client, event, "Third.")
    assert refused.status_code == 429
    assert list(Comment.objects.values_list("text", flat=True).order_by("pk")) == ["First.", "Second."]


# One chat response per browser --------------------------------------------------------------------


def test_a_browsers_replies_join_its_one_chat_response_and_are_not_asked_the_privacy_notice_again(
    client, event, q1, host
):
    chat.put_question(event, q1, by=host)
    reply(client, event, "First.")
    page = shown_on_page(client, event)
    assert 'name="privacy_agreed"' not in page and "You agreed to the" in page
    assert 'value="Ann Carer"' in page  # their details filled in
    reply(client, event, "Second.", privacy_agreed=None)
    assert Response.objects.count() == 1
    assert Response.objects.get().comments.count() == 2


def test_a_browsers_online_response_and_its_chat_response_are_kept_apart(client, consultation, event, q1, host):
    """Each channel's answers are counted as that channel's: the form's response stays online."""
    session_response, _, _ = submit_response(
        consultation, {"respondent_type": "public", "consent": "anonymous"}, [(q1, "Online words.")]
    )
    session = client.session
    session["responses"] = {str(consultation.pk): [session_response.pk, session_response.link_version]}
    session.save()
    chat.put_question(event, q1, by=host)
    reply(client, event, "Chat words.")
    assert sorted(Response.objects.values_list("channel", flat=True)) == ["chat", "online"]
    assert client.session["responses"] == {str(consultation.pk): [session_response.pk, 0]}


def test_two_browsers_make_two_chat_responses(client, event, q1, host):
    chat.put_question(event, q1, by=host)
    reply(client, event, "From the first.")
    reply(Client(), event, "From the second.", name="Bo")
    assert Response.objects.filter(channel="chat").count() == 2


# The host's questions -----------------------------------------------------------------------------


def test_replies_answer_the_question_current_when_they_were_posted(client, event, q1, q2, host):
    chat.put_question(event, q1, by=host)
    reply(client, event, "Planning ahead.")
    chat.put_question(event, q2, by=host)
    reply(client, event, "Partly, breaks are too short.")
    first, second = Comment.objects.order_by("pk")
    assert first.question == q1 and second.question == q2
    # Read as a tweetchat's answer is: the option its words start with is chosen.
    assert [option.label for option in second.options.all()] == ["Partly"]
    assert second.text == "Partly, breaks are too short."


def test_the_host_screen_puts_questions_and_posts_messages(client, event, q1, q2, host):
    client.force_login(host)
    screen = reverse("admin:guidance_event_chat_host", args=[event.pk])
    page = client.get(screen).content.decode()
    assert "Put Q1" in page and "Put Q2" in page
    put = client.post(reverse("admin:guidance_event_chat_put", args=[event.pk]), {"question": q2.pk})
    assert put.status_code == 302
    event.refresh_from_db()
    assert event.current_question == q2
    said = client.post(reverse("admin:guidance_event_chat_say", args=[event.pk]), {"text": "Welcome, everyone."})
    assert said.status_code == 302
    page = Client().get(page_url(event)).content.decode()
    assert "Q2. Does the draft capture it?" in page and "Welcome, everyone." in page


def test_the_host_screen_refuses_another_consultations_question_and_an_empty_message(client, event, q1, host):
    other = QuestionFactory(position=1)
    client.force_login(host)
    client.post(reverse("admin:guidance_event_chat_put", args=[event.pk]), {"question": other.pk})
    event.refresh_from_db()
    assert event.current_question is None
    empty = client.post(reverse("admin:guidance_event_chat_say", args=[event.pk]), {"text": "  "})
    assert empty.status_code == 400 and "Write the message first." in empty.content.decode()
    assert not ChatMessage.objects.exists()


# Moderation ---------------------------------------------------------------------------------------


def test_a_premoderated_reply_shows_once_approved_and_a_rejected_one_never(client, event, q1, host, moderator):
    chat.put_question(event, q1, by=host)
    reply(client, event, "Kind words.")
    reply(Client(), event, "Rude words.", name="Rex")
    kind, rude = ChatMessage.objects.filter(by_host=False).order_by("pk")
    assert "Kind words." not in shown_on_page(Client(), event)
    approve(kind, moderator)
    reject(rude, moderator)
    kind.refresh_from_db(), rude.refresh_from_db()
    assert (kind.status, rude.status) == ("approved", "rejected")
    assert kind.decided_by == moderator
    page = shown_on_page(Client(), event)
    assert "Kind words." in page and "Rude words." not in page
    assert Comment.objects.get(pk=kind.comment_id) in Comment.objects.published()


def test_a_post_moderated_reply_shows_at_once_and_is_taken_down(client, consultation, q1, host, moderator):
    event = make_event(consultation, moderation=Event.Moderation.AFTER)
    chat.put_question(event, q1, by=host)
    sent = reply(client, event, "Straight in.")
    assert "Your reply was sent and shows in the chat." in client.get(sent["Location"]).content.decode()
    assert "Straight in." in shown_on_page(Client(), event)
    message = ChatMessage.objects.get(by_host=False)
    reject(message, moderator)
    message.refresh_from_db()
    assert message.status == "taken_down"
    assert "Straight in." not in shown_on_page(Client(), event)


def test_the_live_queue_approves_the_oldest_reply_through_the_one_state_machine(
    client, moderator_client, event, q1, host
):
    chat.put_question(event, q1, by=host)
    reply(client, event, "Oldest.")
    reply(Client(), event, "Newer.")
    queue = reverse("admin:guidance_event_chat_queue", args=[event.pk])
    page = moderator_client.get(queue).content.decode()
    assert "Oldest." in page and 'data-key="a"' in page and "2 replies waiting" in page
    oldest = ChatMessage.objects.get(text="Oldest.")
    decided = moderator_client.post(
        reverse("admin:guidance_event_chat_decide", args=[event.pk, oldest.pk]),
        {"decision": "approved", "seen_event_id": 0},
    )
    assert decided.status_code == 302
    oldest.refresh_from_db()
    assert oldest.status == "approved" and oldest.comment.status == "approved"
    assert oldest.comment.events.get().by == moderator_client.user
    assert "Newer." in moderator_client.get(queue).content.decode()


def test_the_live_queue_refuses_a_decision_made_since_the_reply_was_shown(client, moderator_client, event, q1, host):
    chat.put_question(event, q1, by=host)
    reply(client, event, "Contested.")
    message = ChatMessage.objects.get(by_host=False)
    other = UserFactory(moderator=True, first_name="Robin", last_name="Other")
    approve(message, other)
    refused = moderator_client.post(
        reverse("admin:guidance_event_chat_decide", args=[event.pk, message.pk]),
        {"decision": "rejected", "reason_code": "offensive", "seen_event_id": 0},
        follow=True,
    )
    assert "Robin Other approved this comment" in refused.content.decode()
    message.refresh_from_db()
    assert message.status == "approved"


def test_rejecting_in_the_live_queue_needs_a_reason(client, moderator_client, event, q1, host):
    chat.put_question(event, q1, by=host)
    reply(client, event, "Hmm.")
    message = ChatMessage.objects.get(by_host=False)
    refused = moderator_client.post(
        reverse("admin:guidance_event_chat_decide", args=[event.pk, message.pk]),
        {"decision": "rejected", "seen_event_id": 0},
    )
    assert refused.status_code == 400 and "Choose why the comment is rejected." in refused.content.decode()
    message.refresh_from_db()
    assert message.status == "waiting"


def test_the_queue_of_a_post_moderated_chat_lists_shown_replies_to_take_down(
    client, moderator_client, consultation, q1, host
):
    event = make_event(consultation, moderation=Event.Moderation.AFTER)
    chat.put_question(event, q1, by=host)
    reply(client, event, "Showing now.")
    message = ChatMessage.objects.get(by_host=False)
    queue = reverse("admin:guidance_event_chat_queue", args=[event.pk])
    page = moderator_client.get(queue).content.decode()
    assert "Showing now." in page and "Take down" in page
    moderator_client.post(
        reverse("admin:guidance_event_chat_decide", args=[event.pk, message.pk]),
        {"decision": "rejected", "reason_code": "off_topic", "seen_event_id": 0},
    )
    message.refresh_from_db()
    assert message.status == "taken_down"
    assert "Showing now." not in moderator_client.get(queue).content.decode()


def test_a_reply_sent_back_to_pending_by_the_moderation_screen_is_hidden_again(client, event, q1, host, moderator):
    chat.put_question(event, q1, by=host)
    reply(client, event, "Second thoughts.")
    message = ChatMessage.objects.get(by_host=False)
    approve(message, moderator)
    decide(Comment.objects.filter(pk=message.comment_id), Comment.Status.PENDING, by=moderator)
    message.refresh_from_db()
    assert message.status == "waiting"
    assert "Second thoughts." not in shown_on_page(Client(), event)


# Consent ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("consent", "name_shown", "reply_shown"),
    [("named", True, True), ("anonymous", False, True), ("private", False, False)],
)
def test_a_name_shows_only_with_publish_with_my_name_and_private_replies_never_show(
    client, event, q1, host, moderator, consent, name_shown, reply_shown
):
    chat.put_question(event, q1, by=host)
    reply(client, event, "My view.", name="Priya Shah", consent=consent)
    approve(ChatMessage.objects.get(by_host=False), moderator)
    page = shown_on_page(Client(), event)
    assert ("Priya Shah" in page) is name_shown
    assert ("My view." in page) is reply_shown
    if reply_shown and not name_shown:
        assert "Anonymous" in page
    # Counted as an answer whatever was chosen.
    assert Comment.objects.filter(status="approved", question=q1).count() == 1


def test_erasing_a_chat_response_forgets_the_name_shown_with_its_replies_on_open_pages_too(
    client, event, q1, host, moderator, django_capture_on_commit_callbacks
):
    chat.put_question(event, q1, by=host)
    reply(client, event, "Mine.", name="Priya Shah")
    message = ChatMessage.objects.get(by_host=False)
    with django_capture_on_commit_callbacks(execute=True):
        approve(message, moderator)
    seen = Client().get(messages_url(event))
    assert "Priya Shah" in seen.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        erase_response(message.response, by=moderator, include_text=True)
    message.refresh_from_db()
    assert message.display_name == "" and message.text.startswith("[removed")
    page = shown_on_page(Client(), event)
    assert "Priya Shah" not in page and "Mine." not in page
    # Nor do the open pages' polls give it, from the latest messages kept rendered for them.
    polled = Client().get(messages_url(event)).content.decode()
    assert "Priya Shah" not in polled and "Mine." not in polled
    # A page already showing the reply is given it again, without the name or the words.
    again = Client().get(messages_url(event, cursor_of(seen))).content.decode()
    assert f'id="message-{message.pk}"' in again and "Anonymous" in again
    assert "Priya Shah" not in again and "Mine." not in again


def test_words_redacted_in_a_published_reply_reach_the_open_pages_and_the_old_words_never_again(
    client, event, q1, host, moderator, django_capture_on_commit_callbacks
):
    chat.put_question(event, q1, by=host)
    reply(client, event, "Call me on 07700 900123.")
    message = ChatMessage.objects.get(by_host=False)
    with django_capture_on_commit_callbacks(execute=True):
        approve(message, moderator)
    # Open pages are answered from the latest changes, kept rendered under the chat's token.
    seen = Client().get(messages_url(event))
    assert "07700 900123" in seen.content.decode()
    chat.host_says(event, "Ten minutes left.", by=host)
    with django_capture_on_commit_callbacks(execute=True):
        redact_and_publish(
            message.comment_id,
            "Call me on [redacted].",
            by=moderator,
            seen_event_id=with_last_event(Comment.objects.filter(pk=message.comment_id))[0].last_event_id,
            reason_code=ModerationReason.PERSONAL,
        )
    polled = Client().get(messages_url(event)).content.decode()
    assert "Call me on [redacted]." in polled and "07700 900123" not in polled
    # A page already showing the reply is given it again, to put in place of what it shows.
    again = Client().get(messages_url(event, cursor_of(seen)), headers={"if-none-match": seen["ETag"]})
    assert again.status_code == 200 and f'id="message-{message.pk}"' in again.content.decode()
    assert "Call me on [redacted]." in again.content.decode()
    page = shown_on_page(Client(), event)
    assert "Call me on [redacted]." in page and "07700 900123" not in page
    # A page opened since shows it where it came into the chat, before what came after it.
    assert page.index("Call me on [redacted].") < page.index("Ten minutes left.")


# The live fragment --------------------------------------------------------------------------------


def test_the_fragment_gives_only_newer_shown_messages_and_304_while_nothing_changes(
    client, event, q1, host, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        put = chat.put_question(event, q1, by=host)
    first = client.get(messages_url(event))
    assert first.status_code == 200 and "What helps most?" in first.content.decode()
    assert first["Cache-Control"] in ("no-cache, private", "private, no-cache")
    etag, since = first["ETag"], cursor_of(first)
    assert client.get(messages_url(event, since), headers={"if-none-match": etag}).status_code == 304
    # Put a minute ago: older than what a page asking now looks back over.
    ChatMessage.objects.filter(pk=put.pk).update(shown_changed_at=NOW() - datetime.timedelta(minutes=1))
    since = chat.as_cursor(NOW() - datetime.timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        reply(Client(), event, "Waiting, not shown.")
    # A reply waiting for a moderator changes nothing shown.
    assert client.get(messages_url(event, since), headers={"if-none-match": etag}).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        approve(ChatMessage.objects.get(by_host=False), moderator)
    newer = client.get(messages_url(event, since), headers={"if-none-match": etag})
    assert newer.status_code == 200 and newer["ETag"] != etag
    body = newer.content.decode()
    assert "Waiting, not shown." in body and f'id="message-{put.pk}"' not in body
    assert int(cursor_of(newer)) > since


def test_a_poll_with_nothing_new_is_answered_from_the_cache_alone_until_the_event_changes(client, event, q1, host):
    chat.put_question(event, q1, by=host)
    first = client.get(messages_url(event))
    etag = first["ETag"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(messages_url(event), headers={"if-none-match": etag}).status_code == 304
    # The tests' shared cache is the database's cache table (Redis in production): its one read only.
    assert [query["sql"] for query in queries] == [query["sql"] for query in queries if "portal_cache" in query["sql"]]
    assert len(queries) == 1
    # New times read afresh: moved into the future, the chat is not on yet.
    event.starts_at = NOW() + datetime.timedelta(hours=1)
    event.ends_at = NOW() + datetime.timedelta(hours=2)
    event.save()
    again = client.get(messages_url(event), headers={"if-none-match": etag})
    assert again.status_code == 200 and again["ETag"] != etag and again["ETag"].endswith('-before"')
    # A deleted event's polls are not found, not answered from what was remembered.
    event.delete()
    assert client.get(messages_url(event), headers={"if-none-match": again["ETag"]}).status_code == 404


def test_a_changed_poll_is_answered_from_the_changes_kept_for_every_page_without_a_query(
    client, event, q1, host, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        put = chat.put_question(event, q1, by=host)
    ChatMessage.objects.filter(pk=put.pk).update(shown_changed_at=NOW() - datetime.timedelta(minutes=1))
    etag = client.get(messages_url(event))["ETag"]
    since = chat.as_cursor(NOW() - datetime.timedelta(seconds=30))
    reply(Client(), event, "Read once for everyone.")
    reply(Client(), event, "And rendered once.")
    with django_capture_on_commit_callbacks(execute=True):
        for message in ChatMessage.objects.filter(by_host=False):
            approve(message, moderator)
    # The first page to ask after the change reads the latest changes (the event, then every
    # message with what it shows in one query) and keeps them rendered...
    chat_views.RENDERED.clear()
    with CaptureQueriesContext(connection) as queries:
        first = Client().get(messages_url(event)).content.decode()
    assert "Read once for everyone." in first and "And rendered once." in first
    assert len([query for query in queries if "guidance_" in query["sql"]]) == 2
    # ... every other page takes what it lacks from them: in this process, from its own copy (the
    # token's read from the shared cache, no other query); in another, from the shared cache.
    for process, reads in [("this", 1), ("another", 2)]:
        if process == "another":
            chat_views.WINDOWS.clear()
        with CaptureQueriesContext(connection) as queries:
            newer = client.get(messages_url(event, since), headers={"if-none-match": etag})
        assert newer.status_code == 200 and newer["ETag"] != etag
        body = newer.content.decode()
        assert "Read once for everyone." in body and f'id="message-{put.pk}"' not in body
        assert int(cursor_of(newer)) > since
        assert len(queries) == reads and all("portal_cache" in query["sql"] for query in queries)
    # A page with nothing yet gets the whole of it; one up to date, nothing but its cursor.
    assert f'id="message-{put.pk}"' in Client().get(messages_url(event)).content.decode()
    up_to_date = client.get(messages_url(event, chat.as_cursor(NOW() + datetime.timedelta(minutes=1)))).content
    assert b"<li" not in up_to_date


def test_a_reply_approved_after_a_later_message_still_reaches_open_pages(
    client, event, q1, q2, host, moderator, django_capture_on_commit_callbacks
):
    """Approved after the next question was put, it comes after it: open pages ask by when things
    came into the chat, not by when they were posted."""
    chat.put_question(event, q1, by=host)
    reply(Client(), event, "Slow to approve.")
    chat.put_question(event, q2, by=host)
    since = cursor_of(client.get(messages_url(event)))
    with django_capture_on_commit_callbacks(execute=True):
        approve(ChatMessage.objects.get(by_host=False), moderator)
    assert "Slow to approve." in client.get(messages_url(event, since)).content.decode()
    page = shown_on_page(Client(), event)
    assert page.index("Does the draft capture it?") < page.index("Slow to approve.")


def test_the_fragment_names_replies_taken_down_for_open_pages_to_remove(
    client, consultation, q1, host, moderator, django_capture_on_commit_callbacks
):
    event = make_event(consultation, moderation=Event.Moderation.AFTER)
    chat.put_question(event, q1, by=host)
    reply(Client(), event, "Soon gone.")
    message = ChatMessage.objects.get(by_host=False)
    first = client.get(messages_url(event))
    assert "Soon gone." in first.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        reject(message, moderator)
    body = client.get(messages_url(event, cursor_of(first))).content.decode()
    assert f'data-hidden="{message.pk}"' in body and "Soon gone." not in body


def test_the_fragment_says_when_the_hour_is_over(client, consultation):
    event = make_event(consultation, starts_in=-120)
    assert 'data-state="over"' in client.get(messages_url(event)).content.decode()


# Who may host and moderate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "may_host", "may_moderate"),
    [("moderator", True, True), ("manager", True, False), ("analyst", False, False)],
)
def test_hosting_and_moderating_a_chat_need_their_permissions(client, event, role, may_host, may_moderate):
    client.force_login(UserFactory(**{role: True}))
    host_screen = client.get(reverse("admin:guidance_event_chat_host", args=[event.pk]))
    queue = client.get(reverse("admin:guidance_event_chat_queue", args=[event.pk]))
    assert host_screen.status_code == (200 if may_host else 403)
    assert queue.status_code == (200 if may_moderate else 403)


def test_the_staff_chat_pages_need_a_signed_in_member_of_staff(client, event, q1):
    for url in [
        reverse("admin:guidance_event_chat_host", args=[event.pk]),
        reverse("admin:guidance_event_chat_queue", args=[event.pk]),
    ]:
        assert client.get(url).status_code == 302
    assert (
        client.post(reverse("admin:guidance_event_chat_put", args=[event.pk]), {"question": q1.pk}).status_code == 302
    )
    event.refresh_from_db()
    assert event.current_question is None


# Counted like any answer --------------------------------------------------------------------------


def test_approved_chat_answers_are_counted_and_exported_under_their_questions(client, event, q1, q2, host, moderator):
    chat.put_question(event, q1, by=host)
    reply(client, event, "Planning ahead.")
    chat.put_question(event, q2, by=host)
    reply(client, event, "Yes, mostly.")
    reply(Client(), event, "Spam spam.", name="Bot")
    first, second, spam = ChatMessage.objects.filter(by_host=False).order_by("pk")
    approve(first, moderator), approve(second, moderator), reject(spam, moderator)
    numbers = dashboard(event.consultation)
    charts = {chart.slug: {bar.label: bar.value for bar in chart.bars} for chart in numbers["charts"]}
    assert charts["channel"]["Chat hour on this site"] == 2
    assert charts["question"] == {"Q1": 1, "Q2": 2}  # every answer, whatever its status
    assert charts["status"]["Approved"] == 2 and charts["status"]["Rejected"] == 1
    counts = {c.question.pk: c for c in answers.option_counts(event.consultation)}
    yes = next(option for option in counts[q2.pk].options if option.label == "Yes")
    assert yes.count == 1
    data = b"".join(csv_chunks(event.consultation, Comment.objects.filter(status="approved")))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert sorted((row["Channel"], row["Target number"], row["Text"], row["Choices"]) for row in rows) == [
        ("Chat hour on this site", "Q1", "Planning ahead.", ""),
        ("Chat hour on this site", "Q2", "Yes, mostly.", "Yes"),
    ]

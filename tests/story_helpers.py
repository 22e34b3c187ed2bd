"""Events with chat messages, and their stories, for the stories' tests (tests/test_stories.py, the
HTML checks and the browser tests)."""

import datetime

from django.utils import timezone

from guidance.events.models import ChatMessage, Event
from guidance.models import Comment, Response
from guidance.moderation.decisions import decide
from guidance.stories import editing

HOUR = datetime.timedelta(hours=1)


def chat_event(consultation, *, slug="carers-chat-hour", title="Carers' chat hour"):
    starts = timezone.now() - 2 * HOUR
    return Event.objects.create(
        consultation=consultation, kind=Event.Kind.CHAT, title=title, slug=slug, starts_at=starts, ends_at=starts + HOUR
    )


def chat_reply(event, question, text, *, name="Ann Smith", consent=Response.Consent.PUBLISH_NAMED, minutes=5):
    """A participant's reply, as the live chat stores it: a response of channel "chat" whose comment
    answers the question and waits for a moderator, and the approved message."""
    posted = event.starts_at + datetime.timedelta(minutes=minutes)
    response = Response.objects.create(
        consultation=event.consultation,
        channel=Response.Channel.CHAT,
        respondent_type=Response.RespondentType.PUBLIC,
        name=name,
        consent=consent,
        submitted_at=posted,
    )
    comment = Comment.objects.create(
        response=response, consultation=event.consultation, question=question, text=text, created_at=posted
    )
    return ChatMessage.objects.create(
        event=event,
        question=question,
        response=response,
        comment=comment,
        display_name=name,
        text=text,
        status=ChatMessage.Status.APPROVED,
        posted_at=posted,
    )


def host_message(event, question, text, host, minutes=1):
    return ChatMessage.objects.create(
        event=event,
        question=question,
        by_host=True,
        host=host,
        display_name="Kit from the team",
        text=text,
        status=ChatMessage.Status.APPROVED,
        posted_at=event.starts_at + datetime.timedelta(minutes=minutes),
    )


def approve(messages, moderator):
    """The moderator publishes the messages' answers, through the one state machine."""
    decide(Comment.objects.filter(chat_message__in=messages), Comment.Status.APPROVED, by=moderator)


def published_story(event, messages, by, *, title="What carers told us"):
    story = editing.start_story(event, by=by)
    editing.change_details(story, title=title, introduction="Twenty carers joined the hour.", by=by)
    for message in messages:
        editing.add_message(story, message.pk, by=by)
    story.refresh_from_db()
    return editing.publish(story, by=by)

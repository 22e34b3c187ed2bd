"""A chat hour held on the portal: the host puts the consultation's questions one after another, and
people reply to the question put at the time; moderators let replies through (or, for an event
moderated afterwards, take them down).

Every reply is an answer. It is stored at once as a pending comment on the question current when it
was posted, in its writer's chat response to the consultation (channel "chat": one per browser, the
chat's own, beside any response sent through the forms, as a tweetchat's answers are responses of
their own), with the ChatMessage that shows it in the chat. A moderator's decision is a decision on
that comment, through the one state machine (guidance/moderation/decisions.py), which keeps the
message's status in step (guidance/events/live.py): approved, the reply shows in the chat and is
published, counted and exported as any answer; rejected, it never shows, or is taken down.
"""

import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from guidance.events import live
from guidance.models import ChatMessage, Comment, Event, Question, Response
from guidance.moderation import by_respondent, decisions
from guidance.responses import answers
from guidance.responses.text import whole_number

BEFORE, LIVE, OVER = "before", "live", "over"
# The most messages a chat page shows while the hour runs (the latest), and a poll brings at once.
LATEST = 100
# How much further back than its last look a poll reads (looked_back).
OVERLAP = datetime.timedelta(seconds=3)


class ChatRefused(Exception):
    """What was asked cannot be done in this chat now: nothing was stored. The message says why, in
    words for the person who asked."""


def state(event, now=None):
    """Before the hour, during it, or over."""
    now = now or timezone.now()
    if now < event.starts_at:
        return BEFORE
    return LIVE if now < event.ends_at else OVER


# What the chat shows ------------------------------------------------------------------------------


def public_messages(event):
    """What everyone sees in the chat: the host's messages and the replies shown
    (ChatMessage.objects.shown()), except those of people who chose not to be published: their
    replies are answers like any other, counted once approved, but never shown."""
    return (
        ChatMessage.objects.filter(event=event)
        .shown()
        .exclude(Q(by_host=False) & Q(response__consent=Response.Consent.DO_NOT_PUBLISH))
        .select_related("response", "comment", "question", "host")
    )


def is_public(message, event):
    """public_messages' rule, for one message in hand."""
    if message.by_host:
        return True
    if message.response_id and message.response.consent == Response.Consent.DO_NOT_PUBLISH:
        return False
    return message.status == ChatMessage.Status.APPROVED or (
        message.status == ChatMessage.Status.WAITING and event.moderation == Event.Moderation.AFTER
    )


def record(event):
    """The whole chat once the hour is over, as it was posted."""
    return public_messages(event).order_by("posted_at", "pk")


def latest(event, limit=LATEST):
    """The latest `limit` public messages, in the order they came into the chat: when shown first
    (approved, or posted where nothing waits for a moderator), which a redaction or an erased name,
    changing what a message shows since, leaves where it was."""
    newest = public_messages(event).order_by(F("shown_changed_at").desc(nulls_last=True), "-pk")[:limit]
    return for_display(sorted(newest, key=lambda message: (message.decided_at or message.posted_at, message.pk)))


def cursor(event):
    """When the chat last changed (a message came in or left), or None: where an open page's
    polling starts from."""
    return (
        ChatMessage.objects.filter(event=event, shown_changed_at__isnull=False)
        .order_by("-shown_changed_at")
        .values_list("shown_changed_at", flat=True)
        .first()
    )


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


def as_cursor(moment):
    """A moment as a page's polling cursor: whole microseconds since 1970, 0 for none."""
    return (moment - EPOCH) // MICROSECOND if moment else 0


def from_cursor(value):
    number = whole_number(str(value or ""))
    return EPOCH + number * MICROSECOND if number and number < 10**17 else EPOCH


# What is_public and for_display read of a message, and its moment and time for the page.
SHOWN_FIELDS = (
    "by_host",
    "imported",
    "display_name",
    "text",
    "status",
    "posted_at",
    "shown_changed_at",
    "response__consent",
    "response__name",
    "comment__text",
)


def latest_changes(event, limit=LATEST):
    """The latest `limit` changes of what the chat shows (a message came into it or left it),
    oldest first, each with `public` (is_public) and, if public, what it shows (for_display). Every
    open page's poll is answered from these (guidance/public/chat.py, read and rendered once for
    everyone), each page taking those after its cursor (`looked_back`): the changes after any
    moment are the newest ones, so those of them among the latest `limit` are the latest `limit`
    after it."""
    # Read again for every change while the chat runs (several a second in a busy hour), so only
    # the fields is_public and for_display read: making whole messages with their relations was
    # most of a poll's cost (docs/performance.md, "Chat hour").
    changed = list(
        ChatMessage.objects.filter(event=event, shown_changed_at__isnull=False)
        .select_related("response", "comment")
        .only(*SHOWN_FIELDS)
        .order_by("-shown_changed_at", "-pk")[:limit]
    )
    changed.reverse()
    for message in changed:
        message.public = is_public(message, event)
    for_display(message for message in changed if message.public)
    return changed


def looked_back(since):
    """Where a poll whose page's cursor is `since` reads from. A change is stamped with its moment
    before its transaction commits, so one committed a little later may carry an earlier moment
    than a change the page has already seen: looking OVERLAP further back catches it (the page
    skips what it already has)."""
    return since - OVERLAP


def for_display(messages):
    """The messages with what the chat shows of each: its words (a reply's as its comment now holds
    them, so a moderator's redaction shows) and its author: the host, or the name a participant
    agreed to publish, else "Anonymous"."""
    messages = list(messages)
    for message in messages:
        message.shown_text = message.comment.text if message.comment_id else message.text
        if message.by_host:
            message.shown_name = "Host"
        elif message.imported:
            message.shown_name = message.display_name or "Anonymous"
        else:
            message.shown_name = message.response.public_name if message.response_id else "Anonymous"
    return messages


# The participants ---------------------------------------------------------------------------------


def chat_answer(question, text):
    """A reply as an answer to `question`, read as a tweetchat's answer is (guidance/analysis/imports.py):
    for a choice question, the option its words start with ("Yes, mostly…") is chosen; the words are
    kept whole."""
    if not question.has_options:
        return answers.Answer(text=text)
    said = answers.option_at_start(question, text)
    return answers.received_answer(question, [said.pk] if said else [], text=text)


def chat_response(response, consultation, details, *, browser, now):
    """The participant's chat response, locked, with the details they gave now; started if they
    have none (or the one their browser held is gone). In the caller's transaction."""
    own = None
    if response is not None:
        own = (
            Response.objects.select_for_update()
            .filter(pk=response.pk, consultation=consultation, channel=Response.Channel.CHAT, withdrawn_at__isnull=True)
            .first()
        )
    if own is None:
        return Response.objects.create(
            consultation=consultation,
            channel=Response.Channel.CHAT,
            submitted_at=now,
            started_by=browser,
            started_at=now,
            **details,
        )
    shown_as = by_respondent.shown_as(own)
    changed = [name for name, value in details.items() if getattr(own, name) != value]
    if changed:
        for name in changed:
            setattr(own, name, details[name])
        own.save(update_fields=changed)
        # A new name to publish goes back to a moderator, as for any response.
        by_respondent.publication_changed(own, shown_as, now=now)
    return own


def post_reply(event, details, text, *, response=None, browser="", now=None):
    """A participant's reply to the question put now, from the browser holding `response` (their
    chat response, or None). `details`: name, respondent_type, organisation, consent. Stored as a
    pending comment on that question in their chat response, with its ChatMessage, in one
    transaction. Raises ChatRefused outside the hour or before a question is put. Returns the
    ChatMessage."""
    now = now or timezone.now()
    if state(event, now) != LIVE:
        raise ChatRefused(
            "The chat hour has not started yet" if state(event, now) == BEFORE else "The chat hour has ended"
        )
    with transaction.atomic():
        question_id = Event.objects.filter(pk=event.pk).values_list("current_question_id", flat=True).first()
        if question_id is None:
            raise ChatRefused("The host has not asked a question yet. Wait for the first question, then reply")
        question = Question.objects.prefetch_related("options").get(pk=question_id)
        own = chat_response(response, event.consultation, details, browser=browser, now=now)
        # The same words sent again to the same question (a double click, a resent form) are
        # stored once, as every other answer is.
        already = ChatMessage.objects.filter(response=own, question=question, text=text).first()
        if already is not None:
            return already
        answer = chat_answer(question, text)
        comment = Comment.objects.create(
            response=own,
            consultation_id=event.consultation_id,
            question=question,
            created_at=now,
            **answers.comment_fields(answer),
        )
        answers.save_options([(comment, answer)])
        message = ChatMessage.objects.create(
            event=event,
            question=question,
            response=own,
            comment=comment,
            display_name=details.get("name", ""),
            text=text,
            posted_at=now,
            # Shown at once where the event is moderated afterwards; else once approved.
            shown_changed_at=now if event.moderation == Event.Moderation.AFTER else None,
        )
        if event.moderation == Event.Moderation.AFTER:
            live.shown_changed([event.pk])
    return message


# The host --------------------------------------------------------------------------------------------


def put_question(event, question, *, by, now=None):
    """The host puts `question` (one of the consultation's): it shows in the chat, and replies
    answer it from now on. Refused once the hour is over. Returns the host's ChatMessage."""
    now = now or timezone.now()
    if question.consultation_id != event.consultation_id:
        raise ChatRefused("That question is not one of this consultation's")
    if state(event, now) == OVER:
        raise ChatRefused("The chat hour has ended")
    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(current_question=question, question_put_at=now)
        event.current_question, event.question_put_at = question, now
        message = ChatMessage.objects.create(
            event=event,
            question=question,
            by_host=True,
            host=by,
            text=f"{question.number}. {question.text}",
            status=ChatMessage.Status.APPROVED,
            posted_at=now,
            decided_at=now,
            decided_by=by,
            shown_changed_at=now,
        )
        live.shown_changed([event.pk])
    return message


def host_says(event, text, *, by, now=None):
    """A short message of the host's own (welcome, a reminder, the last ten minutes)."""
    now = now or timezone.now()
    if state(event, now) == OVER:
        raise ChatRefused("The chat hour has ended")
    with transaction.atomic():
        message = ChatMessage.objects.create(
            event=event,
            question_id=Event.objects.filter(pk=event.pk).values_list("current_question_id", flat=True).first(),
            by_host=True,
            host=by,
            text=text,
            status=ChatMessage.Status.APPROVED,
            posted_at=now,
            decided_at=now,
            decided_by=by,
            shown_changed_at=now,
        )
        live.shown_changed([event.pk])
    return message


# The moderators -----------------------------------------------------------------------------------


def waiting_replies(event):
    """The comments of the replies waiting for a moderator, oldest first (the live queue). Read
    through their messages' index of those waiting (ChatMessage.Meta): however many wait, the
    oldest are found at once."""
    return Comment.objects.filter(
        chat_message__event=event, chat_message__status=ChatMessage.Status.WAITING, status=Comment.Status.PENDING
    ).order_by("chat_message__posted_at", "chat_message__pk")


def showing_replies(event):
    """For an event moderated afterwards: the replies showing in the chat, newest first, each with
    the id of its comment's last event (to take it down as shown)."""
    return (
        ChatMessage.objects.filter(event=event, by_host=False, comment__isnull=False)
        .shown()
        .select_related("response", "comment", "question")
        .order_by("-pk")
    )


def decide_reply(message, to_status, *, by, seen_event_id, reason_code="", reason=""):
    """A moderator's decision on a reply, made on its comment (decisions.decide_as_shown), refused
    like any decision (StaleDecision) if its history moved on since the queue showed it."""
    if message.comment_id is None:
        raise ChatRefused("Only a participant's reply posted here can be moderated")
    decisions.decide_as_shown(
        message.comment_id, to_status, by=by, seen_event_id=seen_event_id, reason_code=reason_code, reason=reason
    )

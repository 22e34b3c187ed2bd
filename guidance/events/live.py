"""What keeps every open chat page up to date without holding a server thread per page.

Each open page asks, every couple of seconds, for the messages shown since the last one it has
(guidance/public/chat.py, messages). Most of the time nothing has changed, so each event has a
token in the shared cache (Redis in production, the database's cache table otherwise: one store
every server process reads) that is replaced whenever what its chat shows changes: a message
shown, a reply approved, taken down or sent back for another look, a question put. A page that
sends back the token it was given (If-None-Match) is answered 304 from that one cache read, with
no query of the chat's tables.

The token also carries the event's start and end, so a poll whose page already has the current
token is answered 304 before any query at all (`current_token`, `token_state`, with the event's id
remembered per process from an earlier full answer): polls are most of a chat hour's requests. A
poll that finds the token changed is answered from the chat's latest changes, read and rendered
once per token for every page (`keep_window`), each page taking the part after its own cursor. Saving or deleting
the event drops its token (guidance/consultations/changed.py), so new times are read afresh.

The token is replaced once the change is committed (on_commit), so a page given the new token
always reads the change itself. It is a fresh random value, not a count: two changes at the same
moment can never leave it where a page saw it. With the cache unreachable there is no token: every
poll reads the database, which is slower but never wrong.

Decisions on replies are made on their comments, by the one state machine
(guidance/moderation/decisions.py, decide), which calls follow_decisions in its transaction, so a
reply's ChatMessage.status never disagrees with its comment's, whichever screen decided.
"""

import secrets

from django.core.cache import cache
from django.db import transaction

from guidance.models import ChatMessage, Comment, Event
from guidance.responses.ratelimit import cache_unavailable

# A day is longer than any chat hour; past it, a missing token is made afresh.
TOKEN_SECONDS = 24 * 3600


def token_key(event_id):
    return f"chat-shown:{event_id}"


def new_token(starts_at, ends_at):
    return f"{secrets.token_hex(8)}/{starts_at.timestamp():.0f}/{ends_at.timestamp():.0f}"


def shown_changed(event_ids):
    """What the chats of these events show changes with the current transaction: each gets a new
    token once it commits."""
    event_ids = sorted(set(event_ids))
    if not event_ids:
        return

    def renew():
        times = Event.objects.filter(pk__in=event_ids).values_list("pk", "starts_at", "ends_at")
        try:
            cache.set_many({token_key(pk): new_token(starts, ends) for pk, starts, ends in times}, TOKEN_SECONDS)
        except Exception:  # whatever the cache's client raises: Redis' own errors are not Django's
            cache_unavailable()

    transaction.on_commit(renew)


def messages_changed(messages, *, at):
    """What these chat messages show changed (words redacted, a name erased) in the current
    transaction: those the chat has shown move their moment on to `at`, so every open page's next
    poll brings them again and the page puts them in place of what it shows (static/js/chat.js);
    their chats get a new token. `messages`: a queryset of ChatMessage."""
    messages = messages.filter(shown_changed_at__isnull=False)
    event_ids = set(messages.values_list("event_id", flat=True))
    messages.update(shown_changed_at=at)
    shown_changed(event_ids)


def event_saved(event_id):
    """The event's times or question may have changed: the next poll reads it afresh."""
    try:
        cache.delete(token_key(event_id))
    except Exception:
        cache_unavailable()


def shown_token(event):
    """The token of what the event's chat shows now; None when the cache cannot say (then every
    poll is answered from the database)."""
    try:
        token = cache.get(token_key(event.pk))
        if token is None:
            # Evicted, dropped or never set: a new one stands for "whatever is there now".
            cache.add(token_key(event.pk), new_token(event.starts_at, event.ends_at), TOKEN_SECONDS)
            token = cache.get(token_key(event.pk))
        return token
    except Exception:
        cache_unavailable()
        return None


def tag(token, state):
    """The ETag of a poll's answer: what the chat shows (the token's random part) and whether the
    hour is before, on or over."""
    return f'"{token.partition("/")[0]}-{state}"'


def current_token(event_id):
    """The event's token as the cache has it, or None (none kept, or the cache cannot say)."""
    try:
        return cache.get(token_key(event_id))
    except Exception:
        cache_unavailable()
        return None


def token_state(token, now):
    """Before, on or over, from the times the token carries: no query."""
    from guidance.events.chat import BEFORE, LIVE, OVER

    _, starts, ends = token.split("/")
    moment = now.timestamp()
    return BEFORE if moment < float(starts) else LIVE if moment < float(ends) else OVER


# The latest changes of a chat, rendered once for everyone (guidance/public/chat.py,
# chat_messages), are kept under the token they were read after: read again only while that token
# is the chat's current one, so kept briefly.
WINDOW_SECONDS = 30


def window_key(event_id, token):
    return f"chat-window:{event_id}:{token.partition('/')[0]}"


def kept_window(event_id, token):
    try:
        return cache.get(window_key(event_id, token))
    except Exception:
        cache_unavailable()
        return None


def keep_window(event_id, token, window):
    try:
        cache.set(window_key(event_id, token), window, WINDOW_SECONDS)
    except Exception:
        cache_unavailable()


def follow_decisions(comment_ids, to_status, *, by, at):
    """Keep the chat messages of these comments in step with a decision on them (`to_status`, a
    Comment.Status), in the deciding transaction: approved shows a reply; rejected or spam takes
    down one that was showing and rejects one that was not; back to pending hides it again where
    replies wait for a moderator. The chats concerned get a new token."""
    rows = list(
        ChatMessage.objects.filter(comment_id__in=comment_ids).values_list(
            "pk", "event_id", "status", "event__moderation"
        )
    )
    if not rows:
        return
    Status = ChatMessage.Status
    if to_status == Comment.Status.APPROVED:
        moves = {Status.APPROVED: [pk for pk, *_ in rows]}
    elif to_status in (Comment.Status.REJECTED, Comment.Status.SPAM):
        showing = [
            pk
            for pk, _, status, moderation in rows
            if status == Status.APPROVED or (status == Status.WAITING and moderation == Event.Moderation.AFTER)
        ]
        moves = {Status.TAKEN_DOWN: showing, Status.REJECTED: [pk for pk, *_ in rows if pk not in set(showing)]}
    elif to_status == Comment.Status.PENDING:
        moves = {Status.WAITING: [pk for pk, *_ in rows]}
    else:
        return
    for status, pks in moves.items():
        if pks:
            ChatMessage.objects.filter(pk__in=pks).update(
                status=status, decided_at=at, decided_by=by, shown_changed_at=at
            )
    shown_changed(event_id for _, event_id, _, _ in rows)

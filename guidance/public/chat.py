"""The chat hour's page (guidance/events/chat.py): before the hour, when it starts; during it, the
question put, the messages shown and the form to reply; afterwards, the record. A reply is a normal
form: sent, stored, and the page again (post/redirect/get), so it works without JavaScript; with
it, static/js/chat.js sends replies with fetch (answered with a line saying it was sent, the page
not loaded again) and asks `messages` every couple of seconds for what is new.

A participant's replies make one response of theirs to the consultation, channel "chat", which
their browser holds (CHAT_RESPONSES_KEY) apart from a response sent through the forms: each
channel's answers are counted as such, as a tweetchat's are."""

import logging

from django.contrib import messages as notices
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe

from guidance.events import chat, live
from guidance.models import Consultation, Event, Response
from guidance.public.chat_forms import ChatReplyForm, held_details
from guidance.public.reading import NOT_KEPT, once_at_a_time, visit
from guidance.public.submitting import over_limit, refuse_over_limit, take_place
from guidance.public.visitors import (
    browser_of,
    for_this_visitor_only,
    response_held,
    saves_what_is_sent,
    sending,
)
from guidance.responses import ratelimit

logger = logging.getLogger(__name__)

# Which chat response is this browser's on each consultation: its own key, so a reply never joins
# (nor replaces) the response this browser sends through the forms.
CHAT_RESPONSES_KEY = "chat_responses"
RECORD_PER_PAGE = 200
# The header static/js/chat.js sends a reply with: it asks for the words saying it was sent, not the page.
SENT_BY_SCRIPT = ("X-Requested-With", "fetch")


def held_chat_response(request, consultation):
    binding = request.session.get(CHAT_RESPONSES_KEY, {}).get(str(consultation.pk))
    if binding is None:
        return None
    return response_held(binding, consultation=consultation, channel=Response.Channel.CHAT, withdrawn_at__isnull=True)


def bind_chat_response(request, response):
    # Only what changes is written: a participant's every reply would otherwise save the session.
    held = request.session.get(CHAT_RESPONSES_KEY, {})
    binding = [response.pk, response.link_version]
    if held.get(str(response.consultation_id)) != binding:
        request.session[CHAT_RESPONSES_KEY] = {**held, str(response.consultation_id): binding}
    if not request.session.get("privacy_agreed"):
        request.session["privacy_agreed"] = True
    if not request.session.get("kept_on_device") and not request.session.get_expire_at_browser_close():
        request.session.set_expiry(0)  # shared computers: forgotten when the browser closes


def chat_event(consultation, slug):
    return get_object_or_404(
        Event.objects.chats().select_related("current_question"), consultation=consultation, slug=slug
    )


@saves_what_is_sent
def chat_page(request, slug, event):
    access, _ = visit(request, slug)
    consultation = access.consultation
    if not consultation.is_public:
        raise Http404  # no chat in a preview
    event = chat_event(consultation, event)
    event.consultation = consultation
    response = held_chat_response(request, consultation)
    form_kwargs = {
        "privacy_url": reverse("guidance:privacy"),
        "privacy_agreed": response is not None or request.session.get("privacy_agreed", False),
        "held": held_details(response),
    }
    now = timezone.now()
    status = 200
    if request.method == "POST":
        form = ChatReplyForm(request.POST, **form_kwargs)
        page = send_reply(request, event, form, response, chat.state(event, now), access.may_send)
        if page is not None:
            return page
        status = 400
    else:
        form = ChatReplyForm(**form_kwargs)
    context = {
        **page_context(request, event, form, now),
        "may_send": access.may_send,
        # Nothing sent, nothing held, nothing agreed to: the same blank form for everyone, rendered
        # once a process (most of the page's cost when everyone arrives as the hour starts).
        "blank_form": request.method != "POST" and response is None and not form_kwargs["privacy_agreed"],
    }
    return for_this_visitor_only(render(request, "guidance/chat.html", context, status=status))


def page_context(request, event, form, now):
    state = chat.state(event, now)
    context = {
        "consultation": event.consultation,
        "event": event,
        "state": state,
        "form": form,
        "messages_url": reverse(
            "guidance:event_chat_messages", kwargs={"slug": event.consultation.slug, "event": event.slug}
        ),
        "moderated_first": event.moderation == Event.Moderation.BEFORE,
    }
    if state == chat.LIVE:
        context.update(chat_messages=shown(chat.latest(event)), since=chat.as_cursor(chat.cursor(event)))
        # "Show new messages" (without JavaScript) must be an address other than this page's, or
        # following it would only scroll.
        context["refresh"] = chat.as_cursor(now)
    elif state == chat.OVER:
        record = Paginator(chat.record(event), RECORD_PER_PAGE).get_page(request.GET.get("page"))
        context.update(chat_messages=shown(chat.for_display(record)), record=record)
    return context


def send_reply(request, event, form, response, state, may_send):
    """Store a valid reply and redirect to the chat (post/redirect/get); or None, with the errors on
    the form, to show the page again; or the 429 page over the limit. A reply is an answer: not
    taken while the consultation is not open, whatever the hour."""
    if state == chat.LIVE and not may_send:
        form.add_error(None, "The consultation is not open, so your reply was not sent")
        return None
    if state != chat.LIVE:
        form.add_error(
            None,
            "The chat hour has not started yet, so your reply was not sent"
            if state == chat.BEFORE
            else "The chat hour has ended, so your reply was not sent. You can still answer the questions "
            "through the consultation's questions page while it is open",
        )
        return None
    consultation = event.consultation
    limit = ("chat_replies", f"chat-{response.pk}") if response else ("submissions", None)
    refusal = refuse_over_limit(request, *limit, consultation)
    if refusal:
        return refusal
    if form.is_spam:
        # Looks like success to a bot; stores nothing, but uses up a place as a person's reply would.
        logger.warning("Honeypot filled on %s: reply discarded", request.path)
        place = take_place(request, "submissions")
        if not place.taken:
            return over_limit(request, "submissions", place.until, consultation)
        return reply_sent(request, event, "Your reply was sent. It will show in the chat once a moderator approves it.")
    if not form.is_valid():
        return None
    place = take_place(request, *limit)
    if not place.taken:
        return over_limit(request, limit[0], place.until, consultation)
    sending(request, "storing")
    try:
        message = chat.post_reply(
            event, form.details(), form.cleaned_data["reply"], response=response, browser=browser_of(request)
        )
    except chat.ChatRefused as refusal:
        sending(request, "not_stored")
        ratelimit.give_back(place)
        form.add_error(None, str(refusal))
        return None
    sending(request, "stored")
    bind_chat_response(request, message.response)
    return reply_sent(request, event, sent_message(event, message.response))


def reply_sent(request, event, words):
    """The answer to a reply stored: the chat page again (post/redirect/get) with `words` at its
    top; or, to a reply sent by static/js/chat.js (SENT_BY_SCRIPT), those words alone, for the
    script to show under the chat it keeps up to date: loading the whole page again after every
    reply would cost the server more than everything else a participant does."""
    if request.headers.get(SENT_BY_SCRIPT[0]) == SENT_BY_SCRIPT[1]:
        return for_this_visitor_only(HttpResponse(words, content_type="text/plain; charset=utf-8"))
    notices.success(request, words)
    return redirect(reverse("guidance:event_chat", kwargs={"slug": event.consultation.slug, "event": event.slug}))


def sent_message(event, response):
    if response.consent == Response.Consent.DO_NOT_PUBLISH:
        return (
            "Your reply was sent. You chose not to publish your replies, so it will not show in the chat, "
            "but it counts as an answer once a moderator has read it."
        )
    if event.moderation == Event.Moderation.AFTER:
        return "Your reply was sent and shows in the chat."
    return "Your reply was sent. It will show in the chat once a moderator approves it."


# (consultation slug, event slug) → the event's id, learnt from a full answer, so that a poll with
# nothing new is answered from the cache alone. Slugs that stop naming a public chat are harmless
# here: deleting or saving the event drops its token, so their polls take the full path (a 404).
CHAT_IDS = {}


def chat_messages(request, slug, event):
    """What an open chat page asks for every couple of seconds: what came into the chat or left it
    since its last look (`since`, from the last answer). The same for everyone: nothing here reads
    the visitor's session. While nothing has changed, answered 304 from one read of the shared
    cache, with no query (guidance/events/live.py). Once it has, from the chat's latest changes,
    read and rendered once per token for every page (`changes_window`) and kept in the shared cache
    under it: each page takes those after its own cursor, so a changed poll costs one more cache
    read, no query and no rendering but the list around them."""
    asked = request.headers.get("If-None-Match", "")
    since = chat.from_cursor(request.GET.get("since"))
    event_id = CHAT_IDS.get((slug, event))
    token = live.current_token(event_id) if event_id is not None else None
    if token:
        state = live.token_state(token, timezone.now())
        etag = live.tag(token, state)
        if etag in asked:
            return poll_answer(HttpResponseNotModified(), etag)
        window = kept_changes(event_id, token, lambda: changes_window_of(event_id))
        if window is not None:
            return poll_answer(changes_answer(window, since, state), etag)
    found = (
        Event.objects.chats()
        .filter(consultation__in=Consultation.objects.public(), consultation__slug=slug, slug=event)
        .select_related("current_question")
        .first()
    )
    if found is None:
        raise Http404
    if len(CHAT_IDS) > 10_000:
        CHAT_IDS.clear()
    CHAT_IDS[(slug, event)] = found.pk
    state = chat.state(found)
    # Read before the messages: a change committed meanwhile gives a newer token next time. The tag
    # names what the chat shows, not this page's view of it: a page that has applied the answer
    # given under it has everything shown until the token changes.
    token = live.shown_token(found)
    etag = live.tag(token, state) if token else None
    if etag and etag in asked:
        return poll_answer(HttpResponseNotModified(), etag)
    window = kept_changes(found.pk, token, lambda: changes_window(found)) if token else changes_window(found)
    return poll_answer(changes_answer(window, since, state), etag)


# The latest changes under each token this process has read, newest tokens only: a token names
# one state of the chat, so what is kept under it never changes, and every poll that finds the
# token changed asks for the same window; reading it from the shared cache each time was a
# round trip and an unpickling of up to 100 messages for each poll.
WINDOWS = {}


def kept_changes(event_id, token, compute):
    """The latest changes kept under `token` (live.kept_window); compute() (None if the event is
    gone) once however many threads of this process ask at once, rather than each reading them
    again; then from this process's own copy (WINDOWS)."""
    window = WINDOWS.get((event_id, token))
    if window is not None:
        return window

    def look():
        window = live.kept_window(event_id, token)
        return NOT_KEPT if window is None else window

    def computed():
        window = compute()
        if window is not None:
            live.keep_window(event_id, token, window)
        return window

    window = once_at_a_time(("chat", event_id, token), look, computed)
    if window is not None:
        if len(WINDOWS) > 20:
            WINDOWS.clear()
        WINDOWS[event_id, token] = window
    return window


def changes_window_of(event_id):
    event = Event.objects.chats().select_related("current_question").filter(pk=event_id).first()
    return changes_window(event) if event is not None else None


def changes_window(event):
    """The chat's latest changes (chat.latest_changes) as every page's poll takes them: the question
    put, and each change's moment (a cursor), message id, and the message as the page shows it
    ("" for one no longer shown, for the page to remove)."""
    question = event.current_question
    return {
        "question": f"{question.number}. {question.text}" if question else "",
        "changes": [
            (chat.as_cursor(message.shown_changed_at), message.pk, rendered(message) if message.public else "")
            for message in chat.latest_changes(event)
        ],
    }


# Each message as shown, by what it shows: while the chat runs, the latest changes are read again
# for every new token, mostly the same messages, so each process renders each message once. Keyed
# by everything the message's HTML shows, so a redaction or an erased name renders it afresh.
RENDERED = {}


def shown(messages):
    """The messages as the chat shows them, each rendered once a process (`rendered`)."""
    return [mark_safe(rendered(message)) for message in messages]  # noqa: S308 (the template's own HTML)


def rendered(message):
    key = (message.pk, message.by_host, message.shown_name, message.shown_text, message.posted_at)
    html = RENDERED.get(key)
    if html is None:
        if len(RENDERED) > 5_000:
            RENDERED.clear()
        html = RENDERED[key] = render_to_string("includes/chat_message.html", {"message": message})
    return html


def changes_answer(window, since, state):
    """The fragment for a page whose cursor is `since`: the changes of `window` after it (none before
    the hour), and the cursor to ask from next time."""
    after = chat.as_cursor(chat.looked_back(since))
    changes = [change for change in window["changes"] if change[0] > after] if state != chat.BEFORE else []
    context = {
        "state": state,
        "question": window["question"],
        "since": changes[-1][0] if changes else chat.as_cursor(since),
        "shown": [mark_safe(html) for _, _, html in changes if html],  # noqa: S308 (the template's own HTML)
        "hidden": [pk for _, pk, html in changes if not html],
    }
    return HttpResponse(render_to_string("guidance/chat_messages.html", context))


def poll_answer(page, etag):
    if etag:
        page["ETag"] = etag
    # Asked afresh every time (no-cache), kept by no shared cache: it changes by the second.
    patch_cache_control(page, no_cache=True, private=True)
    return page

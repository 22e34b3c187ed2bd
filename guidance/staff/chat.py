"""Running a chat hour (guidance/events/chat.py): the host's screen, putting the consultation's
questions one after another and posting short messages; and the live moderation queue, the waiting
replies oldest first, one at a time with the moderation screen's buttons and keys
(static/staff/moderate.js), refreshed by polling (static/staff/chat_queue.js). For an event moderated
afterwards, the queue lists the replies showing, each with "Take down". Every decision goes through
the one state machine, refused as the moderation screen refuses it if the reply changed since it
was shown."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from guidance.events import chat
from guidance.models import ChatMessage, Comment, Event, Question
from guidance.moderation import decisions, words
from guidance.moderation.decisions import ModerationError, StaleDecision
from guidance.responses.text import whole_number
from guidance.staff import roles
from guidance.staff.forms import HostMessageForm, PutQuestionForm, ScreenDecisionForm
from guidance.staff.site import staff_page

# How many of the replies after the one shown the queue lists, to see what is coming.
COMING = 10


def chat_event(event_id):
    return get_object_or_404(Event.objects.chats().select_related("consultation", "current_question"), pk=event_id)


@permission_required(roles.HOST_CHAT, raise_exception=True)
def host(request, event_id, message_form=None, status=200):
    event = chat_event(event_id)
    questions = list(Question.objects.filter(consultation=event.consultation).order_by("position"))
    put = set(
        ChatMessage.objects.filter(event=event, by_host=True, question__isnull=False).values_list("question", flat=True)
    )
    shown = chat.latest(event, limit=30)
    context = {
        "title": f"Host: {event}",
        "event": event,
        "consultation": event.consultation,
        "state": chat.state(event),
        "questions": [(question, question.pk in put) for question in questions],
        "message_form": message_form or HostMessageForm(),
        "chat_messages": shown,
        "since": chat.as_cursor(chat.cursor(event)),
        "refresh": chat.as_cursor(timezone.now()),
        "waiting": chat.waiting_replies(event).count(),
    }
    return staff_page(request, "admin/guidance/chat_host.html", context, status=status)


@require_POST
@permission_required(roles.HOST_CHAT, raise_exception=True)
def put_question(request, event_id):
    event = chat_event(event_id)
    form = PutQuestionForm(request.POST)
    question = None
    if form.is_valid():
        question = Question.objects.filter(pk=form.cleaned_data["question"], consultation=event.consultation).first()
    if question is None:
        messages.error(request, "Choose one of the consultation's questions.")
        return redirect("admin:guidance_event_chat_host", event.pk)
    try:
        chat.put_question(event, question, by=request.user)
    except chat.ChatRefused as refusal:
        messages.error(request, f"{refusal}.")
    else:
        messages.success(request, f"{question.number} is now the question in the chat.")
    return redirect("admin:guidance_event_chat_host", event.pk)


@require_POST
@permission_required(roles.HOST_CHAT, raise_exception=True)
def host_message(request, event_id):
    event = chat_event(event_id)
    form = HostMessageForm(request.POST)
    if not form.is_valid():
        return host(request, event_id, message_form=form, status=400)
    try:
        chat.host_says(event, form.cleaned_data["text"], by=request.user)
    except chat.ChatRefused as refusal:
        messages.error(request, f"{refusal}.")
    else:
        messages.success(request, "Your message is in the chat.")
    return redirect("admin:guidance_event_chat_host", event.pk)


@permission_required(roles.MODERATE, raise_exception=True)
def queue(request, event_id, form=None, status=200):
    """Before: the oldest waiting reply nobody else is reading, claimed for this moderator, with the
    next ones listed. After: the replies showing, newest first, each with "Take down"."""
    event = chat_event(event_id)
    context = {
        "title": f"Moderate: {event}",
        "event": event,
        "consultation": event.consultation,
        "state": chat.state(event),
        "form": form or ScreenDecisionForm(),
        "reasons": ScreenDecisionForm().fields["reason_code"].choices,
    }
    if event.moderation == Event.Moderation.BEFORE:
        comment = decisions.claim_next(chat.waiting_replies(event), request.user)
        if comment is not None:
            comment = decisions.with_last_event(Comment.objects.filter(pk=comment.pk)).select_related(
                "response", "question", "chat_message"
            )[0]
        context.update(comment=comment, coming=coming(event, comment), waiting=chat.waiting_replies(event).count())
    else:
        showing = chat.showing_replies(event)[:50]
        last_events = dict(
            decisions.with_last_event(Comment.objects.filter(pk__in=[m.comment_id for m in showing])).values_list(
                "pk", "last_event_id"
            )
        )
        for message in showing:
            message.seen_event_id = last_events.get(message.comment_id) or 0
        context.update(showing=chat.for_display(showing))
    return staff_page(request, "admin/guidance/chat_queue.html", context, status=status)


def coming(event, shown):
    waiting = chat.waiting_replies(event).select_related("response", "question")
    if shown is not None:
        waiting = waiting.exclude(pk=shown.pk)
    return list(waiting[:COMING])


@permission_required(roles.MODERATE, raise_exception=True)
def queue_waiting(request, event_id):
    """What the queue's script asks for every couple of seconds: how many replies wait, and the next."""
    event = chat_event(event_id)
    shown = Comment.objects.filter(pk=whole_number(request.GET.get("shown", "")) or 0).first()
    context = {"coming": coming(event, shown), "waiting": chat.waiting_replies(event).count()}
    return render(request, "admin/guidance/chat_waiting.html", context)


@require_POST
@permission_required(roles.MODERATE, raise_exception=True)
def queue_decide(request, event_id, message_id):
    event = chat_event(event_id)
    message = get_object_or_404(ChatMessage, pk=message_id, event=event, comment__isnull=False)
    form = ScreenDecisionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["decision"] == ScreenDecisionForm.KEEP:
        return queue(request, event_id, form=form, status=400)
    decision = form.cleaned_data["decision"]
    try:
        chat.decide_reply(
            message,
            decision,
            by=request.user,
            seen_event_id=form.cleaned_data["seen_event_id"],
            reason_code=form.cleaned_data["reason_code"],
            reason=form.cleaned_data["reason"],
        )
    except StaleDecision as refusal:
        messages.warning(request, refusal.message_for(request.user))
        decisions.release_claim(message.comment_id, request.user)
    except ModerationError as error:
        form.add_error(None, str(error))
        return queue(request, event_id, form=form, status=400)
    else:
        done = (
            "taken down"
            if event.moderation == Event.Moderation.AFTER and decision != "approved"
            else words.done(decision)
        )
        messages.success(request, f"Reply {message.pk} {done}.")
    return redirect("admin:guidance_event_chat_queue", event.pk)

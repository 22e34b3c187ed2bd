"""Deciding on comments (guidance/moderation.py makes every decision).

- The moderation screen of a consultation: one comment at a time, shown whole, oldest first, with
  one button (or one key) per decision; then the next at once. Tabs for pending comments,
  published comments the public reported, and recent decisions. Each comment shown is claimed
  for its moderator for a few minutes, and a decision on a comment someone else decided since it
  was shown is refused with a message saying who decided what.
- The buttons on a comment's own page and the queue's bulk decisions, each asking why on a
  second page when rejecting or marking as spam.
"""

import datetime
from collections import Counter
from itertools import chain

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from guidance import moderation
from guidance.models import Comment, Consultation, ModerationEvent, Response
from guidance.moderation import DONE, ModerationError, StaleDecision
from guidance.moderation import decide as make_decision
from guidance.personal_data import may_see_personal_data
from guidance.staff.forms import NoteForm, ReasonForm, ScreenDecisionForm
from guidance.staff.site import staff_page

MODERATE = "guidance.moderate_comment"

# What each decision is called on buttons and in messages: (button, past tense).
DECISIONS = {
    Comment.Status.APPROVED: ("Approve", "approved"),
    Comment.Status.REJECTED: ("Reject…", "rejected"),
    Comment.Status.SPAM: ("Mark as spam…", "marked as spam"),
    Comment.Status.PENDING: ("Return to pending", "returned to pending"),
}


@require_POST
@permission_required(MODERATE, raise_exception=True)
def decide(request, comment_id):
    """A decision from the buttons on a comment's page; back to that page once made."""
    comment = get_object_or_404(Comment, pk=comment_id)
    to_status = request.POST.get("to_status")
    if to_status not in DECISIONS:
        return HttpResponseBadRequest("Unknown decision.")
    page = decide_or_ask(request, Comment.objects.filter(pk=comment.pk), Comment.Status(to_status))
    if page is not None:
        return page
    return redirect("admin:guidance_comment_change", comment.pk)


def decide_or_ask(request, queryset, to_status, model_admin=None):
    """Make the decision, or first show the page asking why when rejecting or marking as spam.
    Returns that page, or None once decided (the queue's action then shows the list again)."""
    reason_code = reason = ""
    if to_status in (Comment.Status.REJECTED, Comment.Status.SPAM):
        form = ReasonForm(request.POST if "confirm" in request.POST else None, to_status=to_status)
        if not form.is_valid():
            return reason_page(request, queryset, form)
        reason_code, reason = form.cleaned_data.get("reason_code", ""), form.cleaned_data["reason"]
    try:
        changed = make_decision(queryset, to_status, by=request.user, reason_code=reason_code, reason=reason)
    except ModerationError as error:
        messages.error(request, str(error))
        return None
    noun = "comment" if changed == 1 else "comments"
    messages.success(request, f"{changed} {noun} {DECISIONS[to_status][1]}.")
    return None


def reason_page(request, queryset, form):
    count = queryset.count()
    verb = DECISIONS[form.to_status][0].rstrip("…")
    # Carry the selection (and, for the bulk action, the action) through to the confirmation.
    carried = [
        (key, value)
        for key in request.POST
        if key not in {"csrfmiddlewaretoken", "index", "confirm", "reason_code", "reason"}
        for value in request.POST.getlist(key)
    ]
    return staff_page(
        request,
        "admin/guidance/comment/reason.html",
        {
            "title": f"{verb} {count} comment{'' if count == 1 else 's'}",
            "opts": Comment._meta,
            "form": form,
            "carried": carried,
            "comments": queryset.select_related("response", "section", "question")[:10],
            "count": count,
            "to_status": form.to_status,
            "queue_url": reverse("admin:guidance_comment_changelist"),
        },
    )


# The moderation screen ----------------------------------------------------------------------

QUEUES = {"pending": "Pending", "reported": "Reported", "decided": "Recently decided"}
RECENTLY_DECIDED = 50


def queue_of(consultation, queue):
    comments = Comment.objects.filter(consultation=consultation)
    if queue == "reported":
        # Found from the few unreviewed reports first: asked for the oldest one directly,
        # PostgreSQL walks every approved comment in date order looking for a report, which
        # took half a second with none reported among a million (bench/moderation_screen.py).
        with moderation.reading_reported():
            reported = list(comments.reported().values_list("pk", flat=True))
        return Comment.objects.filter(pk__in=reported).order_by("moderated_at", "pk")
    return comments.pending().order_by("created_at", "pk")


def queue_name(data):
    """The queue a page is for (its address, or the form sent from it): pending unless another."""
    queue = data.get("queue", "pending")
    return queue if queue in QUEUES else "pending"


def screen_url(consultation, queue):
    url = reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    return url if queue == "pending" else f"{url}?queue={queue}"


def skipped_key(consultation, queue):
    return f"moderation-skipped-{consultation.pk}-{queue}"


@permission_required(MODERATE, raise_exception=True)
def screen(request, consultation_id):
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    queue = queue_name(request.GET)
    if queue == "decided":
        return decided_page(request, consultation)
    comment = moderation.claim_next(
        queue_of(consultation, queue), request.user, passed=request.session.get(skipped_key(consultation, queue), [])
    )
    return comment_page(request, consultation, queue, comment, ScreenDecisionForm(), NoteForm())


def comment_page(request, consultation, queue, comment, form, note_form, status=200):
    context = {
        "title": f"Moderate: {consultation}",
        "is_nav_sidebar_enabled": False,  # the whole width for the comment
        "consultation": consultation,
        "opts": Consultation._meta,
        "queue": queue,
        "tabs": tabs(consultation, queue),
        "form": form,
        "note_form": note_form,
        "skipped": len(request.session.get(skipped_key(consultation, queue), [])),
    }
    if comment is not None:
        context.update(comment_details(request, comment))
    return staff_page(request, "admin/guidance/moderate.html", context, status=status)


def tabs(consultation, queue):
    comments = Comment.objects.filter(consultation=consultation)
    with moderation.reading_reported():
        reported = comments.reported().count()
    counts = {"pending": comments.pending().count(), "reported": reported, "decided": None}
    return [
        {
            "name": name,
            "label": label,
            "count": counts[name],
            "url": screen_url(consultation, name),
            "current": name == queue,
        }
        for name, label in QUEUES.items()
    ]


def comment_details(request, comment):
    comment = Comment.objects.select_related("response", "section", "question", "consultation").get(pk=comment.pk)
    group_size = Comment.objects.filter(group=comment.group).count() if comment.group else 1
    events = list(comment.events.select_related("by").order_by("at", "pk"))
    notes = list(comment.notes.select_related("by").order_by("at", "pk"))
    reports = list(comment.reports.select_related("reviewed_by").order_by("created_at", "pk"))
    response = comment.response
    personal = None
    if may_see_personal_data(request.user):
        personal = [
            (Response._meta.get_field(name).verbose_name, getattr(response, name))
            for name in Response.PERSONAL_DATA_FIELDS
            if getattr(response, name)
        ]
    return {
        "comment": comment,
        "group_size": group_size,
        "group_url": f"{reverse('admin:guidance_comment_changelist')}?group={comment.group}&status=all",
        "section_url": (
            reverse("guidance:section", args=[comment.consultation.slug, comment.section.slug])
            if comment.section_id
            else None
        ),
        "reports": reports,
        "unreviewed_reports": [report for report in reports if report.reviewed_at is None],
        "report_reasons": report_reasons(reports),
        "history": sorted(
            chain((("event", event.at, event) for event in events), (("note", note.at, note) for note in notes)),
            key=lambda item: item[1],
        ),
        "seen_event_id": events[-1].pk if events else 0,
        "personal": personal,
        "hidden_from_public": response.consent == Response.Consent.DO_NOT_PUBLISH,
        # The name is published with the comment: what is approved is both.
        "published_as": moderation.name_to_publish(response) or "Anonymous",
        "comment_url": reverse("admin:guidance_comment_change", args=[comment.pk]),
    }


def report_reasons(reports):
    """(reason, how many reports gave it), the most given first."""
    return Counter(report.get_reason_display() for report in reports).most_common()


@require_POST
@permission_required(MODERATE, raise_exception=True)
def screen_decide(request, consultation_id, comment_id):
    """A decision from the moderation screen; then the screen shows the next comment."""
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    comment = get_object_or_404(Comment, pk=comment_id, consultation=consultation)
    queue = queue_name(request.POST)
    form = ScreenDecisionForm(request.POST)
    if not form.is_valid():
        # Shown again with its errors, still claimed by this moderator.
        return comment_page(request, consultation, queue, comment, form, NoteForm(), status=400)
    decision, seen = form.cleaned_data["decision"], form.cleaned_data["seen_event_id"]
    try:
        if decision == ScreenDecisionForm.KEEP:
            moderation.keep_published(comment.pk, by=request.user, seen_event_id=seen)
            done = "kept published"
        else:
            moderation.decide_as_shown(
                comment.pk,
                decision,
                by=request.user,
                seen_event_id=seen,
                reason_code=form.cleaned_data["reason_code"],
                reason=form.cleaned_data["reason"],
            )
            done = DONE[Comment.Status(decision)]
    except StaleDecision as refusal:
        messages.warning(request, refusal.message_for(request.user))
        moderation.release_claim(comment.pk, request.user)
    except ModerationError as error:
        # Not a decision this comment allows, or not a page the portal sent: shown again, unchanged.
        form.add_error(None, str(error))
        return comment_page(request, consultation, queue, comment, form, NoteForm(), status=400)
    else:
        messages.success(request, f"Comment {comment.pk} (response {comment.response.reference}) {done}.")
    return redirect(screen_url(consultation, queue))


@require_POST
@permission_required(MODERATE, raise_exception=True)
def screen_skip(request, consultation_id, comment_id):
    """Leave a comment for someone else (or for later): the next comment is shown instead."""
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    queue = queue_name(request.POST)
    key = skipped_key(consultation, queue)
    if "clear" in request.POST:
        request.session.pop(key, None)
    else:
        get_object_or_404(Comment, pk=comment_id, consultation=consultation)
        request.session[key] = [*request.session.get(key, []), comment_id][-500:]
        moderation.release_claim(comment_id, request.user)
    return redirect(screen_url(consultation, queue))


@require_POST
@permission_required(MODERATE, raise_exception=True)
def screen_note(request, consultation_id, comment_id):
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    comment = get_object_or_404(Comment, pk=comment_id, consultation=consultation)
    queue = queue_name(request.POST)
    note_form = NoteForm(request.POST)
    if not note_form.is_valid():
        return comment_page(request, consultation, queue, comment, ScreenDecisionForm(), note_form, status=400)
    moderation.add_note(comment, by=request.user, text=note_form.cleaned_data["text"])
    messages.success(request, "Note added to the comment's history.")
    return redirect(screen_url(consultation, queue))


def decided_page(request, consultation):
    since = timezone.now() - datetime.timedelta(days=7)
    decided = (
        Comment.objects.filter(consultation=consultation)
        .decided()
        .filter(moderated_at__gte=since)
        .select_related("response", "section", "question", "moderated_by")
        .annotate(
            last_event_id=Subquery(
                ModerationEvent.objects.filter(comment=OuterRef("pk")).order_by("-at", "-pk").values("pk")[:1]
            )
        )
        .order_by("-moderated_at", "-pk")[:RECENTLY_DECIDED]
    )
    return staff_page(
        request,
        "admin/guidance/moderate_decided.html",
        {
            "title": f"Moderate: {consultation}",
            "is_nav_sidebar_enabled": False,  # the whole width for the comment
            "consultation": consultation,
            "opts": Consultation._meta,
            "queue": "decided",
            "tabs": tabs(consultation, "decided"),
            "decided": decided,
            "limit": RECENTLY_DECIDED,
        },
    )

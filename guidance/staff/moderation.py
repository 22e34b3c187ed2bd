"""Deciding on comments (guidance/moderation.py makes every decision): the buttons on a comment's
page and the queue's bulk decisions, each asking why on a second page when rejecting or marking
as spam."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from guidance.models import Comment
from guidance.moderation import ModerationError
from guidance.moderation import decide as make_decision
from guidance.staff.forms import ReasonForm
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

"""Quotes for the report (guidance/analysis/quotes.py): a consultation's shortlist, per section,
question and theme; its CSV; marking a comment as quotable, or not, from the moderation screen and
the comment's page; and the comments list's actions doing the same for the ticked comments."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from guidance.analysis import quotes
from guidance.models import Comment, Consultation
from guidance.staff import roles
from guidance.staff.forms import QuoteFilterForm
from guidance.staff.site import staff_page


@permission_required(roles.VIEW_COMMENTS, raise_exception=True)
def shortlist(request, consultation_id):
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    form = QuoteFilterForm(consultation, request.GET)
    valid = form.is_valid()
    chosen = list(quotes.shortlist(consultation, form.filters())) if valid else []
    return staff_page(
        request,
        "admin/guidance/quotes.html",
        {
            "title": f"Quotes: {consultation}",
            "consultation": consultation,
            "opts": Consultation._meta,
            "form": form,
            "filters": form.filters() if valid else {},
            "groups": by_target(chosen),
            "count": len(chosen),
            "may_mark": request.user.has_perm(roles.MARK_QUOTABLE),
            "may_export": request.user.has_perm(roles.EXPORT),
        },
        status=200 if valid else 400,
    )


def by_target(comments):
    """[(heading, [(comment, attribution)]), …] in the shortlist's order, one group a section or question."""
    groups = []
    for comment in comments:
        kind, number, title = quotes.target_cells(comment)
        heading = f"Section {number}: {title}" if kind == "Section" else f"{number}. {title}"
        if not groups or groups[-1][0] != heading:
            groups.append((heading, []))
        groups[-1][1].append((comment, quotes.attribution(comment.response)))
    return groups


@require_POST
@permission_required(roles.EXPORT, raise_exception=True)
def download(request, consultation_id):
    """The shortlist as CSV, with the page's choices; recorded as an export."""
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    form = QuoteFilterForm(consultation, request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was exported: " + " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("admin:guidance_consultation_quotes", consultation.pk)
    content, filename = quotes.quotes_csv(consultation, by=request.user, filters=form.filters())
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required(roles.MARK_QUOTABLE, raise_exception=True)
def mark(request, comment_id):
    """Mark one comment as quotable ("quotable" = "yes") or take it off the shortlist, then back
    to the page the button was on."""
    comment = get_object_or_404(Comment, pk=comment_id)
    one = Comment.objects.filter(pk=comment.pk)
    if request.POST.get("quotable") == "yes":
        if quotes.mark_quotable(one, by=request.user):
            messages.success(request, f"Comment {comment.pk} is on the quotes shortlist.")
        elif hasattr(comment, "quote"):
            messages.info(request, f"Comment {comment.pk} was already on the quotes shortlist.")
        else:
            messages.error(
                request, f"Comment {comment.pk} was not shortlisted: only a published comment can be quoted."
            )
    elif quotes.unmark(one, by=request.user):
        messages.success(request, f"Comment {comment.pk} is off the quotes shortlist.")
    else:
        messages.info(request, f"Comment {comment.pk} was not on the quotes shortlist.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("admin:guidance_comment_change", comment.pk)


def mark_selected(model_admin, request, queryset):
    """The comments list's action: shortlist the ticked comments that are published."""
    added = quotes.mark_quotable(queryset, by=request.user)
    left = queryset.count() - added
    message = f"{added} comment{'' if added == 1 else 's'} added to the quotes shortlist"
    if left:
        was = "it was" if left == 1 else "they were"
        message += f"; {left} left as {was} (already on it, not published, or without words)"
    model_admin.message_user(request, message + ".", messages.SUCCESS if added else messages.WARNING)


def unmark_selected(model_admin, request, queryset):
    """The comments list's action: take the ticked comments off the quotes shortlist."""
    removed = quotes.unmark(queryset, by=request.user)
    model_admin.message_user(
        request,
        f"{removed} comment{'' if removed == 1 else 's'} taken off the quotes shortlist.",
        messages.SUCCESS if removed else messages.WARNING,
    )

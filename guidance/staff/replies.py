"""A consultation's "You said, we did" pages: the overview (each consulted section's published
comments and their themes beside its "we did", and each theme's), and one comment's answer.
guidance/outcomes/replies.py writes and removes; publishing the account is the Publish page's "Publish the
outcome" (guidance/staff/publishing.py).

Reading needs view_outcome (Analysts and Consultation managers); writing needs add_outcome and
change_outcome, removing delete_outcome (Consultation managers). Moderators have none of these.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from guidance.consultations.markdown import render_markdown
from guidance.models import Comment, Consultation, Outcome, Section, Theme
from guidance.outcomes import changes, replies
from guidance.staff import roles
from guidance.staff.forms import OutcomeForm
from guidance.staff.site import staff_page

TARGETS = {"section": Section, "theme": Theme, "comment": Comment}


def _consultation(consultation_id):
    return get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)


def _target(consultation, target, target_id):
    """The section, theme or comment, which must be this consultation's; 404 otherwise."""
    if target not in TARGETS:
        raise Http404
    if target == "section":
        return get_object_or_404(Section, pk=target_id, document=consultation.document_id)
    return get_object_or_404(TARGETS[target], pk=target_id, consultation=consultation)


def _about(target, obj):
    if target == "section":
        return f"section {obj.number}, {obj.title}"
    if target == "theme":
        return f"the theme “{obj.name}”"
    return "this comment"


def _form(target, obj, outcome=None, data=None):
    initial = {"kind": outcome.kind, "text": outcome.text} if outcome else None
    return OutcomeForm(data, initial=initial, prefix=f"{target}-{obj.pk}", kind_optional=target == "section")


def _back(consultation, target, obj):
    if target == "comment":
        return reverse("admin:guidance_consultation_reply_comment", args=[consultation.pk, obj.pk])
    return reverse("admin:guidance_consultation_replies", args=[consultation.pk]) + f"#{target}-{obj.pk}"


def _row(request, consultation, target, obj, outcome, bound):
    form = None
    if bound and bound[0] == (target, obj.pk):
        form = bound[1]
    elif request.user.has_perms(roles.WRITE_OUTCOMES):
        form = _form(target, obj, outcome)
    return {
        "anchor": f"{target}-{obj.pk}",
        "about": _about(target, obj),
        "outcome": outcome,
        "html": render_markdown(outcome.text) if outcome else "",
        "form": form,
        "write_url": reverse("admin:guidance_consultation_reply_write", args=[consultation.pk, target, obj.pk]),
        "remove_url": reverse("admin:guidance_consultation_reply_remove", args=[consultation.pk, target, obj.pk])
        if outcome and request.user.has_perm(roles.REMOVE_OUTCOMES)
        else "",
    }


def _overview_page(request, consultation, bound=None):
    by_section, by_theme = changes.you_said(consultation)
    outcomes = list(
        Outcome.objects.filter(consultation=consultation, question__isnull=True).select_related(
            "written_by", "comment__section", "comment__question"
        )
    )
    section_outcomes = {o.section_id: o for o in outcomes if o.section_id}
    theme_outcomes = {o.theme_id: o for o in outcomes if o.theme_id}
    sections = [
        {
            **_row(request, consultation, "section", section, section_outcomes.get(section.pk), bound),
            "section": section,
            "count": by_section.get(section.pk, {}).get("count", 0),
            "themes": by_section.get(section.pk, {}).get("themes", []),
        }
        for section in consultation.document.sections.all()
    ]
    themes = [
        {
            **_row(request, consultation, "theme", theme, theme_outcomes.get(theme.pk), bound),
            "theme": theme,
            "count": by_theme.get(theme.pk, 0),
        }
        for theme in consultation.themes.all()
    ]
    answered = sorted((o for o in outcomes if o.comment_id), key=lambda o: o.comment.created_at)
    return staff_page(
        request,
        "admin/guidance/replies.html",
        {
            "consultation": consultation,
            "opts": Consultation._meta,
            "title": f"You said, we did: {consultation}",
            "sections": sections,
            "themes": themes,
            "answered": answered,
            "may_write": request.user.has_perms(roles.WRITE_OUTCOMES),
            "error_row": next((row for row in [*sections, *themes] if bound and row["form"] is bound[1]), None),
        },
        status=400 if bound else 200,
    )


def _comment_page(request, consultation, comment, form=None):
    outcome = Outcome.objects.filter(comment=comment).select_related("written_by").first()
    row = _row(request, consultation, "comment", comment, outcome, (("comment", comment.pk), form) if form else None)
    if comment.status != Comment.Status.APPROVED and not form:
        row["form"] = None
    return staff_page(
        request,
        "admin/guidance/reply_comment.html",
        {
            "consultation": consultation,
            "opts": Comment._meta,
            "title": "Answer a comment",
            "comment": comment,
            "is_published": Comment.objects.published().filter(pk=comment.pk).exists(),
            "row": row,
            "error_row": row if form else None,
            "may_write": request.user.has_perms(roles.WRITE_OUTCOMES),
        },
        status=400 if form else 200,
    )


@permission_required(roles.VIEW_OUTCOMES, raise_exception=True)
def overview(request, consultation_id):
    return _overview_page(request, _consultation(consultation_id))


@permission_required(roles.VIEW_OUTCOMES, raise_exception=True)
def comment_page(request, consultation_id, comment_id):
    consultation = _consultation(consultation_id)
    comment = get_object_or_404(
        Comment.objects.select_related("section", "question", "response"), pk=comment_id, consultation=consultation
    )
    return _comment_page(request, consultation, comment)


@require_POST
@permission_required(roles.WRITE_OUTCOMES, raise_exception=True)
def write(request, consultation_id, target, target_id):
    consultation = _consultation(consultation_id)
    obj = _target(consultation, target, target_id)
    form = _form(target, obj, data=request.POST)
    if form.is_valid():
        try:
            replies.write_outcome(
                consultation,
                **{target: obj},
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            when = "" if consultation.outcome_is_published else " The public reads it once the outcome is published."
            messages.success(request, f"Saved what we did about {_about(target, obj)}.{when}")
            return redirect(_back(consultation, target, obj))
    if target == "comment":
        return _comment_page(request, consultation, obj, form)
    return _overview_page(request, consultation, bound=((target, obj.pk), form))


@require_POST
@permission_required(roles.REMOVE_OUTCOMES, raise_exception=True)
def remove(request, consultation_id, target, target_id):
    consultation = _consultation(consultation_id)
    obj = _target(consultation, target, target_id)
    if replies.remove_outcome(consultation, **{target: obj}):
        messages.success(request, f"Removed what we did about {_about(target, obj)}.")
    return redirect(_back(consultation, target, obj))

"""A consultation's "You said, we did" pages, the one place staff write its outcome: the overview
(the outcome of the consultation as a whole, then each consulted section's published comments and
their themes beside its "we did", each question's and each theme's), and one comment's answer.
guidance/outcomes/replies.py writes and removes; publishing the account is the Publish page's
"Publish the outcome" (guidance/staff/publishing.py), after its preview
(guidance/staff/outcome_previews.py).

The overview is one form with one Save: every block is sent together, only the blocks a person
changed are written, all or nothing, and a refusal shows the page again with every block's words
as typed. Each block names its target; a target that is not this consultation's is refused
(OutcomeBlocksForm here, Outcome.target_problems in the write) and nothing is stored.

Reading needs view_outcome (Analysts and Consultation managers); writing needs add_outcome and
change_outcome, removing delete_outcome (Consultation managers). Moderators have none of these.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from guidance.consultations.markdown import render_markdown
from guidance.models import Comment, Consultation, Outcome
from guidance.outcomes import changes, replies
from guidance.staff import roles
from guidance.staff.authoring_forms import OutcomeBlocksForm, OutcomeForm
from guidance.staff.site import staff_page

OVERALL = "overall"


def _consultation(consultation_id):
    return get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)


def _about(name, obj):
    if name == OVERALL:
        return "the consultation as a whole"
    if name == "section":
        return f"section {obj.number}, {obj.title}"
    if name == "question":
        return f"question {obj.number}"
    if name == "theme":
        return f"the theme “{obj.name}”"
    return "this comment"


def _targets(consultation):
    """Every block the overview offers, in its order: {key: (name, object)}, the consultation as a
    whole first (object None), then the sections of the version consulted on, its questions and
    its themes. Only this consultation's own: the page offers nothing else and accepts nothing else."""
    targets = {OVERALL: (OVERALL, None)}
    for name, objects in (
        ("section", consultation.document.sections.all()),
        ("question", consultation.questions.all()),
        ("theme", consultation.themes.all()),
    ):
        targets.update({f"{name}-{obj.pk}": (name, obj) for obj in objects})
    return targets


def _shown(outcome):
    """What a block shows as written: (kind, words)."""
    return (outcome.kind, outcome.text) if outcome else ("", "")


def _form(request, key, name, written, data=None):
    """The block's form: bound to what was sent, or showing what is written."""
    kind, text = written
    initial = {"text": text, "shown_text": text}
    if name != OVERALL:
        initial.update(kind=kind, shown_kind=kind)
    return OutcomeForm(
        data,
        initial=initial,
        prefix=key,
        overall=name == OVERALL,
        may_remove=request.user.has_perm(roles.REMOVE_OUTCOMES),
    )


def _row(key, name, obj, outcome, form):
    return {
        "key": key,
        "name": name,
        "about": _about(name, obj),
        "outcome": outcome,
        "html": render_markdown(outcome.text) if outcome else "",
        "form": form,
        "written": outcome is not None,
        "kind_optional": name in ("section", "question"),
    }


def _overview_page(request, consultation, targets, bound=None, listed=None):
    """The overview; `bound`: {key: form} as sent, shown again with what was typed."""
    bound = bound or {}
    by_section, by_theme = changes.you_said(consultation)
    answers = dict(
        Comment.objects.published()
        .filter(consultation=consultation, question__isnull=False)
        .order_by()
        .values_list("question")
        .annotate(n=Count("pk"))
        .values_list("question", "n")
    )
    outcomes = list(
        Outcome.objects.filter(consultation=consultation).select_related(
            "written_by", "comment__section", "comment__question"
        )
    )
    written = {
        **{f"section-{o.section_id}": o for o in outcomes if o.section_id},
        **{f"question-{o.question_id}": o for o in outcomes if o.question_id},
        **{f"theme-{o.theme_id}": o for o in outcomes if o.theme_id},
    }
    may_write = request.user.has_perms(roles.WRITE_OUTCOMES)
    rows = {OVERALL: [], "section": [], "question": [], "theme": []}
    for key, (name, obj) in targets.items():
        outcome = written.get(key)
        shown = (("", consultation.outcome) if name == OVERALL else _shown(outcome)) if may_write else None
        form = bound.get(key) or (_form(request, key, name, shown) if may_write else None)
        row = _row(key, name, obj, outcome, form)
        if name == OVERALL:
            row["html"] = render_markdown(consultation.outcome) if consultation.outcome.strip() else ""
            row["written"] = bool(row["html"])
        elif name == "section":
            said = by_section.get(obj.pk, {})
            row.update(section=obj, count=said.get("count", 0), themes=said.get("themes", []))
        elif name == "question":
            row.update(question=obj, count=answers.get(obj.pk, 0))
        else:
            row.update(theme=obj, count=by_theme.get(obj.pk, 0))
        rows[name].append(row)
    answered = sorted((o for o in outcomes if o.comment_id), key=lambda o: o.comment.created_at)
    error_rows = [row for group in rows.values() for row in group if row["form"] is not None and row["form"].errors]
    refused = bool(error_rows or (listed is not None and listed.errors))
    return staff_page(
        request,
        "admin/guidance/replies.html",
        {
            "consultation": consultation,
            "opts": Consultation._meta,
            "title": f"You said, we did: {consultation}",
            "overall": rows[OVERALL][0],
            "sections": rows["section"],
            "questions": rows["question"],
            "themes": rows["theme"],
            "answered": answered,
            "may_write": may_write,
            "listed": listed,
            "error_rows": error_rows,
            "refused": refused,
        },
        status=400 if refused else 200,
    )


def _saved_message(consultation, saved):
    if not saved:
        return "Nothing was changed: no block's words or kind were different from what was written."
    when = "" if consultation.outcome_is_published else " The public reads it once the outcome is published."
    return f"Saved what we did about {'; '.join(saved)}.{when}"


def _save(request, consultation, forms, targets):
    """Write the blocks of `forms` ({key: bound form}) that were changed, all or nothing. The
    names of what was saved, or None when refused (the forms then carry the errors)."""
    if not all(form.is_valid() for form in forms.values()):
        return None
    touched = [(key, form) for key, form in forms.items() if form.touched()]
    blocks = []
    for key, form in touched:
        name, obj = targets[key]
        data = form.cleaned_data
        blocks.append(
            replies.Block(
                target={} if name == OVERALL else {name: obj},
                kind=data.get("kind", ""),
                text=data["text"],
                remove=data.get("remove", False),
            )
        )
    try:
        replies.save_outcomes(consultation, blocks, by=request.user)
    except replies.Refused as refused:
        for index, error in refused.errors.items():
            touched[index][1].add_error(None, error)
        return None
    return [_about(*targets[key]) for key, _ in touched]


@permission_required(roles.VIEW_OUTCOMES, raise_exception=True)
def overview(request, consultation_id):
    consultation = _consultation(consultation_id)
    targets = _targets(consultation)
    if request.method != "POST":
        return _overview_page(request, consultation, targets)
    if not request.user.has_perms(roles.WRITE_OUTCOMES):
        raise PermissionDenied
    listed = OutcomeBlocksForm(request.POST, targets=targets)
    sent = [key for key in request.POST.getlist("block") if key in targets]
    forms = {key: _form(request, key, targets[key][0], ("", ""), data=request.POST) for key in dict.fromkeys(sent)}
    if listed.is_valid():
        saved = _save(request, consultation, forms, targets)
        if saved is not None:
            messages.success(request, _saved_message(consultation, saved))
            return redirect("admin:guidance_consultation_replies", consultation_id=consultation.pk)
    else:
        for form in forms.values():
            form.is_valid()  # each block's own problems are said too, beside the refusal
    return _overview_page(request, consultation, targets, bound=forms, listed=listed)


@permission_required(roles.VIEW_OUTCOMES, raise_exception=True)
def comment_page(request, consultation_id, comment_id):
    """One comment and its answer; sending the form writes, changes or removes the answer."""
    consultation = _consultation(consultation_id)
    comment = get_object_or_404(
        Comment.objects.select_related("section", "question", "response"), pk=comment_id, consultation=consultation
    )
    key = f"comment-{comment.pk}"
    targets = {key: ("comment", comment)}
    outcome = Outcome.objects.filter(comment=comment).select_related("written_by").first()
    may_write = request.user.has_perms(roles.WRITE_OUTCOMES)
    form = None
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied
        form = _form(request, key, "comment", ("", ""), data=request.POST)
        saved = _save(request, consultation, {key: form}, targets)
        if saved is not None:
            messages.success(request, _saved_message(consultation, saved))
            return redirect("admin:guidance_consultation_reply_comment", consultation.pk, comment.pk)
    elif may_write and (outcome or comment.status == Comment.Status.APPROVED):
        form = _form(request, key, "comment", _shown(outcome))
    row = _row(key, "comment", comment, outcome, form)
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
            "error_rows": [row] if form is not None and form.errors else [],
            "may_write": may_write,
            "action": reverse("admin:guidance_consultation_reply_comment", args=[consultation.pk, comment.pk]),
        },
        status=400 if form is not None and form.errors else 200,
    )

""" "We did": staff's account of what was done about what people said, on one consulted section, one
theme (wherever its comments are) or one comment. Each is one Outcome row, written or rewritten
by write_outcome and taken away by remove_outcome, each in one transaction and recorded with who
wrote it last and when. An outcome on a question is written in the consultation's admin page
(OutcomeInline).

Staff may write before the outcome is published; the public reads none of it until then
(outcomes.has_published_outcome). A comment can be answered once it is approved: the public sees
the answer only beside a published comment, so an answer to a comment the respondent asked us
not to publish stays with staff and the respondent.

The staff overview's figures are read by guidance/outcomes/changes.py (you_said), as the public page's are.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from guidance.consultations.markdown import check_markdown
from guidance.models import Comment, Outcome
from guidance.responses import text as text_rules


def _target(section, theme, comment):
    targets = {name: value for name, value in (("section", section), ("theme", theme), ("comment", comment)) if value}
    if len(targets) != 1:
        raise ValueError("Give exactly one of section, theme or comment.")
    return targets


def _checked(kind, text, needs_kind):
    errors = {}
    if kind and kind not in Outcome.Kind.values:
        errors["kind"] = "Choose one of the kinds listed."
    elif not kind and needs_kind:
        errors["kind"] = "Choose what became of it."
    text = text_rules.tidy(text)
    if not text:
        errors["text"] = "Write what was done about it."
    else:
        try:
            text_rules.check_long_text(text)
            check_markdown(text)  # shown as Markdown on the public pages
        except ValidationError as error:
            errors["text"] = error.messages
    if errors:
        raise ValidationError(errors)
    return kind or "", text


def write_outcome(consultation, *, section=None, theme=None, comment=None, kind, text, by):
    """Write, or rewrite, the one "we did" for a consulted section, a theme or an approved comment of
    this consultation. A kind is needed for a theme or a comment, optional for a section. Raises
    ValidationError (by field: "kind", "text"; or for the whole, such as a target of another
    consultation) and stores nothing when refused. Returns the Outcome."""
    target = _target(section, theme, comment)
    # The model's rule, which Outcome.save applies too: said first, before the rest of the form.
    if problems := Outcome(consultation=consultation, **target).target_problems():
        raise ValidationError(list(problems.values()))
    kind, text = _checked(kind, text, needs_kind=section is None)
    with transaction.atomic():
        # Its status as it is now, held until the answer is stored: a moderator may have just
        # taken it back.
        if (
            comment is not None
            and not Comment.objects.select_for_update().filter(pk=comment.pk, status=Comment.Status.APPROVED).exists()
        ):
            raise ValidationError("Only an approved comment can be answered.")
        outcome, _ = Outcome.objects.update_or_create(
            consultation=consultation,
            **target,
            defaults={"kind": kind, "text": text, "written_by": by, "written_at": timezone.now()},
        )
    return outcome


def remove_outcome(consultation, *, section=None, theme=None, comment=None):
    """Take away the "we did" of this section, theme or comment. True if there was one."""
    target = _target(section, theme, comment)
    with transaction.atomic():
        removed, _ = Outcome.objects.filter(consultation=consultation, **target).delete()
    return bool(removed)

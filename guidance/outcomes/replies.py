""" "We did": staff's account of what was done about what people said. The one way to write it is
the consultation's "You said, we did" pages (guidance/staff/replies.py), which call this module:

- the outcome of the consultation as a whole (Consultation.outcome): write_overall_outcome,
  remove_overall_outcome;
- one "we did" on a consulted section, a question, a theme (wherever its comments are) or one
  comment, each one Outcome row: write_outcome, remove_outcome, recorded with who wrote it last
  and when;
- the overview's one Save, several of these at once, all or nothing: save_outcomes.

Each is one transaction. Every target must be this consultation's own (a section of the document
it consulted on, one of its questions, themes or comments): anything else is refused and nothing is
stored, whatever form or command sent it (Outcome.target_problems, which Outcome.save applies too).

Staff may write before the outcome is published; the public reads none of it until then
(outcomes.published.has_published_outcome). A comment can be answered once it is approved: the public
sees the answer only beside a published comment, so an answer to a comment the respondent asked us
not to publish stays with staff and the respondent (who is emailed it with the outcome).

The staff overview's figures are read by guidance/outcomes/changes.py (you_said), as the public page's are.
"""

import dataclasses

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from guidance.consultations.changed import public_pages_changed
from guidance.consultations.markdown import check_markdown
from guidance.models import Comment, Consultation, Outcome
from guidance.responses import text as text_rules

TARGET_NAMES = ("section", "question", "theme", "comment")


def _target(**given):
    targets = {name: value for name, value in given.items() if value is not None}
    if len(targets) != 1:
        raise ValueError("Give exactly one of section, question, theme or comment.")
    return targets


def _checked_text(text):
    """The words, tidied: refused (ValidationError) when empty or against the long-text rules."""
    text = text_rules.tidy(text)
    if not text:
        raise ValidationError("Write what was done about it.")
    text_rules.check_long_text(text)
    check_markdown(text)  # shown as Markdown on the public pages
    return text


def _checked(kind, text, needs_kind):
    errors = {}
    if kind and kind not in Outcome.Kind.values:
        errors["kind"] = "Choose one of the kinds listed."
    elif not kind and needs_kind:
        errors["kind"] = "Choose what became of it."
    try:
        text = _checked_text(text)
    except ValidationError as error:
        errors["text"] = error.messages
    if errors:
        raise ValidationError(errors)
    return kind or "", text


def write_outcome(consultation, *, section=None, question=None, theme=None, comment=None, kind, text, by):
    """Write, or rewrite, the one "we did" for a consulted section, a question, a theme or an approved
    comment of this consultation. A kind is needed for a theme or a comment, optional for a section
    or question. Raises ValidationError (by field: "kind", "text"; or for the whole, such as a target
    of another consultation) and stores nothing when refused. Returns the Outcome."""
    target = _target(section=section, question=question, theme=theme, comment=comment)
    # The model's rule, which Outcome.save applies too: said first, before the rest of the form.
    if problems := Outcome(consultation=consultation, **target).target_problems():
        raise ValidationError(list(problems.values()))
    kind, text = _checked(kind, text, needs_kind=theme is not None or comment is not None)
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


def remove_outcome(consultation, *, section=None, question=None, theme=None, comment=None):
    """Take away the "we did" of this section, question, theme or comment. True if there was one.
    Raises ValidationError for a target of another consultation."""
    target = _target(section=section, question=question, theme=theme, comment=comment)
    if problems := Outcome(consultation=consultation, **target).target_problems():
        raise ValidationError(list(problems.values()))
    with transaction.atomic():
        removed, _ = Outcome.objects.filter(consultation=consultation, **target).delete()
    return bool(removed)


def write_overall_outcome(consultation, *, text):
    """Write, or rewrite, the outcome of the consultation as a whole: what was heard and what
    changes, shown first under "What you said and what we did". Raises ValidationError ("text") and
    stores nothing when refused."""
    try:
        text = _checked_text(text)
    except ValidationError as error:
        raise ValidationError({"text": error.messages}) from None
    with transaction.atomic():
        Consultation.objects.filter(pk=consultation.pk).update(outcome=text)
        public_pages_changed(consultations=[consultation.pk])
    consultation.outcome = text
    return text


def remove_overall_outcome(consultation):
    """Take away the outcome of the consultation as a whole. True if there was one."""
    with transaction.atomic():
        removed = Consultation.objects.filter(pk=consultation.pk).exclude(outcome="").update(outcome="")
        if removed:
            public_pages_changed(consultations=[consultation.pk])
    consultation.outcome = ""
    return bool(removed)


@dataclasses.dataclass
class Block:
    """One "we did" as the overview's one Save sends it: its target ({"section": a Section}, …, or
    {} for the consultation as a whole), and either the kind and words to write or `remove`."""

    target: dict
    kind: str = ""
    text: str = ""
    remove: bool = False


class Refused(Exception):
    """What save_outcomes refused, nothing having been stored: {index of the block: ValidationError}."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def save_outcomes(consultation, blocks, *, by):
    """Write or remove each of `blocks` (Block), all or nothing, in one transaction: when any is
    refused (a target of another consultation or named twice, words missing, …) raises Refused with
    every block's problem and stores nothing. Returns how many were written or removed."""
    errors, seen = {}, set()
    for index, block in enumerate(blocks):
        key = tuple((name, value.pk) for name, value in block.target.items())
        if key in seen:
            errors[index] = ValidationError("This is named twice in what was sent.")
        seen.add(key)
    if errors:
        raise Refused(errors)
    done = 0
    with transaction.atomic():
        for index, block in enumerate(blocks):
            try:
                with transaction.atomic():
                    if not block.target:
                        done += (
                            remove_overall_outcome(consultation)
                            if block.remove
                            else bool(write_overall_outcome(consultation, text=block.text))
                        )
                    elif block.remove:
                        done += remove_outcome(consultation, **block.target)
                    else:
                        write_outcome(consultation, **block.target, kind=block.kind, text=block.text, by=by)
                        done += 1
            except ValidationError as error:
                errors[index] = error
        if errors:
            # Every block is tried, so that each problem is said at once; none of it is kept.
            transaction.set_rollback(True)
    if errors:
        consultation.refresh_from_db(fields=["outcome"])
        raise Refused(errors)
    return done

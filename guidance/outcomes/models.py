"""What was done about what people said ("you said, we did")."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from guidance.consultations.markdown import check_markdown
from guidance.consultations.models import Consultation, Question, Section


class Outcome(models.Model):
    """After the close, what the organisation did about what it heard ("we did"): on one section
    or question, on one theme (wherever its comments are), or in answer to one comment. The
    outcome for the consultation as a whole is Consultation.outcome. Public once the outcome is
    published (guidance/consultations/publishing.py), like the rest of it."""

    class Kind(models.TextChoices):
        CHANGED = "changed", "We changed the text"
        COVERED = "covered", "Already covered"
        OUT_OF_SCOPE = "out_of_scope", "Out of scope"
        LATER = "later", "We will consider it later"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="outcomes")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, null=True, blank=True, related_name="outcome")
    theme = models.ForeignKey("Theme", on_delete=models.CASCADE, null=True, blank=True, related_name="outcomes")
    comment = models.ForeignKey("Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="outcomes")
    kind = models.CharField(
        max_length=16,
        choices=Kind,
        blank=True,
        help_text="What became of it, in a word the public can scan. Optional on a section or question.",
    )
    text = models.TextField(help_text="“You said, we did”, in Markdown.")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    written_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(section__isnull=False, question__isnull=True, theme__isnull=True, comment__isnull=True)
                | Q(section__isnull=True, question__isnull=False, theme__isnull=True, comment__isnull=True)
                | Q(section__isnull=True, question__isnull=True, theme__isnull=False, comment__isnull=True)
                | Q(section__isnull=True, question__isnull=True, theme__isnull=True, comment__isnull=False),
                name="outcome_has_exactly_one_target",
            ),
            models.UniqueConstraint(fields=["consultation", "section"], name="outcome_section_unique"),
            models.UniqueConstraint(fields=["consultation", "question"], name="outcome_question_unique"),
            models.UniqueConstraint(fields=["consultation", "theme"], name="outcome_theme_unique"),
            models.UniqueConstraint(fields=["comment"], name="outcome_comment_unique"),
        ]

    def __str__(self):
        target = self.section or self.question or self.theme or self.comment
        return f"Outcome for {target}"

    def save(self, *args, **kwargs):
        # However it is written (guidance/outcomes/replies.py, a command, the demo), an outcome is on this
        # consultation's own things: the public outcome page shows their titles.
        if problems := self.target_problems():
            raise ValidationError(list(problems.values()))
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        problems = self.target_problems()
        try:
            check_markdown(self.text)
        except ValidationError as error:
            problems["text"] = error.messages
        if problems:
            raise ValidationError(problems)

    def target_problems(self):
        """{field: message} for a target that is not this consultation's: a section of another
        document than the one consulted on, another consultation's question, theme or comment."""
        try:
            consultation = self.consultation
        except Consultation.DoesNotExist:
            return {}  # nothing to compare with yet; the database refuses an outcome without one
        problems = {}
        if self.section_id and self.section.document_id != consultation.document_id:
            problems["section"] = "This section is not in the version of the document consulted on."
        if self.question_id and self.question.consultation_id != consultation.pk:
            problems["question"] = "This question belongs to another consultation."
        if self.theme_id and self.theme.consultation_id != consultation.pk:
            problems["theme"] = "This theme belongs to another consultation."
        if self.comment_id and self.comment.consultation_id != consultation.pk:
            problems["comment"] = "This comment was made on another consultation."
        return problems

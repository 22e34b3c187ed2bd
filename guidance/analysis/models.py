"""Analysis: the themes comments are coded with, the quotes shortlisted for the report, and the
record of every export."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from guidance.consultations.models import Consultation


class Theme(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="What belongs under this theme, so coders apply it alike.")

    class Meta:
        ordering = ["consultation", "name"]
        constraints = [models.UniqueConstraint(fields=["consultation", "name"], name="theme_name_unique")]

    def __str__(self):
        return self.name


class ExportRecord(models.Model):
    """Who exported what, and when: exports can carry personal data, so each one is recorded."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="exports")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for an export made with the export_responses command.",
    )
    at = models.DateTimeField(default=timezone.now)
    layout = models.CharField(max_length=16)
    filters = models.JSONField(default=dict, blank=True)
    row_count = models.PositiveIntegerField()
    with_personal_data = models.BooleanField()

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.consultation} ({self.at:%d %b %Y %H:%M})"


class Quote(models.Model):
    """A comment an analyst shortlisted as quotable in the consultation's report, with who chose it
    and when (guidance/analysis/quotes.py writes these). The shortlist shows and exports only what
    Comment.objects.published() returns, so a comment withdrawn, unpublished or no longer to be
    published leaves it by itself; the row stays, and the comment is back if published again."""

    comment = models.OneToOneField("guidance.Comment", on_delete=models.CASCADE, related_name="quote")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["marked_at"]

    def __str__(self):
        return f"Quote of comment {self.comment_id}"

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


class SuggestionRun(models.Model):
    """One request to suggest themes for a consultation's comments, or a section's or a question's
    (guidance/analysis/suggestions.py): worked out in the request when there are few comments, by
    the worker otherwise, and kept so the analyst can accept, merge or discard each suggestion."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for the worker"
        RUNNING = "running", "Being worked out"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="suggestion_runs")
    section = models.ForeignKey("guidance.Section", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    question = models.ForeignKey("guidance.Question", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    count = models.PositiveSmallIntegerField(help_text="How many themes were asked for, at most.")
    engine = models.CharField(max_length=16)
    state = models.CharField(max_length=16, choices=State, default=State.WAITING)
    progress = models.CharField(max_length=200, blank=True)
    comment_count = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # [{"number", "name", "key_phrases", "comment_ids", "representative_ids", "status", "theme_id"}]
    suggestions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["state", "requested_at"], name="suggestion_run_state")]

    def __str__(self):
        return f"Suggested themes for {self.consultation} ({self.requested_at:%d %b %Y %H:%M})"


class ThemeSuggestion(models.Model):
    """A comment suggested for a theme, from an accepted suggestion or by example, and what the
    analyst made of it. A comment is coded with a theme (Comment.themes, what the dashboard, the
    exports and the public pages count) only once the suggestion is confirmed."""

    class State(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"
        REFUSED = "refused", "Removed"

    class Origin(models.TextChoices):
        GROUPING = "grouping", "Suggested theme"
        EXAMPLE = "example", "Code by example"

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="suggestions")
    comment = models.ForeignKey("guidance.Comment", on_delete=models.CASCADE, related_name="theme_suggestions")
    state = models.CharField(max_length=16, choices=State, default=State.SUGGESTED)
    origin = models.CharField(max_length=16, choices=Origin)
    confidence = models.FloatField(null=True, blank=True, help_text="Code by example: how sure, from 0 to 1.")
    suggested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["theme", "confidence", "comment"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "comment"], name="theme_suggestion_once"),
        ]
        indexes = [models.Index(fields=["theme", "state"], name="theme_suggestion_state")]

    def __str__(self):
        return f"{self.comment_id} → {self.theme} ({self.state})"

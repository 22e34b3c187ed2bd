"""Moderation's records: each decision on a comment (and what its respondent did to it), staff
notes, and the public's reports."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from guidance.responses import text as text_rules
from guidance.responses.models import Comment, ModerationReason


class ModerationEvent(models.Model):
    """Append-only record of one decision on one comment: a change of status, or (from and to
    both "approved") keeping a reported comment published; a moderator redacting words of it
    (redacted: the original kept here, seen only by staff allowed to see personal data); or of
    what the respondent did to it (by_respondent): changing its text, the earlier text kept here,
    or withdrawing it. Nothing edits or deletes these, but an erasure of the comments' text."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=Comment.Status)
    to_status = models.CharField(max_length=16, choices=Comment.Status)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system made the change, for example after public reports.",
    )
    at = models.DateTimeField(default=timezone.now)
    reason_code = models.CharField(max_length=16, choices=ModerationReason, blank=True)
    reason = models.TextField(blank=True)
    # Defaults in the database too: decide() writes its events with one INSERT … SELECT of its own.
    by_respondent = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The respondent did this: changed the comment's text, or withdrew it.",
    )
    earlier_text = models.TextField(
        blank=True,
        default="",
        db_default="",
        help_text="The text before it changed: what the respondent replaced, or the original a moderator redacted.",
    )
    # The original of a redaction may hold what the moderator hid, such as a phone number:
    # guidance/moderation/decisions.py, may_read_redacted.
    redacted = models.BooleanField(
        default=False,
        db_default=False,
        help_text="A moderator replaced words of the comment with “[redacted]”; the original is the earlier text.",
    )

    class Meta:
        ordering = ["comment", "at", "pk"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"

    @property
    def is_change_of_text(self):
        return self.by_respondent and bool(self.earlier_text)

    # The reason recorded when a respondent's change of the name to publish under sends their
    # published comments back to a moderator (guidance/moderation/decisions.py, name_to_publish_changed).
    NAME_CHANGED = "The name to publish it under changed: a moderator reads the name before it is public."

    @property
    def is_change_of_name(self):
        return self.by_respondent and self.reason == self.NAME_CHANGED

    @property
    def description(self):
        """What happened, for the comment's history: "approved", "kept published", "text changed
        by the respondent", "withdrawn by the respondent"."""
        if self.is_change_of_text:
            return "text changed by the respondent" + (
                ", back to pending" if self.from_status != self.to_status else ""
            )
        if self.is_change_of_name:
            return "name to publish it under changed by the respondent" + (
                ", back to pending" if self.from_status != self.to_status else ""
            )
        from guidance.moderation import words  # it reads Comment's statuses, defined beside this module

        if self.by_respondent:
            return f"{words.done(self.to_status)} by the respondent"
        if self.redacted:
            return words.REDACTED
        if self.from_status == self.to_status:
            return "kept published"
        return words.done(self.to_status)


class StaffNote(models.Model):
    """A moderator's private note on a comment, kept in its history. Never public; exported only
    with personal data, since a note may say who someone is."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notes")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(help_text="Staff only. For example: “Checked with the team: keep, it names no one.”")

    class Meta:
        ordering = ["comment", "at", "pk"]

    def __str__(self):
        return f"Note by {self.by} ({self.at:%d %b %Y %H:%M})"


class Report(models.Model):
    """A member of the public flags a published comment."""

    class Reason(models.TextChoices):
        OFFENSIVE = "offensive", "It is offensive or abusive"
        PERSONAL = "personal", "It contains someone's personal information"
        SPAM = "spam", "It is spam or advertising"
        OFF_TOPIC = "off_topic", "It is off topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=16, choices=Reason)
    details = models.TextField(blank=True, validators=[text_rules.check_long_text])
    created_at = models.DateTimeField(default=timezone.now)
    # A moderator looked at the reported comment and kept it published (or took it down, which
    # the comment's history records): the report no longer puts it on the "reported" list.
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_reason_display()} ({self.created_at:%d %b %Y})"


class CampaignKey(models.Model):
    """One of the keys a comment is found by when a near-copy of it arrives: the hash of one of
    its word shingles, among the few smallest (guidance/moderation/campaigns.py). Kept for the
    comments on the same section or question only: near-copies are looked for there alone.
    Nobody reads these but the comparison; they go with their comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    # Copies of the comment's own: the index finds the keys of one section or question at once.
    # No index of their own: campaign_key_target starts with them, and a section or question with
    # comments cannot be deleted.
    section = models.ForeignKey(
        "Section", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    question = models.ForeignKey(
        "Question", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    key = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["section", "question", "key"], name="campaign_key_target")]

    def __str__(self):
        return f"{self.comment_id}: {self.key}"

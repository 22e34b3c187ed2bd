"""The record of personal data removed."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from guidance.consultations.models import Consultation


class Erasure(models.Model):
    """Audit record of personal data removed, by the retention job or on a person's request."""

    class Scope(models.TextChoices):
        PERSONAL_DATA = "personal", "Personal data"
        PERSONAL_DATA_AND_TEXT = "personal_text", "Personal data and the text of comments"
        # No response is touched: response_count is 0 and the reason says how many sign-ups went.
        EVENT_SIGNUPS = "event_signups", "Event sign-ups (names, email addresses, access needs) deleted"
        # An address and what it followed (guidance/subscriptions/): no response, and no one
        # consultation, since an address may follow an organisation's every consultation.
        SUBSCRIPTIONS = "subscriptions", "Email subscriptions (an address and what it followed) deleted"

    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the daily retention job did it.",
    )
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="erasures",
        help_text="Empty for an erasure of email subscriptions, which need not be of one consultation.",
    )
    scope = models.CharField(max_length=16, choices=Scope)
    response_count = models.PositiveIntegerField()
    references = models.TextField(blank=True, help_text="The references of the responses affected.")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_scope_display()}: {self.response_count} responses ({self.at:%d %b %Y})"

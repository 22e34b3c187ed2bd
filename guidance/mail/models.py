"""The email queue: one row an email."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from guidance.responses.models import Response
from guidance.subscriptions.models import Subscriber


class QueuedEmail(models.Model):
    """One email to a respondent (or to a new member of staff: the link to set their password; or to
    an email subscriber: the link to confirm, the digest, guidance/subscriptions/; or to
    someone signed up to an event),
    recorded in the same transaction as what caused it, and sent by
    the worker (guidance/mail/mailqueue.py) with retries: the queue is this table. Its recipient is
    fixed when it is queued, so a later change of address on the response never redirects it; an
    erasure or withdrawal before sending cancels it and forgets the address. It holds no text: a
    receipt lists the comments its form sent (payload), read when it is built."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        LINK = "link", "Link to continue"
        NOTIFICATION = "notification", "What happened to the response"
        SET_PASSWORD = "set_password", "Link for a member of staff to set their password"
        SUBSCRIBE = "subscribe", "Link to confirm a subscription"
        DIGEST = "digest", "What happened to the consultations subscribed to"
        # To someone signed up to an event (guidance/events/signups.py): about no response and no
        # member of staff, only the sign-up named in the payload.
        EVENT_SIGNUP = "event_signup", "An event's sign-up: place confirmed or on the waiting list"
        EVENT_PLACE = "event_place", "A place at an event, from its waiting list"
        EVENT_REMINDER = "event_reminder", "Reminder the day before an event"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Given up"
        CANCELLED = "cancelled", "Not sent: cancelled, or nothing left to send"

    kind = models.CharField(max_length=16, choices=Kind)
    # Whom it is about: a response (a respondent's email), or a member of staff (set_password).
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="emails", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    # Or a subscriber (guidance/subscriptions/): deleted with it when it ends its last subscription.
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="emails", null=True, blank=True)
    to = models.EmailField(
        blank=True, help_text="The address it goes to, fixed when it was queued; blank once cancelled or erased."
    )
    payload = models.JSONField(default=dict, blank=True, help_text="What the email is about: ids, never text.")
    # The Message-ID's own part: random, so that it says nothing of how many emails went before.
    uid = models.UUIDField(default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=Status, default=Status.WAITING)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The worker sending it, and until when it is held for that worker unless it says it is alive.
    held_by = models.CharField(max_length=100, blank=True, default="")
    held_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True, help_text="The kind of error of the last attempt.")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # /healthz: what is waiting, oldest first, and what failed lately.
            models.Index(
                fields=["status", "created_at"],
                name="queuedemail_unsent",
                condition=Q(status__in=["waiting", "sending", "failed"]),
            ),
            # The worker's round: what is due, soonest first.
            models.Index(fields=["next_attempt_at"], name="queuedemail_due", condition=Q(status="waiting")),
        ]
        constraints = [
            models.CheckConstraint(
                # At most one of them: an email to someone signed up to an event is about none.
                condition=Q(response__isnull=True, user__isnull=True)
                | Q(response__isnull=True, subscriber__isnull=True)
                | Q(user__isnull=True, subscriber__isnull=True),
                name="queuedemail_about_at_most_one_response_user_or_subscriber",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.about} ({self.get_status_display().lower()})"

    @property
    def about(self):
        """Whom it is for, as the log names them: never by address or name."""
        if self.subscriber_id:
            return f"subscriber {self.subscriber_id}"
        if self.response_id:
            return f"response {self.response.reference}"
        if self.user_id:
            return f"staff member {self.user_id}"
        return f"event sign-up {self.payload.get('signup')}"

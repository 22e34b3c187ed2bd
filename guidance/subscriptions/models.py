"""Email subscriptions and what was announced to them."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from guidance.consultations.models import Consultation


def new_token():
    return secrets.token_urlsafe(24)


class Subscriber(models.Model):
    """One inbox that asked to hear of consultations. Its address is personal data, held only while
    it has a subscription (ended subscriptions are deleted, and the subscriber with its last one),
    unconfirmed for SUBSCRIPTION_CONFIRM_DAYS at most. Its token opens the page listing its
    subscriptions and stops them, from any email's link."""

    PERSONAL_DATA_FIELDS = ("email", "address")

    email = models.EmailField(help_text="Where the emails go, as written when it was first given.")
    # One inbox however it is written (guidance/responses/ratelimit.canonical_address): the same
    # person asking twice, once with "+news", is one subscriber.
    address = models.CharField(max_length=254, unique=True, help_text="The address written one way only.")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_digest_at = models.DateTimeField(null=True, blank=True, help_text="When its last digest was queued.")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Subscriber {self.pk}"


class Subscription(models.Model):
    """What one subscriber wants to hear of: every consultation of an organisation (by its name, as
    Consultation.organisation writes it), or one consultation. Nothing is sent for it until it is
    confirmed from the link emailed to the address."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    organisation = models.CharField(max_length=200, blank=True, help_text="Every consultation of this organisation.")
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(consultation__isnull=True) & ~Q(organisation=""))
                | Q(consultation__isnull=False, organisation=""),
                name="subscription_to_an_organisation_or_a_consultation",
            ),
            models.UniqueConstraint(
                fields=["subscriber", "organisation"],
                condition=Q(consultation__isnull=True),
                name="subscription_one_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["subscriber", "consultation"],
                condition=Q(consultation__isnull=False),
                name="subscription_one_per_consultation",
            ),
        ]

    def __str__(self):
        return self.describe()

    def describe(self):
        if self.consultation_id:
            return f"The consultation “{self.consultation.title}”"
        return f"Every consultation of {self.organisation}"


class Announcement(models.Model):
    """Something that happened to a public consultation, recorded once (the unique constraint holds
    when two workers look at once), to be told in the digests of those subscribed."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        CLOSING_SOON = "closing_soon", "Closes in a week"
        OUTCOME_PUBLISHED = "outcome", "Outcome published"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="announcements")
    kind = models.CharField(max_length=16, choices=Kind)
    announced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["announced_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "kind"], name="announcement_once_per_kind"),
        ]

    def __str__(self):
        return f"{self.consultation}: {self.get_kind_display().lower()}"


class Told(models.Model):
    """An announcement put in a subscriber's digest: each goes in one digest only, however many of
    the address's subscriptions it matches."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="told")
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "announcement"], name="told_each_announcement_once"),
        ]

    def __str__(self):
        return f"{self.announcement} told to subscriber {self.subscriber_id}"

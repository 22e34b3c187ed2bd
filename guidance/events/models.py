"""A consultation's events and the chat hour's messages."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from guidance.consultations.models import Consultation, Question
from guidance.responses import text as text_rules


class EventQuerySet(models.QuerySet):
    def chats(self):
        return self.filter(kind=Event.Kind.CHAT)

    def upcoming(self, now=None):
        """Events not over yet, soonest first."""
        return self.filter(ends_at__gt=now or timezone.now()).order_by("starts_at")

    def past(self, now=None):
        return self.filter(ends_at__lte=now or timezone.now()).order_by("-starts_at")


class Event(models.Model):
    """Another way to take part in a consultation: a chat hour held on the portal, where a host puts
    the consultation's questions one after another and people reply; or a meeting held elsewhere."""

    class Kind(models.TextChoices):
        CHAT = "chat", "Chat hour on this site"
        MEETING = "meeting", "Meeting (in person or online, elsewhere)"

    class Moderation(models.TextChoices):
        # Nothing public until approved is the portal's rule; an event may choose otherwise, and
        # says so on its page.
        BEFORE = "before", "Messages show once a moderator approves them"
        AFTER = "after", "Messages show at once; a moderator can take them down"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.CHAT)
    title = models.CharField(max_length=200, validators=[text_rules.check_name, text_rules.check_not_blank])
    slug = models.SlugField(max_length=100, help_text="Used in web addresses. Letters, numbers and hyphens.")
    description = models.TextField(blank=True, help_text="What happens at the event, in a few plain sentences.")
    starts_at = models.DateTimeField(help_text="UK time.")
    ends_at = models.DateTimeField(help_text="UK time.")
    place = models.TextField(blank=True, help_text="For a meeting in person: the address, with how to get there.")
    link = models.URLField(blank=True, help_text="For a meeting online: where to join (shown to people signed up).")
    accessibility = models.TextField(
        "accessibility notes",
        blank=True,
        help_text="Step-free access, hearing loop, captions, breaks, support with costs: what people need to know.",
    )
    moderation = models.CharField(
        max_length=16,
        choices=Moderation,
        default=Moderation.BEFORE,
        help_text="For a chat hour: whether messages wait for a moderator before they show.",
    )
    current_question = models.ForeignKey(
        Question,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="The question the host has put; replies answer it.",
    )
    question_put_at = models.DateTimeField(null=True, blank=True, editable=False)
    signup_open = models.BooleanField(
        "sign-up", default=False, help_text="People can sign up (name, email, access needs) on the event's page."
    )
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many people can sign up; after that they join a waiting list. Empty: no limit.",
    )
    notes = models.TextField(blank=True, help_text="After the event: what was said and done (Markdown).")
    notes_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "slug"], name="event_slug_unique_in_consultation"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_it_starts"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("guidance:event", kwargs={"slug": self.consultation.slug, "event": self.slug})

    @property
    def is_chat(self):
        return self.kind == self.Kind.CHAT

    def is_live_at(self, now):
        return self.starts_at <= now < self.ends_at

    @property
    def is_live(self):
        return self.is_live_at(timezone.now())

    @property
    def is_over(self):
        return self.ends_at <= timezone.now()

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The event must end after it starts."})


class ChatMessageQuerySet(models.QuerySet):
    def shown(self):
        """What everyone sees in the chat: the host's messages and the replies a moderator has let
        through (for an event moderated afterwards, every reply not taken down)."""
        return self.filter(
            Q(by_host=True)
            | Q(status=ChatMessage.Status.APPROVED)
            | Q(status=ChatMessage.Status.WAITING, event__moderation=Event.Moderation.AFTER)
        )


class ChatMessage(models.Model):
    """One message of a chat hour: the host's (a question put, or a short message of their own) or a
    participant's reply to the question put at the time. An approved reply is also an answer to that
    question, channel "chat", in the participant's response (`comment`). Messages of a tweetchat
    imported afterwards are messages of its event too (`imported`)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for a moderator"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        TAKEN_DOWN = "taken_down", "Taken down"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="messages")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    by_host = models.BooleanField(default=False)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    response = models.ForeignKey(
        "guidance.Response", on_delete=models.CASCADE, null=True, blank=True, related_name="chat_messages"
    )
    comment = models.OneToOneField(
        "guidance.Comment", on_delete=models.SET_NULL, null=True, blank=True, related_name="chat_message"
    )
    display_name = models.CharField(max_length=100, blank=True, validators=[text_rules.check_name])
    text = models.TextField(validators=[text_rules.check_long_text])
    status = models.CharField(max_length=16, choices=Status, default=Status.WAITING)
    imported = models.BooleanField(default=False, help_text="From a tweetchat's transcript, not posted here.")
    posted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the message last came into the chat or left it (put, approved, taken down): the order it
    # appeared in, and what open pages ask for since their last look (guidance/events/live.py). Not
    # posted_at: a reply waits for its moderator, so replies show in another order than they came.
    shown_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ChatMessageQuerySet.as_manager()

    class Meta:
        ordering = ["posted_at", "id"]
        indexes = [
            models.Index(fields=["event", "id"], name="chatmessage_event_id"),
            models.Index(fields=["event", "shown_changed_at"], name="chatmessage_event_changed"),
            # The live queue, oldest first (guidance/events/chat.py, waiting_replies): read at every
            # moderator's page and decision, it must not grow slower as replies wait.
            models.Index(
                fields=["event", "posted_at", "id"],
                condition=Q(status="waiting"),
                name="chatmessage_event_waiting",
            ),
        ]

    def __str__(self):
        return self.text[:60]


def new_signup_token():
    # 32 random bytes: the one secret of a sign-up's own links (its cancel link), never guessable.
    return secrets.token_urlsafe(32)


class EventSignUpQuerySet(models.QuerySet):
    def holding_places(self):
        return self.filter(status=EventSignUp.Status.CONFIRMED)

    def waiting(self):
        """The waiting list, first come first served."""
        return self.filter(status=EventSignUp.Status.WAITING).order_by("created_at", "pk")

    def not_cancelled(self):
        return self.exclude(status=EventSignUp.Status.CANCELLED)


class EventSignUp(models.Model):
    """Someone signed up to an event: personal data (PERSONAL_DATA_FIELDS), kept only until a
    while after the event (guidance/privacy/retention.py). Written only by guidance/events/signups.py."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Place confirmed"
        WAITING = "waiting", "On the waiting list"
        CANCELLED = "cancelled", "Cancelled"

    # Seen only by staff allowed to see personal data (guidance/privacy/personal_data.py).
    PERSONAL_DATA_FIELDS = ("name", "email", "access_needs")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="signups")
    name = models.CharField(max_length=100, validators=[text_rules.check_name])
    email = models.EmailField(max_length=254)
    access_needs = models.TextField(blank=True, validators=[text_rules.check_long_text])
    status = models.CharField(max_length=16, choices=Status, default=Status.CONFIRMED)
    token = models.CharField(max_length=64, unique=True, default=new_signup_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EventSignUpQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "event sign-up"
        indexes = [models.Index(fields=["event", "status", "created_at"], name="eventsignup_event_status")]

    def __str__(self):
        return f"Sign-up {self.pk} to {self.event_id} ({self.get_status_display().lower()})"

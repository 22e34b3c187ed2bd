"""The story of an event: the record of a chat hour staff make from its messages, in their order,
with headings and short linking text of their own, then publish; and what was changed after."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from guidance.consultations.models import Question
from guidance.events.models import ChatMessage, Event
from guidance.responses import text as text_rules

TITLE_MAX_LENGTH = 200
# A heading is one line; a linking text a few sentences between messages, not an essay.
HEADING_MAX_LENGTH = 150
LINKING_TEXT_MAX_LENGTH = 1_000
INTRODUCTION_MAX_LENGTH = 3_000
# The messages shown in a chat: a participant's, approved, or the host's, not taken down.
NOT_SHOWN = [ChatMessage.Status.REJECTED, ChatMessage.Status.TAKEN_DOWN]


def addable_messages(event):
    """The event's messages staff may put in its story: the approved replies, live or imported, and
    the host's messages, in the order they were posted."""
    return (
        event.messages.filter(Q(status=ChatMessage.Status.APPROVED) | Q(by_host=True))
        .exclude(status__in=NOT_SHOWN)
        .select_related("question", "response", "comment")
    )


class StoryQuerySet(models.QuerySet):
    def published(self):
        """The stories the public may read."""
        return self.filter(published_at__isnull=False)


class Story(models.Model):
    """One per event. Nothing of it is public until it is published; from then on each change is
    public at once, and recorded (StoryEdit)."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="story")
    title = models.CharField(
        max_length=TITLE_MAX_LENGTH, validators=[text_rules.check_name, text_rules.check_not_blank]
    )
    introduction = models.TextField(blank=True, validators=[text_rules.check_long_text])
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        permissions = [("edit_story", "Can make, edit and publish the story of an event")]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.published_at is not None


class StoryItemQuerySet(models.QuerySet):
    def public(self):
        """What the public may see of a story: the staff's headings and linking text, the host's
        messages not taken down, and the replies whose answer is still published
        (Comment.objects.published()) with its words not removed at the respondent's request. A reply
        rejected, withdrawn or erased afterwards leaves the story by itself. Every public rendering of
        a story, and its preview, reads items through this method and no other."""
        from guidance.privacy.retention import REMOVED_TEXT
        from guidance.responses.models import Comment

        shown = ~Q(message__status__in=NOT_SHOWN)
        published = Q(message__comment__in=Comment.objects.published()) & ~Q(message__comment__text=REMOVED_TEXT)
        return self.filter(
            ~Q(kind=StoryItem.Kind.MESSAGE)
            | (shown & Q(message__by_host=True))
            | (shown & Q(message__by_host=False, message__status=ChatMessage.Status.APPROVED) & published)
        )


class StoryItem(models.Model):
    """One part of a story, in its place: a heading, a short linking text, or one of the event's
    messages; each sits under a question of the consultation (or none)."""

    class Kind(models.TextChoices):
        HEADING = "heading", "Heading"
        TEXT = "text", "Linking text"
        MESSAGE = "message", "Message"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind)
    text = models.TextField(blank=True, validators=[text_rules.check_long_text])
    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = StoryItemQuerySet.as_manager()

    class Meta:
        ordering = ["story", "position"]
        constraints = [
            models.UniqueConstraint(fields=["story", "position"], name="storyitem_position_unique"),
            models.UniqueConstraint(
                fields=["story", "message"], condition=Q(message__isnull=False), name="storyitem_message_once"
            ),
            models.CheckConstraint(
                condition=Q(kind="message", message__isnull=False) | (~Q(kind="message") & Q(message__isnull=True)),
                name="storyitem_message_only_for_messages",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.position}"

    @property
    def is_message(self):
        return self.kind == self.Kind.MESSAGE

    @property
    def shown_text(self):
        """The words shown: a reply's as its answer now reads (redacted by a moderator, say), the
        host's and the staff's as written."""
        if self.is_message:
            comment = self.message.comment
            return comment.text if comment is not None and comment.text else self.message.text
        return self.text

    @property
    def shown_name(self):
        """Who said it, by the rule of the published responses (by_respondent.name_to_publish): by the
        name they gave in the chat only if they chose to publish with their name (and it was not
        erased since); otherwise "Anonymous"."""
        from guidance.moderation.by_respondent import name_to_publish

        message = self.message
        if message.by_host:
            return message.display_name or "Host"
        named = name_to_publish(message.response) if message.response is not None else None
        if named is None:
            return "Anonymous"
        return message.display_name or named


class StoryEdit(models.Model):
    """A change made to a story after it was published: who, when and what, in a line the public
    reads too (never a participant's name)."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="edits")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    change = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return self.change

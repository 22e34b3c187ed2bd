"""Making and changing an event's story, each change one function in one transaction, with the
story's row locked so two members of staff editing at once take turns. Once the story is published
each change is public at once and recorded (StoryEdit) in a line the public reads too.

A refused change raises StoryRefused with a message to show as it is; nothing is saved.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guidance.responses import text as text_rules
from guidance.stories.models import (
    HEADING_MAX_LENGTH,
    INTRODUCTION_MAX_LENGTH,
    LINKING_TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Story,
    StoryEdit,
    StoryItem,
    addable_messages,
)

# Positions are moved out of the way and back in two updates, because the database checks that
# no two items share a place row by row, not at the end of the statement.
OUT_OF_THE_WAY = 1_000_000
MAX_LENGTHS = {StoryItem.Kind.HEADING: HEADING_MAX_LENGTH, StoryItem.Kind.TEXT: LINKING_TEXT_MAX_LENGTH}


class StoryRefused(Exception):
    """A change that cannot be made; its message says why, in words to show staff."""


def _checked(value, *, what, max_length, one_line=False, required=True):
    """The text tidied, or StoryRefused saying what is wrong with it."""
    value = text_rules.tidy(value or "") if one_line else (value or "").strip()
    if required and text_rules.is_blank(value):
        raise StoryRefused(f"Enter the {what}.")
    if len(value) > max_length:
        raise StoryRefused(f"The {what} must be {max_length:,} characters or fewer; it has {len(value):,}.")
    try:
        (text_rules.check_name if one_line else text_rules.check_long_text)(value)
    except ValidationError as error:
        raise StoryRefused(f"The {what}: {' '.join(error.messages)}") from None
    return value


def _locked(story):
    return Story.objects.select_for_update().get(pk=story.pk)


def _changed(story, by, change):
    """The story was changed: its time moves on and, once it is published, the change is recorded."""
    now = timezone.now()
    Story.objects.filter(pk=story.pk).update(updated_at=now)
    story.updated_at = now
    if story.is_published:
        StoryEdit.objects.create(story=story, at=now, by=by, change=change[:300])


def _item_words(item):
    if item.kind == StoryItem.Kind.HEADING:
        return f"the heading “{item.text[:80]}”"
    if item.kind == StoryItem.Kind.TEXT:
        return "a linking text"
    if item.message.by_host:
        return "a message from the host"
    return f"a message{f' on {item.message.question.number}' if item.message.question_id else ''}"


def _shift(story, from_position, step):
    """Every item at from_position or after moves `step` places (1 or -1)."""
    later = StoryItem.objects.filter(story=story, position__gte=from_position)
    later.update(position=F("position") + OUT_OF_THE_WAY)
    StoryItem.objects.filter(story=story, position__gte=OUT_OF_THE_WAY).update(
        position=F("position") - OUT_OF_THE_WAY + step
    )


def _settle_question(story, item):
    """A heading or linking text sits under the question of the item after it (at the end, of the
    item before it): it introduces, or leads into, what follows."""
    if item.kind == StoryItem.Kind.MESSAGE:
        return
    items = StoryItem.objects.filter(story=story).exclude(pk=item.pk)
    neighbour = (
        items.filter(position__gt=item.position).order_by("position").first()
        or items.filter(position__lt=item.position).order_by("-position").first()
    )
    question_id = neighbour.question_id if neighbour else None
    if item.question_id != question_id:
        item.question_id = question_id
        item.save(update_fields=["question"])


def start_story(event, *, by):
    """The event's story, made (titled after the event) if it has none yet."""
    with transaction.atomic():
        story, _ = Story.objects.get_or_create(
            event=event, defaults={"title": event.title[:TITLE_MAX_LENGTH], "created_by": by}
        )
        return story


def change_details(story, *, title, introduction, by):
    title = _checked(title, what="title", max_length=TITLE_MAX_LENGTH, one_line=True)
    introduction = _checked(introduction, what="introduction", max_length=INTRODUCTION_MAX_LENGTH, required=False)
    with transaction.atomic():
        story = _locked(story)
        changes = []
        if title != story.title:
            changes.append("the title")
        if introduction != story.introduction:
            changes.append("the introduction")
        if not changes:
            return story
        story.title, story.introduction = title, introduction
        story.save(update_fields=["title", "introduction"])
        _changed(story, by, f"Changed {' and '.join(changes)}")
        return story


def add_message(story, message_id, *, by):
    """Put one of the event's messages in the story: after the last item under its question, or at
    the end. Returns the item."""
    with transaction.atomic():
        story = _locked(story)
        message = addable_messages(story.event).filter(pk=message_id).first()
        if message is None:
            raise StoryRefused(
                "That message cannot be added: it is not an approved message of this event, or it was taken down."
            )
        if StoryItem.objects.filter(story=story, message=message).exists():
            raise StoryRefused("That message is in the story already.")
        items = StoryItem.objects.filter(story=story)
        last = (
            items.filter(question_id=message.question_id).order_by("-position").first() if message.question_id else None
        )
        if last is None:
            position = (items.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        else:
            position = last.position + 1
            _shift(story, position, 1)
        item = StoryItem.objects.create(
            story=story, position=position, kind=StoryItem.Kind.MESSAGE, message=message, question=message.question
        )
        _changed(story, by, f"Added {_item_words(item)}")
        return item


def add_words(story, *, kind, text, position, by):
    """Put a heading or a linking text at a position (1 for the top; one past the last for the end),
    the items from there on moving down one. Returns the item."""
    if kind not in MAX_LENGTHS:
        raise StoryRefused("Choose a heading or a linking text.")
    what = "heading" if kind == StoryItem.Kind.HEADING else "linking text"
    text = _checked(text, what=what, max_length=MAX_LENGTHS[kind], one_line=kind == StoryItem.Kind.HEADING)
    with transaction.atomic():
        story = _locked(story)
        count = StoryItem.objects.filter(story=story).count()
        if position is None or not 1 <= position <= count + 1:
            raise StoryRefused(f"Choose where to put the {what}: a place from 1 to {count + 1}.")
        _shift(story, position, 1)
        item = StoryItem.objects.create(story=story, position=position, kind=kind, text=text)
        _settle_question(story, item)
        _changed(story, by, f"Added {_item_words(item)}")
        return item


def _item(story, item_id):
    item = StoryItem.objects.filter(story=story, pk=item_id).select_related("message__question").first()
    if item is None:
        raise StoryRefused("That item is not in this story (it may have been removed already).")
    return item


def move(story, item_id, *, up, by):
    """Swap an item with the one above it (up) or below it."""
    with transaction.atomic():
        story = _locked(story)
        item = _item(story, item_id)
        items = StoryItem.objects.filter(story=story)
        other = (
            items.filter(position__lt=item.position).order_by("-position")
            if up
            else items.filter(position__gt=item.position).order_by("position")
        ).first()
        if other is None:
            raise StoryRefused(f"That item is at the {'top' if up else 'end'} of the story already.")
        mine, theirs = item.position, other.position
        StoryItem.objects.filter(pk=item.pk).update(position=0)
        StoryItem.objects.filter(pk=other.pk).update(position=mine)
        StoryItem.objects.filter(pk=item.pk).update(position=theirs)
        item.position, other.position = theirs, mine
        _settle_question(story, item)
        _settle_question(story, other)
        _changed(story, by, f"Moved {_item_words(item)} {'up' if up else 'down'}")
        return item


def remove(story, item_id, *, by):
    """Take an item out of the story (a message stays a message of the event, and can be added again)."""
    with transaction.atomic():
        story = _locked(story)
        item = _item(story, item_id)
        words = _item_words(item)
        item.delete()
        _shift(story, item.position + 1, -1)
        _changed(story, by, f"Removed {words}")


def publish(story, *, by):
    """Make the story public. From now on every change is public at once, and recorded."""
    with transaction.atomic():
        story = _locked(story)
        if story.is_published:
            raise StoryRefused("The story is published already: changes to it are public at once.")
        if not StoryItem.objects.filter(story=story).exists():
            raise StoryRefused("Add at least one message to the story before publishing it.")
        story.published_at = story.updated_at = timezone.now()
        story.published_by = by
        story.save(update_fields=["published_at", "published_by", "updated_at"])
        return story

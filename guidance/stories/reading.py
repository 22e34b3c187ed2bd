"""A story as the public reads it, for its public page and for the staff's preview of it alike."""

from guidance.stories.models import StoryItem


def public_items(story):
    """The story's parts the public may see (StoryItem.objects.public()), in their order, each with
    what its page shows read in the same query."""
    return list(
        StoryItem.objects.public()
        .filter(story=story)
        .select_related("question", "message__response", "message__comment")
        .order_by("position")
    )


def story_context(story):
    event = story.event
    return {
        "story": story,
        "event": event,
        "consultation": event.consultation,
        "items": public_items(story),
        "edits": list(story.edits.all()),
    }

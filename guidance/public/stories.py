"""The story of an event, once staff publish it (guidance/stories/): not found before, but through the
staff's preview (guidance/staff/stories.py). Not kept in the per-process cache: a reply whose answer
stops being published leaves the story at the next view, with nothing to invalidate."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from guidance.events.models import Event
from guidance.public.reading import shown_to, visit
from guidance.stories.models import Story
from guidance.stories.reading import story_context


def story(request, slug, event):
    access, _ = visit(request, slug)
    event = get_object_or_404(Event, consultation=access.consultation, slug=event)
    story = Story.objects.published().filter(event=event).first()
    if story is None:
        raise Http404("This event's story is not published.")
    event.consultation = access.consultation
    story.event = event
    return shown_to(access, render(request, "guidance/story.html", {**story_context(story), "access": access}))

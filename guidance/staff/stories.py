"""The story editor: making an event's story from its approved messages (guidance/stories/), in the
admin. Every change is a form posted to its own address that acts (a domain function in
guidance/stories/editing.py) and comes back to the editor, so it all works without JavaScript; a form
with a mistake shows the editor again with the mistake marked (400). The preview is the public page
itself, rendered for staff under a banner, never kept.

Needs roles.EDIT_STORIES (Consultation managers).
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from guidance.events.models import Event
from guidance.models import Comment, Consultation, Response
from guidance.privacy.personal_data import may_see_personal_data
from guidance.privacy.retention import REMOVED_TEXT
from guidance.public.visitors import for_this_visitor_only
from guidance.responses.text import whole_number
from guidance.staff import roles
from guidance.staff.site import staff_page
from guidance.staff.story_forms import StoryDetailsForm, StoryWordsForm
from guidance.stories import editing
from guidance.stories.models import Story, StoryItem, addable_messages
from guidance.stories.reading import story_context

EDITOR = "admin:guidance_event_story"


def _event(event_id):
    return get_object_or_404(Event.objects.select_related("consultation"), pk=event_id)


def _story(event):
    story = Story.objects.filter(event=event).first()
    if story is None:
        raise editing.StoryRefused("This event has no story yet: make it first.")
    story.event = event
    return story


def why_not_public(item):
    """Why a message in the story does not show to the public now, in words; None if it shows."""
    message = item.message
    if message.status in (message.Status.REJECTED, message.Status.TAKEN_DOWN):
        return f"Not shown: the message was {message.get_status_display().lower()} in the chat."
    if message.by_host:
        return None
    comment = message.comment
    if comment is None:
        return "Not shown: the message has no answer recorded in a response."
    if comment.status == Comment.Status.PENDING:
        return "Not shown yet: its answer is waiting for a moderator."
    if comment.status == Comment.Status.WITHDRAWN:
        return "Not shown: the person who wrote it withdrew it."
    if comment.status != Comment.Status.APPROVED:
        return f"Not shown: its answer was {comment.get_status_display().lower()}."
    if comment.response.consent == Response.Consent.DO_NOT_PUBLISH:
        return "Not shown: the person who wrote it asked us not to publish it."
    if comment.text == REMOVED_TEXT:
        return "Not shown: its words were removed at the request of the person who wrote it."
    return None


def _label(item):
    if item.kind == StoryItem.Kind.MESSAGE:
        return f"{item.shown_name}: {item.shown_text[:40]}"
    return item.text[:50]


def _editor(request, event, story, *, details_form=None, words_form=None, status=200):
    items = list(
        StoryItem.objects.filter(story=story).select_related(
            "question", "message__question", "message__response", "message__comment__response"
        )
    )
    public = set(StoryItem.objects.public().filter(story=story).values_list("pk", flat=True))
    for item in items:
        item.hidden_because = None if item.pk in public else why_not_public(item)
    in_story = {item.message_id for item in items if item.message_id}
    groups = []
    for message in sorted(
        addable_messages(event), key=lambda m: (m.question.position if m.question else 10**6, m.posted_at, m.pk)
    ):
        if not groups or groups[-1][0] != message.question:
            groups.append((message.question, []))
        groups[-1][1].append(message)
    return staff_page(
        request,
        "admin/guidance/story_editor.html",
        {
            "title": f"Story: {event}",
            "consultation": event.consultation,
            "event": event,
            "story": story,
            "items": items,
            "groups": groups,
            "in_story": in_story,
            "details_form": details_form
            or StoryDetailsForm(initial={"title": story.title, "introduction": story.introduction}),
            "words_form": words_form or StoryWordsForm(items=[(item, _label(item)) for item in items]),
            "edits": story.edits.select_related("by"),
            "may_see_names": may_see_personal_data(request.user),
            "public_url": reverse("guidance:event_story", args=[event.consultation.slug, event.slug])
            if story.is_published
            else "",
        },
        status=status,
    )


@permission_required(roles.EDIT_STORIES, raise_exception=True)
def overview(request, consultation_id):
    """The consultation's events, each with its story or the button to make it."""
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    events = consultation.events.select_related("story").order_by("starts_at")
    return staff_page(
        request,
        "admin/guidance/stories.html",
        {"title": f"Stories of the events: {consultation}", "consultation": consultation, "events": events},
    )


@permission_required(roles.EDIT_STORIES, raise_exception=True)
def editor(request, event_id):
    event = _event(event_id)
    story = Story.objects.filter(event=event).first()
    if story is None:
        return staff_page(
            request,
            "admin/guidance/story_start.html",
            {
                "title": f"Story: {event}",
                "consultation": event.consultation,
                "event": event,
                "message_count": addable_messages(event).count(),
            },
        )
    story.event = event
    return _editor(request, event, story)


@require_POST
@permission_required(roles.EDIT_STORIES, raise_exception=True)
def start(request, event_id):
    event = _event(event_id)
    editing.start_story(event, by=request.user)
    return redirect(EDITOR, event.pk)


def _acted(request, event, act):
    """Run a change; a refusal is shown on the editor, as the result of the change would be."""
    try:
        done = act(_story(event))
    except editing.StoryRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if done:
            messages.success(request, done)
    return redirect(EDITOR, event.pk)


@require_POST
@permission_required(roles.EDIT_STORIES, raise_exception=True)
def details(request, event_id):
    event = _event(event_id)
    try:
        story = _story(event)
    except editing.StoryRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(EDITOR, event.pk)
    form = StoryDetailsForm(request.POST)
    if form.is_valid():
        try:
            editing.change_details(story, **form.cleaned_data, by=request.user)
        except editing.StoryRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The title and introduction are saved.")
            return redirect(EDITOR, event.pk)
    return _editor(request, event, story, details_form=form, status=400)


@require_POST
@permission_required(roles.EDIT_STORIES, raise_exception=True)
def add_words(request, event_id):
    event = _event(event_id)
    try:
        story = _story(event)
    except editing.StoryRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(EDITOR, event.pk)
    items = [(item, _label(item)) for item in StoryItem.objects.filter(story=story).select_related("message")]
    form = StoryWordsForm(request.POST, items=items)
    if form.is_valid():
        try:
            item = editing.add_words(story, **form.cleaned_data, by=request.user)
        except editing.StoryRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"The {item.get_kind_display().lower()} is in the story, at {item.position}.")
            return redirect(EDITOR, event.pk)
    return _editor(request, event, story, words_form=form, status=400)


@require_POST
@permission_required(roles.EDIT_STORIES, raise_exception=True)
def add_message(request, event_id):
    event = _event(event_id)
    message_id = whole_number(request.POST.get("message", ""))

    def act(story):
        if message_id is None:
            raise editing.StoryRefused("Choose a message of this event to add.")
        item = editing.add_message(story, message_id, by=request.user)
        return f"The message is in the story, at {item.position}."

    return _acted(request, event, act)


@require_POST
@permission_required(roles.EDIT_STORIES, raise_exception=True)
def move(request, event_id, item_id):
    event = _event(event_id)
    direction = request.POST.get("direction")

    def act(story):
        if direction not in ("up", "down"):
            raise editing.StoryRefused("Choose to move it up or down.")
        item = editing.move(story, item_id, up=direction == "up", by=request.user)
        return f"Moved {direction}, to {item.position}."

    return _acted(request, event, act)


@require_POST
@permission_required(roles.EDIT_STORIES, raise_exception=True)
def remove(request, event_id, item_id):
    event = _event(event_id)

    def act(story):
        editing.remove(story, item_id, by=request.user)
        return "Removed from the story."

    return _acted(request, event, act)


@require_POST
@permission_required(roles.EDIT_STORIES, raise_exception=True)
def publish(request, event_id):
    event = _event(event_id)

    def act(story):
        editing.publish(story, by=request.user)
        return "The story is published. Changes you make from now on are public at once, and listed on it."

    return _acted(request, event, act)


@permission_required(roles.EDIT_STORIES, raise_exception=True)
def preview(request, event_id):
    """The public page as the public sees it (or will, once published), for staff alone."""
    event = _event(event_id)
    story = get_object_or_404(Story, event=event)
    story.event = event
    context = {**story_context(story), "preview": {"editor_url": reverse(EDITOR, args=[event.pk])}}
    return for_this_visitor_only(render(request, "guidance/story.html", context))

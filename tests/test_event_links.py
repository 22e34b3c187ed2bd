"""An event's pages lead to one another: the event page to its chat hour and its story, the chat and
the story back to the event, and the event's staff page to hosting, moderating and its story."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from guidance.models import Event
from guidance.stories import editing
from tests.story_helpers import chat_event


def live_chat(consultation):
    now = timezone.now()
    return Event.objects.create(
        consultation=consultation,
        title="Chat hour",
        slug="chat-hour",
        starts_at=now - datetime.timedelta(minutes=5),
        ends_at=now + datetime.timedelta(minutes=55),
    )


def chat_url(event):
    return reverse("guidance:event_chat", args=[event.consultation.slug, event.slug])


def story_url(event):
    return reverse("guidance:event_story", args=[event.consultation.slug, event.slug])


def test_a_chat_hour_on_now_offers_to_join_the_chat_from_its_page(client, consultation):
    event = live_chat(consultation)
    page = client.get(event.get_absolute_url()).content.decode()
    assert f'href="{chat_url(event)}">Join the chat now' in page
    assert story_url(event) not in page


def test_after_the_hour_the_event_page_links_to_the_chat_record_and_the_published_story(client, consultation):
    event = chat_event(consultation)
    assert story_url(event) not in client.get(event.get_absolute_url()).content.decode()

    story = editing.start_story(event, by=None)
    editing.add_words(story, kind="heading", text="What was said", position=1, by=None)
    editing.publish(story, by=None)
    page = client.get(event.get_absolute_url()).content.decode()
    assert f'href="{chat_url(event)}">Read the chat</a>' in page
    assert f'href="{story_url(event)}">Read the story of this event</a>' in page


def test_a_meeting_elsewhere_has_no_chat_link(client, consultation):
    event = chat_event(consultation)
    Event.objects.filter(pk=event.pk).update(kind=Event.Kind.MEETING)
    assert "event_chat" not in client.get(event.get_absolute_url()).content.decode()
    assert chat_url(event) not in client.get(event.get_absolute_url()).content.decode()


def test_the_chat_and_the_story_link_back_to_the_event(client, consultation):
    event = chat_event(consultation)
    story = editing.start_story(event, by=None)
    editing.add_words(story, kind="heading", text="What was said", position=1, by=None)
    editing.publish(story, by=None)
    for url in [chat_url(event), story_url(event)]:
        assert f'href="{event.get_absolute_url()}"' in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("role_client", "shown", "hidden"),
    [
        ("manager_client", ["Host the chat", "Its story"], ["Moderate the chat"]),
        ("moderator_client", ["Host the chat", "Moderate the chat"], ["Its story"]),
    ],
)
def test_the_event_staff_page_links_to_what_each_role_may_do_with_a_chat_hour(
    request, consultation, role_client, shown, hidden
):
    event = live_chat(consultation)
    page = request.getfixturevalue(role_client).get(reverse("admin:guidance_event_change", args=[event.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    for label in shown:
        assert f">{label}</a>" in text
    for label in hidden:
        assert f">{label}</a>" not in text

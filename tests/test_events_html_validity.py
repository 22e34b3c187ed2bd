"""An event's public pages, in every state a person can meet, are valid HTML as the Nu HTML Checker
sees it (tests/html_validity.py): the event before and after (with notes), the sign-up form with
its mistakes, full, the confirmation (a place, the waiting list, already signed up), the cancel page,
cancelled, a broken link, and the consultation's page listing its events."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from guidance.events import signups
from guidance.models import Event
from tests.html_validity import html_errors
from tests.test_html_validity import checker, page  # noqa: F401  (the checker fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.html]


def test_every_event_page_and_state_is_valid_html(checker, client, consultation):  # noqa: F811
    starts = timezone.now() + datetime.timedelta(days=4)
    event = Event.objects.create(
        consultation=consultation,
        kind=Event.Kind.MEETING,
        title="Workshop & tea",
        slug="workshop",
        description="Two paragraphs.\n\nThe second <b>with markup</b>.",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        place="Leeds Central Library\nCalverley Street",
        link="https://meet.example.org/room",
        accessibility="Step-free access.\nHearing loop.",
        signup_open=True,
        capacity=1,
    )
    past = Event.objects.create(
        consultation=consultation,
        title="Chat hour",
        slug="chat",
        starts_at=timezone.now() - datetime.timedelta(days=3),
        ends_at=timezone.now() - datetime.timedelta(days=3) + datetime.timedelta(hours=1),
        notes="## Said\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        notes_published_at=timezone.now(),
    )
    url = event.get_absolute_url()
    pages = {
        "event": page(client.get(url)),
        "past event with notes": page(client.get(past.get_absolute_url())),
        "consultation with events": page(client.get(consultation.get_absolute_url())),
        "sign-up with mistakes": page(client.post(url, {"name": "", "email": "x", "access_needs": "y" * 1001}), 400),
    }
    pages["confirmed"] = page(client.post(url, {"name": "Ann", "email": "ann@example.org"}, follow=True))
    pages["event full"] = page(client.get(url))
    pages["waiting list"] = page(client.post(url, {"name": "Bo", "email": "bo@example.org"}, follow=True))
    pages["already signed up"] = page(client.post(url, {"name": "Ann", "email": "ann@example.org"}, follow=True))
    signup = event.signups.first()
    cancel = reverse("guidance:event_cancel", args=[consultation.slug, event.slug, signup.token])
    pages["cancel"] = page(client.get(cancel))
    pages["cancelled"] = page(client.post(cancel, follow=True))
    pages["broken cancel link"] = page(client.get(cancel[:-5] + "xxxx/"), 404)
    assert signups.places_left(event) == 0  # the waiting list's first took the place
    # One page broken on purpose: the only one reported, so a checker reporting nothing cannot pass.
    pages["broken on purpose"] = "<!DOCTYPE html><html lang=en><title>t</title><p><div>x</div></p>"
    errors = html_errors(pages)
    assert list(errors) == ["broken on purpose"]

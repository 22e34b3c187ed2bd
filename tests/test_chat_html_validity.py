"""Every page of a chat hour is valid HTML, as the Nu HTML Checker sees it: the chat page before,
during (with messages, with an error, after a reply) and after the hour; the host's screen; the
live queue, moderated first and afterwards (tests/html_validity.py)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guidance.events import chat
from guidance.models import ChatMessage, Event
from tests.factories import ChatHourFactory, QuestionFactory, UserFactory
from tests.html_validity import html_errors
from tests.test_html_validity import checker, page  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.html]


def test_every_chat_page_is_valid_html(checker, consultation):  # noqa: F811
    question = QuestionFactory(consultation=consultation, position=1, text="What <helps> & why?")
    now = timezone.now()
    event = ChatHourFactory(consultation=consultation)
    url = reverse("guidance:event_chat", args=[consultation.slug, event.slug])
    host = UserFactory(moderator=True)
    pages = {}
    participant = Client()
    pages["during, no question"] = page(participant.get(url))
    chat.put_question(event, question, by=host)
    chat.host_says(event, "Welcome <all>.", by=host)
    pages["during, a question put"] = page(participant.get(url))
    pages["during, an error"] = page(participant.post(url, {"reply": ""}), status=400)
    sent = participant.post(
        url,
        {
            "reply": "Breaks.\n\nPlanned ahead.",
            "name": "Ann",
            "respondent_type": "carer",
            "consent": "named",
            "privacy_agreed": "on",
        },
    )
    assert sent.status_code == 302
    pages["during, after a reply"] = page(participant.get(url))

    staff = Client()
    staff.force_login(host)
    pages["host screen"] = page(staff.get(reverse("admin:guidance_event_chat_host", args=[event.pk])))
    pages["queue, a reply waiting"] = page(staff.get(reverse("admin:guidance_event_chat_queue", args=[event.pk])))
    message = ChatMessage.objects.get(by_host=False)
    pages["queue, a rejection without a reason"] = page(
        staff.post(
            reverse("admin:guidance_event_chat_decide", args=[event.pk, message.pk]),
            {"decision": "rejected", "seen_event_id": 0},
        ),
        status=400,
    )
    Event.objects.filter(pk=event.pk).update(moderation=Event.Moderation.AFTER)
    pages["queue, moderated afterwards"] = page(staff.get(reverse("admin:guidance_event_chat_queue", args=[event.pk])))

    Event.objects.filter(pk=event.pk).update(
        starts_at=now + datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=2)
    )
    pages["before"] = page(participant.get(url))
    Event.objects.filter(pk=event.pk).update(
        starts_at=now - datetime.timedelta(hours=2), ends_at=now - datetime.timedelta(hours=1)
    )
    pages["after"] = page(participant.get(url))
    assert html_errors(pages) == {}

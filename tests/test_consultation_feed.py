"""The Atom feed of consultations: an entry when each published consultation opened, came within a
week of its close, closed and had its outcome published, dated when it happened; nothing of a draft
and nothing yet to come; found from the consultations page."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from guidance.consultations.publishing import publish_outcome
from guidance.models import Consultation
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client):
    response = client.get(reverse("guidance:consultation_feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314  (the portal's own feed, in a test)
    assert feed.tag == f"{ATOM}feed"
    return [
        (
            entry.find(f"{ATOM}title").text,
            entry.find(f"{ATOM}id").text,
            datetime.datetime.fromisoformat(entry.find(f"{ATOM}updated").text),
            entry.find(f"{ATOM}link").get("href"),
        )
        for entry in feed.findall(f"{ATOM}entry")
    ]


def at(days):
    return timezone.now() + datetime.timedelta(days=days)


def test_an_open_consultation_has_one_entry_dated_when_it_opened(client):
    consultation = ConsultationFactory(title="Pay for time", opens_at=at(-3), closes_at=at(20), published_at=at(-5))
    [(title, entry_id, updated, link)] = entries(client)
    assert title == "Open for comments: Pay for time"
    assert updated == consultation.opens_at
    assert link == f"http://testserver{consultation.get_absolute_url()}"
    assert entry_id.endswith(f"{consultation.get_absolute_url()}#opened")


def test_closing_soon_closed_and_outcome_published_each_have_an_entry_newest_first(client, manager):
    soon = ConsultationFactory(title="Soon", opens_at=at(-20), closes_at=at(3), published_at=at(-21))
    closed = ConsultationFactory(title="Over", opens_at=at(-40), closes_at=at(-2), published_at=at(-41))
    publish_outcome(closed, by=manager)
    found = entries(client)
    titles = [title for title, *_ in found]
    assert titles == [
        "Outcome published: Over",
        "Closed: Over",
        "Closing soon: Soon",
        "Closing soon: Over",
        "Open for comments: Soon",
        "Open for comments: Over",
    ]
    when = {title: updated for title, _, updated, _ in found}
    assert when["Closing soon: Soon"] == (soon.closes_at - datetime.timedelta(days=7))
    assert when["Closed: Over"] == closed.closes_at
    assert [updated for *_, updated, _ in found] == sorted((updated for *_, updated, _ in found), reverse=True)
    assert len({entry_id for _, entry_id, *_ in found}) == len(found)


def test_a_consultation_published_after_it_opened_is_dated_from_its_publication(client):
    published = at(-1)
    ConsultationFactory(title="Late", opens_at=at(-10), closes_at=at(20), published_at=published)
    [(_, _, updated, _)] = entries(client)
    assert updated == published


def test_nothing_of_a_draft_and_nothing_yet_to_come(client):
    ConsultationFactory(title="Secret", publication=Consultation.Publication.DRAFT, opens_at=at(-3))
    ConsultationFactory(title="Upcoming", opens_at=at(5), closes_at=at(30))
    assert entries(client) == []


def test_the_consultations_page_links_to_its_feed(client):
    html = client.get(reverse("guidance:consultation_list")).content.decode()
    feed = reverse("guidance:consultation_feed")
    alternate = (
        f'<link rel="alternate" type="application/atom+xml" title="Consultations – Consultation portal" href="{feed}">'
    )
    assert alternate in html.split("</head>")[0]
    assert f'href="{feed}"' in html.split("</head>")[1]

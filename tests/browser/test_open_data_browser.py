"""The open data pages in a real browser, at a desk and on a phone: the data dictionary (licence,
downloads, API addresses, every field) and the API's documentation page; axe-core finds nothing.
From the published responses, a visitor finds the downloads and the page saying what they hold."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.factories import CommentFactory, ConsultationFactory, SectionFactory
from tests.journey_helpers import publish

pytestmark = pytest.mark.browser


@pytest.fixture
def consulted(transactional_db):
    consultation = ConsultationFactory(title="Co-producing research")
    section = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    publish(CommentFactory(section=section, text="Pay people for their time."))
    return consultation


def test_from_the_published_responses_to_the_data_dictionary_with_nothing_for_axe(page, live_server, consulted):
    page.goto(live_server.url + reverse("guidance:published", args=[consulted.slug]))
    expect(page.get_by_role("heading", name="Download these responses")).to_be_visible()
    expect(page.get_by_role("link", name="CSV file of these responses")).to_be_visible()
    expect(page.get_by_role("link", name="Open Government Licence v3.0")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="What each column means, and the API").click()
    expect(page.get_by_role("heading", name="Published responses as open data", level=1)).to_be_visible()
    expect(page.get_by_role("rowheader", name="Responding as", exact=True)).to_be_visible()
    assert axe_violations(page) == []


@pytest.mark.parametrize("name", ["open_data", "api_docs"])
def test_the_open_data_pages_on_a_phone_have_nothing_for_axe(phone_page, live_server, consulted, name):
    path = reverse("guidance:open_data", args=[consulted.slug]) if name == "open_data" else reverse("api:docs")
    phone_page.goto(live_server.url + path)
    expect(phone_page.get_by_role("heading", level=1)).to_be_visible()
    assert axe_violations(phone_page) == []

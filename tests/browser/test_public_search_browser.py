"""Searching and filtering the published responses in a real browser, with JavaScript on and off:
the filters go into the address, the results and the counts follow, "Clear filters" shows them
all again, a value not offered is said plainly; axe-core finds nothing on any of it."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, open_page
from tests.factories import CommentFactory, ConsultationFactory, SectionFactory
from tests.journey_helpers import publish, section_url

pytestmark = pytest.mark.browser


@pytest.fixture
def consulted(transactional_db):
    consultation = ConsultationFactory(title="Co-producing research")
    reciprocity = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    power = SectionFactory(document=consultation.document, major=2, title="Power", slug="power")
    publish(CommentFactory(section=reciprocity, text="Pay people for their time."))
    publish(CommentFactory(section=reciprocity, text="Training matters most.", response__respondent_type="carer"))
    publish(CommentFactory(section=power, text="Payment should be prompt."))
    CommentFactory(section=reciprocity, text="Pending payment words.")
    return consultation, reciprocity


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_visitor_searches_filters_and_clears_with_or_without_javascript(browser, live_server, consulted, javascript):
    consultation, reciprocity = consulted
    page = open_page(browser, java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    try:
        # From the section's own page, to its comments.
        page.goto(live_server.url + section_url(reciprocity, consultation))
        page.get_by_role("link", name="Read published comments on this section").click()
        expect(page).to_have_url(re.compile(rf"\?section={reciprocity.pk}$"))
        expect(page.get_by_role("heading", name="2 published comments found")).to_be_visible()
        expect(page.get_by_label("Section", exact=True)).to_have_value(str(reciprocity.pk))
        assert axe_violations(page) == []

        page.get_by_label("Search the comments").fill("payment")
        page.get_by_label("Section", exact=True).select_option(label="All sections")
        page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(r"\?q=payment&section=&respondent_type=$"))
        expect(page.get_by_role("heading", name="1 published comment found")).to_be_visible()
        expect(page.get_by_text("Payment should be prompt.")).to_be_visible()
        expect(page.get_by_text("Pending payment words.")).to_have_count(0)
        # The counts beside each choice follow the search.
        expect(
            page.get_by_label("Section", exact=True).locator("option", has_text="Section 2: Power (1)")
        ).to_have_count(1)
        assert axe_violations(page) == []

        page.get_by_role("link", name="Clear filters").first.click()
        expect(page).to_have_url(live_server.url + reverse("guidance:published", args=[consultation.slug]))
        expect(page.get_by_role("heading", name="3 published comments")).to_be_visible()
        expect(page.get_by_label("Search the comments")).to_have_value("")

        page.goto(live_server.url + reverse("guidance:published", args=[consultation.slug]) + "?section=abc")
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        expect(page.get_by_role("link", name="Choose a section from the list")).to_be_visible()
        assert axe_violations(page) == []
    finally:
        page.context.close()

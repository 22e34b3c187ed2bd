"""The "What changed" page in a real browser: with JavaScript off every text is there under its
heading (the tabs are a list of links to them), with it on the tabs switch; added and removed words
are marked without relying on colour; axe finds nothing either way."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, open_page
from tests.what_changed_helpers import consulted_and_revised, published

pytestmark = pytest.mark.browser


@pytest.fixture
def changed(transactional_db):
    consultation, objects = consulted_and_revised()
    published(consultation)
    return consultation, objects


def what_changed_url(live_server, consultation):
    return live_server.url + reverse("guidance:what_changed", args=[consultation.slug])


def test_without_javascript_every_text_shows_under_its_heading(browser, live_server, changed):
    consultation, _ = changed
    page = open_page(browser, java_script_enabled=False)
    page.goto(what_changed_url(live_server, consultation))
    expect(page).to_have_title(re.compile(r"^What changed – Co-producing research – "))
    block = page.locator("#section-reciprocity")
    for heading in ["Changes", "Consulted text", "New text", "You said", "We did"]:
        expect(block.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(block.get_by_text("Pay people for their time.")).to_be_visible()
    expect(block.get_by_text("Pay people fairly for their time.")).to_be_visible()
    # The tabs are a list of links to the parts below.
    block.get_by_role("link", name="Consulted text").click()
    expect(page).to_have_url(re.compile(r"#consulted-reciprocity$"))
    page.context.close()


def test_added_and_removed_words_are_marked_by_more_than_colour(page, live_server, changed):
    consultation, _ = changed
    page.goto(what_changed_url(live_server, consultation))
    added = page.locator("#section-reciprocity ins").first
    expect(added).to_be_visible()
    assert "underline" in added.evaluate("e => getComputedStyle(e).textDecorationLine")
    # What a screen reader reads: the mark's start and end said in words.
    assert added.text_content() == "Added: fairly end of addition"
    # The key above the sections shows both marks as they appear.
    removed = page.locator("p del.portal-diff__del")
    expect(removed).to_have_text("removed words are struck through")
    assert "line-through" in removed.evaluate("e => getComputedStyle(e).textDecorationLine")


def test_with_javascript_the_tabs_switch_between_the_changes_and_the_texts(page, live_server, changed):
    consultation, _ = changed
    page.goto(what_changed_url(live_server, consultation))
    block = page.locator("#section-reciprocity")
    changes_tab = block.get_by_role("tab", name="Changes")
    expect(changes_tab).to_have_attribute("aria-selected", "true")
    expect(block.locator("#consulted-reciprocity")).to_be_hidden()
    block.get_by_role("tab", name="Consulted text").click()
    expect(block.locator("#consulted-reciprocity")).to_be_visible()
    expect(block.locator("#diff-reciprocity")).to_be_hidden()
    expect(block.get_by_role("tabpanel")).to_contain_text("Pay people for their time.")


def test_a_reader_follows_the_notice_from_a_consulted_section_to_its_changes(page, live_server, changed):
    consultation, objects = changed
    section = reverse("guidance:section", args=[consultation.slug, objects["old"]["training"].slug])
    page.goto(live_server.url + section)
    page.get_by_role("link", name="see what changed").click()
    expect(page).to_have_url(re.compile(r"/what-changed/#section-training$"))
    expect(page.locator("#section-training")).to_contain_text("Split into sections 3. Training researchers")


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_the_pages_pass_axe(browser, live_server, changed, javascript):
    """Without JavaScript: the portal's scripts are refused, so the page is as a browser without
    JavaScript shows it, while axe itself still runs."""
    consultation, objects = changed
    page = open_page(browser, viewport={"width": 1280, "height": 900})
    if not javascript:
        page.route(re.compile(r"\.m?js(\?.*)?$"), lambda route: route.abort())
    failures = {}
    for path in [
        reverse("guidance:what_changed", args=[consultation.slug]),
        reverse("guidance:new_version", args=[consultation.slug]),
        reverse("guidance:draft", args=[consultation.slug]),
        reverse("guidance:section", args=[consultation.slug, objects["old"]["reciprocity"].slug]),
        reverse("guidance:published", args=[consultation.slug]),
        consultation.get_absolute_url(),
    ]:
        page.goto(live_server.url + path)
        if path.endswith("/what-changed/"):
            # Tabs with JavaScript; a list of links to headed parts without.
            expect(page.locator("[role=tablist]")).to_have_count(6 if javascript else 0)
        violations = axe_violations(page)
        if violations:
            failures[path] = violations
    page.context.close()
    assert failures == {}

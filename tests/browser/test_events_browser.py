"""An event's pages in a real browser: the demo's chat hour, its sign-up form (with mistakes, then
sent), the confirmation, the cancel page and its result pass axe-core; and a sign-up made with
JavaScript off."""

import re

import pytest
from django.urls import reverse

from guidance.models import EventSignUp
from tests.browser.conftest import axe_violations, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def checked(page):
    assert axe_violations(page) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], page.url


def event_url(live_server, demo):
    return live_server.url + demo.events.get().get_absolute_url()


def test_the_event_page_sign_up_its_mistakes_confirmation_and_cancelling_pass_axe(page, live_server, demo):
    page.goto(event_url(live_server, demo))
    assert page.locator("h1").inner_text() == "#Qcopro chat hour"
    checked(page)

    page.fill("#id_email", "not an address")
    page.get_by_role("button", name="Sign up").click()
    assert page.title().startswith("Error: ")
    assert "Enter your name" in page.locator(".govuk-error-summary").inner_text()
    checked(page)

    page.fill("#id_name", "Ann Smith")
    page.fill("#id_email", "ann@example.org")
    page.fill("#id_access_needs", "Captions, please")
    page.get_by_role("button", name="Sign up").click()
    assert page.locator("h1").inner_text() == "You are signed up"
    checked(page)

    page.get_by_role("link", name="Cancel your place").click()
    assert page.locator("h1").inner_text() == "Cancel your place"
    checked(page)
    page.get_by_role("button", name="Cancel my place").click()
    assert page.locator("h1").inner_text() == "Your sign-up is cancelled"
    checked(page)
    assert EventSignUp.objects.get().status == "cancelled"


def test_signing_up_works_with_javascript_off(browser, live_server, demo):
    page = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    try:
        page.goto(event_url(live_server, demo))
        page.fill("#id_name", "Bo Lee")
        page.fill("#id_email", "bo@example.org")
        page.get_by_role("button", name="Sign up").click()
        assert page.locator("h1").inner_text() == "You are signed up"
        checked(page)
        signup = EventSignUp.objects.get()
        assert (signup.name, signup.email, signup.status) == ("Bo Lee", "bo@example.org", "confirmed")
        cancel = reverse("guidance:event_cancel", args=[demo.slug, signup.event.slug, signup.token])
        assert re.search(re.escape(cancel), page.content())
    finally:
        page.context.close()

"""Subscribing by email in a real browser, with JavaScript and without: from the consultation's page
to the form (and its errors), "check your email", the link in the email (a button, then the
address's page), the stop link and the page after; a broken link and the limit's page. axe on each."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from guidance.models import Subscriber, Subscription
from tests.browser.conftest import axe_violations, open_page
from tests.journey_helpers import deliver_emails

pytestmark = pytest.mark.browser

CONSULTATION = "/consultations/co-producing-research/"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_subscribe_confirm_and_stop_with_every_page_accessible(browser, live_server, demo, settings, javascript):
    settings.SITE_URL = live_server.url
    failures = {}
    page = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)

    def check(name):
        failures[name] = axe_violations(page)

    page.goto(live_server.url + CONSULTATION)
    page.get_by_role("link", name="Get an email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get emails about consultations")
    check("the form")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what you want to hear about")
    check("the form with mistakes")
    page.get_by_role("radio", name=re.compile("Only this consultation")).check()
    page.get_by_label("Email address").fill("reader@example.org")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check("check your email")

    deliver_emails()
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/subscribe/confirm/\S+/)", message.body)[1]
    page.goto(live_server.url + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your subscription")
    check("confirm: the button")
    assert Subscription.objects.get().confirmed_at is None
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your email subscriptions")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You are subscribed to")
    check("the address's page")
    assert Subscription.objects.get().confirmed_at is not None

    token = Subscriber.objects.get().token
    page.goto(f"{live_server.url}/subscriptions/stop/{token}/")
    check("stop: the button")
    page.get_by_role("button", name="Stop the emails").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You will get no more emails")
    check("stopped")
    assert not Subscriber.objects.exists()

    page.goto(f"{live_server.url}/subscriptions/manage/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    check("a broken link")
    settings.RATE_LIMIT_LINK_REQUESTS_PER_HOUR = 0
    page.goto(live_server.url + "/subscribe/")
    page.get_by_role("radio").first.check()
    page.get_by_label("Email address").fill("reader@example.org")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have asked for a lot of emails")
    check("too many asked")
    page.context.close()
    assert failures == dict.fromkeys(failures, [])

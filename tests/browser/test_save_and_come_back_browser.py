"""Save and come back, in a real browser, through a real mail server run in the test: saving with an
email address delivers the link at once, the link opens the saved form on another device, and
"Lost your link?" sends another. With JavaScript and without, and axe on each new page."""

import re
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from guidance.models import Comment
from tests.browser.conftest import axe_violations, open_page
from tests.journey_helpers import deliver_emails

pytestmark = pytest.mark.browser

CONSULTATION = "/consultations/co-producing-research/"
SECTION = CONSULTATION + "draft/reciprocity/"


class Inbox:
    """An SMTP server's handler that accepts every message and keeps it."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def link(self, live_server):
        body = self.messages[-1].get_payload(decode=True).decode()
        return live_server.url + re.search(r"https?://[^/\s]+(/consultations/\S+/continue/\S+/)", body)[1]


@pytest.fixture
def inbox(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = Inbox()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    yield handler
    server.stop()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_save_with_an_email_address_delivers_the_link_which_opens_the_saved_form_elsewhere(
    browser, live_server, demo, settings, inbox, javascript
):
    settings.SITE_URL = live_server.url
    failures = {}
    phone = open_page(browser, viewport={"width": 375, "height": 812}, is_mobile=True, java_script_enabled=javascript)
    phone.goto(live_server.url + SECTION)
    phone.locator("#id_comment").fill("Half a thought about payment.")
    phone.get_by_label("Email address (optional)").fill("ann@example.org")
    phone.get_by_role("button", name="Save and come back later").click()
    expect(phone.get_by_text("We will email a link to a•••@example.org in the next few minutes.")).to_be_visible()
    failures.update({"saved, link on its way": axe_violations(phone)})
    phone.context.close()

    deliver_emails()
    [message] = inbox.messages
    assert message["To"] == "ann@example.org"
    laptop = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    laptop.goto(inbox.link(live_server))
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Your response")
    laptop.get_by_role("link", name=re.compile("Your comment on section")).click()
    expect(laptop.locator("#id_comment")).to_have_value("Half a thought about payment.")
    laptop.get_by_role("radio", name="Member of the public").check()
    laptop.get_by_role("radio", name="Publish without my name").check()
    laptop.get_by_label("I agree to my response being used as the privacy notice describes").check()
    laptop.get_by_role("button", name="Send comment").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Comment sent")
    assert Comment.objects.get().text == "Half a thought about payment."
    laptop.context.close()

    # Lost the email: another link, asked for by address.
    stranger = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    stranger.goto(live_server.url + CONSULTATION)
    stranger.get_by_role("link", name="get a new link to your response").click()
    failures.update({"lost your link?": axe_violations(stranger)})
    stranger.get_by_label("Email address").fill("not an address")
    stranger.get_by_role("button", name="Send me a link").click()
    expect(stranger.locator(".govuk-error-summary")).to_be_visible()
    failures.update({"lost your link?, bad address": axe_violations(stranger)})
    stranger.get_by_label("Email address").fill("ann@example.org")
    stranger.get_by_role("button", name="Send me a link").click()
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Check your email")
    failures.update({"check your email": axe_violations(stranger)})
    deliver_emails()
    # The link, the receipt for the comment sent, and now the new link, which opens the response.
    assert [message["To"] for message in inbox.messages] == ["ann@example.org"] * 3
    stranger.goto(inbox.link(live_server))
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Your response")
    expect(stranger.get_by_text("Half a thought about payment.")).to_be_visible()
    assert {label: found for label, found in failures.items() if found} == {}
    stranger.context.close()


def test_saving_without_an_address_asks_for_one_first(page, live_server, demo, inbox):
    page.goto(live_server.url + SECTION)
    page.locator("#id_comment").fill("Half a thought.")
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_role("heading", name="Get a link to come back to it")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Email address").fill("ann@example.org")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_text("We will email a link to a•••@example.org in the next few minutes.")).to_be_visible()
    deliver_emails()
    assert [message["To"] for message in inbox.messages] == ["ann@example.org"]

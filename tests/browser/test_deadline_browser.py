"""Deadline night in a real browser: a form opened before the close is accepted after it, within
the grace period; one refused gives the person's words back to copy or email. With JavaScript and
without, and axe on the refusal page."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guidance.models import Comment, Consultation
from tests.browser.conftest import axe_violations, open_page

pytestmark = pytest.mark.browser

SECTION = "/consultations/co-producing-research/draft/reciprocity/"
WORDS = "Typed at 11:58pm: payment should be agreed before the project starts."


def fill_comment(page):
    page.locator("#id_comment").fill(WORDS)
    page.get_by_role("radio", name="Member of the public").check()
    page.get_by_role("radio", name="Publish without my name").check()
    page.get_by_label("I agree to my response being used as the privacy notice describes").check()


def close_now(demo):
    Consultation.objects.filter(pk=demo.pk).update(closes_at=timezone.now())
    demo.refresh_from_db()
    demo.save()  # as staff would: the public pages follow at once


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_form_opened_before_the_close_is_accepted_after_it_within_the_grace_period(
    browser, live_server, demo, javascript
):
    page = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    page.goto(live_server.url + SECTION)
    fill_comment(page)
    close_now(demo)
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment sent")
    assert Comment.objects.get().text == WORDS
    page.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_form_refused_after_the_grace_period_gives_the_words_back(browser, live_server, demo, settings, javascript):
    settings.CLOSE_GRACE_MINUTES = 0
    page = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    page.goto(live_server.url + SECTION)
    fill_comment(page)
    close_now(demo)
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This consultation has closed")
    expect(page.get_by_label("Copy your text from here and keep it")).to_have_value("Your comment:\n" + WORDS)
    mailto = page.get_by_role("link", name="Start an email with your text in it").get_attribute("href")
    assert mailto.startswith("mailto:") and "payment%20should%20be%20agreed" in mailto
    assert axe_violations(page) == []
    assert not Comment.objects.exists()
    page.context.close()

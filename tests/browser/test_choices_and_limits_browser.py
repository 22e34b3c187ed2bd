"""A person pastes 12,000 characters into a box that takes 10,000: nothing is cut off, the limit is
said (and, with JavaScript, the count shows how far over they are), sending is refused with an error
giving the limit, and the whole text is still in the box to shorten. A choice-only answer is then
shown as its choice on the confirmation and the response's page. With JavaScript and without, and
axe on each of these states."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from guidance.models import Comment
from tests.browser.conftest import axe_violations, open_page
from tests.browser.test_respondent_journey import QUESTIONS, SECTION, fill_details

pytestmark = pytest.mark.browser

PASTE = ("A long paste about payment. " * 500)[:12_000]


def axe_without_javascript(browser, page):
    """axe on a page as a browser without JavaScript shows it. axe is a script, and scripts do not
    run there: the same HTML, at the same address, is loaded into a page that runs scripts but
    whose own are blocked, so it looks as it does without JavaScript, with its styles."""
    html, url = page.content(), page.url
    context = browser.new_context(viewport=page.viewport_size)
    context.route("**/*.js", lambda route: route.abort())
    context.route(lambda address: address == url, lambda route: route.fulfill(body=html, content_type="text/html"))
    copy = context.new_page()
    copy.goto(url)
    expect(copy).to_have_title(page.title())
    expect(copy.locator("body.js-enabled")).to_have_count(0)
    violations = axe_violations(copy)
    context.close()
    return violations


def check_axe(page, failures, label, javascript=True):
    violations = axe_violations(page) if javascript else axe_without_javascript(page.context.browser, page)
    if violations:
        failures[label] = violations


def count_shown(page, box_id):
    """What the character count under a box says, as a sighted person reads it."""
    return page.locator(f"#div_{box_id} .govuk-character-count__status")


def paste(page, box, text):
    """As a paste does: the whole text inserted at once where the cursor is (a maxlength attribute
    would cut it, as it cuts a real paste)."""
    box.click()
    page.keyboard.insert_text(text)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_12000_character_paste_is_kept_whole_counted_and_refused_saying_the_limit(
    browser, live_server, demo, javascript
):
    page = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    failures = {}
    page.goto(live_server.url + SECTION)
    box = page.locator("#id_comment")
    expect(box).not_to_have_attribute("maxlength", re.compile(".*"))
    if javascript:
        expect(count_shown(page, "id_comment")).to_have_text("You have 10,000 characters remaining")
    else:
        expect(page.get_by_text("You can enter up to 10,000 characters")).to_be_visible()
    paste(page, box, PASTE)
    assert len(box.input_value()) == 12_000
    if javascript:
        expect(count_shown(page, "id_comment")).to_have_text("You have 2,000 characters too many")
        check_axe(page, failures, "a comment 2,000 characters over, counted as typed")
    fill_details(page)
    page.get_by_role("button", name="Send comment").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    message = "Your comment must be 10,000 characters or fewer: you have written 12,000."
    expect(summary.get_by_role("link", name=re.compile(re.escape(message)))).to_be_visible()
    expect(page.locator("#id_comment_1_error")).to_have_text(
        f"Error: {message} Shorten it, or send the rest in another comment"
    )
    box = page.locator("#id_comment")
    assert box.input_value() == PASTE
    if javascript:
        expect(count_shown(page, "id_comment")).to_have_text("You have 2,000 characters too many")
    else:
        expect(page.get_by_text("You can enter up to 10,000 characters")).to_be_visible()
    check_axe(page, failures, "the comment refused, its whole text kept", javascript)
    assert not Comment.objects.exists()

    # Shortened to the limit, it goes.
    box.fill(PASTE[:10_000])
    if javascript:
        expect(count_shown(page, "id_comment")).to_have_text("You have 0 characters remaining")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment sent")
    assert len(Comment.objects.get().text) == 10_000

    # The questions: "Other" over its limit of 500 is refused the same way, its words kept.
    page.goto(live_server.url + QUESTIONS)
    page.get_by_role("button", name="Send answers").click()
    expect(page.locator("#your-answers .govuk-error-message")).to_have_text("Error: Answer at least one question")
    check_axe(page, failures, "no question answered: the error on the questions together", javascript)
    q2 = page.get_by_role("textbox", name=re.compile(r"Q2\. "))
    paste(page, q2, PASTE)
    page.get_by_role("button", name="Send answers").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Your answer to question 2 must be 10,000 characters or fewer: you have written 12,000."
    )
    assert page.get_by_role("textbox", name=re.compile(r"Q2\. ")).input_value() == PASTE
    check_axe(page, failures, "an answer refused, its whole text kept", javascript)

    # A choice and nothing else: the confirmation and the response's page show it.
    page.get_by_role("textbox", name=re.compile(r"Q2\. ")).fill("")
    page.get_by_role("group", name=re.compile(r"Q1\. ")).get_by_label("Partly").check()
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Answers sent")
    answer = page.locator(".portal-response-item", has_text="Answer to Q1")
    expect(answer.locator(".portal-answer__choice")).to_have_text("Answer: Partly")
    expect(answer.locator(".portal-answer__text")).to_have_count(0)
    check_axe(page, failures, "the confirmation, a choice-only answer", javascript)
    page.goto(live_server.url + reverse("guidance:your_response", args=[demo.slug]))
    expect(
        page.locator(".portal-response-item", has_text="Answer to Q1").locator(".portal-answer__choice")
    ).to_have_text("Answer: Partly")
    check_axe(page, failures, "your response, a choice-only answer", javascript)
    page.goto(live_server.url + QUESTIONS)
    expect(page.locator(".govuk-summary-list__value", has_text="Answer: Partly")).to_be_visible()
    page.context.close()
    assert failures == {}

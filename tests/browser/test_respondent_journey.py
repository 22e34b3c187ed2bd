"""A person starts on a phone and finishes on a laptop, under one reference: comments, answers,
saves, comes back by the emailed link in a fresh browser, sees what the moderators decided, changes
a comment and withdraws an answer; with JavaScript and without. And axe on every page of it."""

import datetime
import re

import pytest
from django.core import mail
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from guidance.mail.notifications import unsubscribe_path
from guidance.models import Comment, Consultation, Response
from guidance.moderation.decisions import decide
from guidance.responses import respondents
from tests.browser.conftest import axe_violations, open_page
from tests.journey_helpers import deliver_emails

pytestmark = pytest.mark.browser

SECTION = "/consultations/co-producing-research/draft/reciprocity/"
QUESTIONS = "/consultations/co-producing-research/questions/"
YOUR_RESPONSE = "/consultations/co-producing-research/your-response/"


def fill_details(page):
    page.get_by_label("Your name (optional)").fill("Ann Smith")
    page.get_by_label("Email address (optional)").fill("ann@example.org")
    page.get_by_label("Email me when my comments are published or not").check()
    page.get_by_role("radio", name="Carer", exact=True).check()
    page.get_by_role("radio", name="Publish with my name").check()
    page.get_by_label("I agree to my response being used as the privacy notice describes").check()


def emailed_link(live_server):
    deliver_emails()
    body = mail.outbox[-1].body
    return live_server.url + re.search(r"https?://[^/\s]+(/consultations/\S+/continue/\S+/)", body)[1]


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_start_on_a_phone_finish_on_a_laptop_see_what_happened_change_and_withdraw(
    browser, live_server, demo, settings, javascript
):
    settings.SITE_URL = live_server.url
    phone = open_page(browser, viewport={"width": 375, "height": 812}, is_mobile=True, java_script_enabled=javascript)
    # On the phone: a comment on a section, sent.
    phone.goto(live_server.url + SECTION)
    phone.locator("#id_comment").fill("Payment should be planned from the start.")
    fill_details(phone)
    phone.get_by_role("button", name="Send comment").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Comment sent")
    reference = Response.objects.get().reference
    expect(phone.locator(".portal-reference")).to_have_text(reference)
    # Then the questions, begun and saved to finish later.
    phone.goto(live_server.url + QUESTIONS)
    phone.get_by_role("textbox", name=re.compile(r"Q2\. ")).fill("Funding rules")
    phone.get_by_role("button", name="Save and come back later").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your response")
    expect(phone.get_by_text("Your answers are saved but not sent.")).to_be_visible()
    expect(phone.get_by_text(reference)).to_be_visible()
    phone.get_by_label("Email address").fill("ann@example.org")
    phone.get_by_role("button", name="Email me a link").click()
    expect(phone.get_by_text("We will email a link to a•••@example.org")).to_be_visible()
    phone.context.close()

    # On the laptop, a browser that has never seen the portal: the link from the email.
    laptop = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    laptop.goto(emailed_link(live_server))
    expect(laptop).to_have_url(live_server.url + YOUR_RESPONSE)
    expect(laptop.get_by_text(reference)).to_be_visible()
    expect(laptop.get_by_text("Waiting for a moderator")).to_be_visible()
    laptop.get_by_role("link", name="Your answers to the questions").click()
    q2 = laptop.get_by_role("textbox", name=re.compile(r"Q2\. "))
    expect(q2).to_have_value("Funding rules")
    q2.fill("Funding rules and short contracts.")
    laptop.get_by_role("textbox", name=re.compile(r"Q5\. ")).fill("Research that misses what matters.")
    laptop.get_by_role("button", name="Send answers").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Answers sent")
    expect(laptop.locator(".portal-reference").first).to_have_text(reference)
    expect(laptop.get_by_text("Everything you have sent under this reference")).to_be_visible()
    expect(laptop.locator(".portal-response-item")).to_have_count(3)
    assert Response.objects.count() == 1

    # Moderators decide: the comment published, one answer not published.
    decide(Comment.objects.filter(section__isnull=False), "approved", by=None)
    decide(Comment.objects.filter(text__startswith="Research"), "rejected", by=None, reason_code="off_topic")
    laptop.goto(live_server.url + YOUR_RESPONSE)
    comment_item = laptop.locator(".portal-response-item", has_text="Payment should be planned")
    expect(comment_item.get_by_text("Published", exact=True)).to_be_visible()
    rejected_item = laptop.locator(".portal-response-item", has_text="Research that misses")
    expect(rejected_item.get_by_text("Not published")).to_be_visible()
    expect(rejected_item.get_by_text("It was not about the draft or the consultation's questions.")).to_be_visible()

    # Change the published comment: back to a moderator, both texts kept.
    comment_item.get_by_role("link", name=re.compile("^Change")).click()
    laptop.locator("#id_comment").fill("Payment should be planned and budgeted from the start.")
    laptop.get_by_role("button", name="Save the change").click()
    expect(laptop.get_by_text("A moderator will read the new text before it is published again.")).to_be_visible()
    comment = Comment.objects.get(section__isnull=False)
    assert comment.status == "pending"
    assert comment.events.get(by_respondent=True).earlier_text == "Payment should be planned from the start."

    # Withdraw the answer that was not published.
    laptop.locator(".portal-response-item", has_text="Research that misses").get_by_role(
        "link", name=re.compile("^Withdraw")
    ).click()
    laptop.get_by_role("button", name="Withdraw it").click()
    expect(laptop.get_by_text("Your answer is withdrawn.")).to_be_visible()
    expect(
        laptop.locator(".portal-response-item", has_text="Research that misses").get_by_text("Withdrawn")
    ).to_be_visible()
    assert Comment.objects.get(text__startswith="Research").status == "withdrawn"
    assert set(Comment.objects.values_list("response__reference", flat=True)) == {reference}
    laptop.context.close()


def axe_failures(page, failures, label):
    violations = axe_violations(page)
    if violations:
        failures[label] = violations


def test_every_page_of_a_respondents_own_response_and_its_error_states_pass_axe(page, browser, live_server, demo):
    failures = {}
    page.goto(live_server.url + YOUR_RESPONSE)
    axe_failures(page, failures, "no response in this browser")
    # Saved, then the form with its draft, then nothing to save.
    page.goto(live_server.url + SECTION)
    page.locator("#id_comment").fill("Half a thought")
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_text("Your comment on section 5 is saved but not sent.")).to_be_visible()
    axe_failures(page, failures, "saved")
    page.goto(live_server.url + QUESTIONS)
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_text("There is nothing to save yet").first).to_be_visible()
    axe_failures(page, failures, "nothing to save")
    # Sent, in every state.
    page.goto(live_server.url + SECTION)
    page.locator("#id_comment").fill("A whole thought.")
    fill_details(page)
    page.get_by_role("button", name="Send comment").click()
    axe_failures(page, failures, "confirmation listing everything")
    response = Response.objects.get()
    for text in ["Published one.", "Rejected one.", "Withdrawn one."]:
        page.goto(live_server.url + SECTION)
        page.locator("#id_comment").fill(text)
        page.get_by_role("button", name="Send comment").click()
    decide(response.comments.filter(text="Published one."), "approved", by=None)
    decide(response.comments.filter(text="Rejected one."), "spam", by=None)
    withdrawn = response.comments.get(text="Withdrawn one.")
    page.goto(live_server.url + reverse("guidance:withdraw_comment", args=[demo.slug, withdrawn.pk]))
    axe_failures(page, failures, "withdraw a comment")
    page.get_by_role("button", name="Withdraw it").click()
    axe_failures(page, failures, "your response, every state, with a message")
    pending = response.comments.get(text="A whole thought.")
    page.goto(live_server.url + reverse("guidance:change_comment", args=[demo.slug, pending.pk]))
    axe_failures(page, failures, "change a comment")
    page.locator("#id_comment").fill("")
    page.get_by_role("button", name="Save the change").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    axe_failures(page, failures, "change a comment, emptied")
    page.goto(live_server.url + reverse("guidance:response_choices", args=[demo.slug]))
    axe_failures(page, failures, "your choices")
    page.get_by_role("button", name="Save your choices").click()
    expect(page.get_by_text("Your choices are saved.")).to_be_visible()
    axe_failures(page, failures, "choices saved")
    page.goto(live_server.url + YOUR_RESPONSE)
    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    axe_failures(page, failures, "email a link, bad address")
    page.goto(live_server.url + reverse("guidance:withdraw_response", args=[demo.slug]))
    axe_failures(page, failures, "withdraw the whole response")

    # The links refused, each way, and the emails' stop pages.
    other = Consultation.objects.create(
        document=demo.document,
        title="Another",
        slug="another",
        organisation="X",
        summary="Y",
        opens_at=demo.opens_at,
        closes_at=demo.closes_at,
    )
    token = respondents.continue_token(response)
    for label, url in [
        ("link changed by hand", reverse("guidance:continue", args=[demo.slug, token + "x"])),
        ("link for another consultation", reverse("guidance:continue", args=[other.slug, token])),
        ("emails stopped", unsubscribe_path([response.pk])),
        ("stop link changed by hand", unsubscribe_path([response.pk])[:-3] + "x/"),
    ]:
        page.goto(live_server.url + url)
        axe_failures(page, failures, label)
    page.goto(live_server.url + unsubscribe_path([response.pk]))
    page.get_by_role("button", name="Turn the emails back on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emails turned back on")
    axe_failures(page, failures, "emails turned back on")
    respondents.revoke_links(response)
    page.goto(live_server.url + reverse("guidance:continue", args=[demo.slug, token]))
    axe_failures(page, failures, "link stopped")
    # Stopping the links ended this browser's hold too (it was not the one that asked): a new link
    # brings the response back.
    response.refresh_from_db()
    page.goto(live_server.url + respondents.continue_path(response))

    # After the close: read-only, a refused change, an expired link.
    Consultation.objects.filter(pk=demo.pk).update(
        opens_at=timezone.now() - datetime.timedelta(days=7),
        closes_at=timezone.now() - datetime.timedelta(minutes=1),
        content_version=F("content_version") + 1,  # as any change of its dates does
    )
    page.goto(live_server.url + YOUR_RESPONSE)
    expect(page.get_by_text("can no longer be changed or withdrawn")).to_be_visible()
    axe_failures(page, failures, "your response after the close")
    page.goto(live_server.url + reverse("guidance:change_comment", args=[demo.slug, pending.pk]))
    axe_failures(page, failures, "a change refused after the close")
    page.goto(live_server.url + respondents.continue_path(response))
    axe_failures(page, failures, "link expired")
    Consultation.objects.filter(pk=demo.pk).update(
        closes_at=timezone.now() + datetime.timedelta(days=7), content_version=F("content_version") + 1
    )
    page.goto(live_server.url + reverse("guidance:withdraw_response", args=[demo.slug]))
    page.get_by_role("button", name="Withdraw my whole response").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Response withdrawn")
    axe_failures(page, failures, "response withdrawn")
    assert failures == {}

"""Two people at one browser (a library computer): the second never sees the first's details in
full, starts a response of their own, and each gets their own receipt with their own words; the
first's publication choice is left as it was. With JavaScript and without, and axe on each new page."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from guidance.models import Response
from tests.browser.conftest import axe_violations, open_page
from tests.journey_helpers import deliver_emails

pytestmark = pytest.mark.browser

CONSULTATION = "/consultations/co-producing-research/"
RECIPROCITY = CONSULTATION + "draft/reciprocity/"
POWER = CONSULTATION + "draft/sharing-of-power/"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_two_people_on_one_browser_each_keep_their_own_details_response_and_receipt(
    browser, live_server, demo, javascript
):
    page = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    failures = {}

    # Alice, a carer, sends a comment with her name and address, to be published with her name.
    page.goto(live_server.url + RECIPROCITY)
    page.locator("#id_comment").fill("Alice: carers should be paid for their time.")
    page.get_by_label("Your name (optional)").fill("Alice Carer")
    page.get_by_label("Email address (optional)").fill("alice@example.com")
    page.get_by_role("radio", name="Carer", exact=True).check()
    page.get_by_role("radio", name="Publish with my name").check()
    page.get_by_label("I agree to my response being used as the privacy notice describes").check()
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment sent")

    # Bob sits down at the same browser and opens another section: Alice's details only masked.
    page.goto(live_server.url + POWER)
    content = page.content()
    assert "Alice Carer" not in content and "alice@example.com" not in content
    expect(page.get_by_text("a•••@example.com").first).to_be_visible()
    expect(page.get_by_role("button", name="Not you? Start a new response")).to_be_visible()
    failures.update({"form with masked details": axe_violations(page)})

    # He writes his comment, then his own details under "Change your details", and says he is
    # someone else: his words are kept, and nothing of Alice's is left.
    page.locator("#id_comment").fill("Bob: power should be shared from the start.")
    page.get_by_text("Change your details").click()
    page.get_by_label("Your name (optional)").fill("Bob Brown")
    page.get_by_label("Email address (optional)").fill("bob@example.net")
    page.get_by_role("radio", name="No, I am someone else: start a new response for me").check()
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_text("You are starting a new response. Nothing has been sent yet.")).to_be_visible()
    expect(page.locator("#id_comment")).to_have_value("Bob: power should be shared from the start.")
    expect(page.get_by_label("Your name (optional)")).to_have_value("Bob Brown")
    assert "a•••@example.com" not in page.content()
    failures.update({"starting a new response": axe_violations(page)})
    page.get_by_role("radio", name="Member of the public").check()
    page.get_by_role("radio", name="Do not publish").check()
    page.get_by_label("I agree to my response being used as the privacy notice describes").check()
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment sent")

    # Bob finishes and makes the browser forget him.
    page.get_by_role("button", name="Finish and forget me on this device").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This device has forgotten you")
    failures.update({"device forgotten": axe_violations(page)})
    page.goto(live_server.url + POWER)
    assert "b•••@example.net" not in page.content() and "Bob" not in page.content()

    alice, bob = Response.objects.order_by("pk")
    assert (alice.name, alice.email, alice.consent) == ("Alice Carer", "alice@example.com", "named")
    assert (bob.name, bob.email, bob.consent) == ("Bob Brown", "bob@example.net", "private")
    assert [c.text for c in alice.comments.all()] == ["Alice: carers should be paid for their time."]
    assert [c.text for c in bob.comments.all()] == ["Bob: power should be shared from the start."]
    deliver_emails()
    receipts = {message.to[0]: message.body for message in mail.outbox}
    assert set(receipts) == {"alice@example.com", "bob@example.net"}
    assert "Alice: carers" in receipts["alice@example.com"] and "Bob:" not in receipts["alice@example.com"]
    assert "Bob: power" in receipts["bob@example.net"] and "Alice:" not in receipts["bob@example.net"]
    assert {label: found for label, found in failures.items() if found} == {}
    page.context.close()


def test_not_you_starts_afresh_and_the_one_click_actions_ask_first(page, live_server, demo):
    failures = {}
    page.goto(live_server.url + RECIPROCITY)
    page.locator("#id_comment").fill("Mine.")
    page.get_by_label("Email address (optional)").fill("alice@example.com")
    page.get_by_role("radio", name="Carer", exact=True).check()
    page.get_by_role("radio", name="Publish without my name").check()
    page.get_by_label("I agree to my response being used as the privacy notice describes").check()
    page.get_by_role("button", name="Send comment").click()
    page.goto(live_server.url + CONSULTATION + "your-response/")
    page.get_by_role("link", name="stop every link we have sent you from working").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop your links working?")
    failures.update({"stop links?": axe_violations(page)})
    page.get_by_role("link", name="Keep my links").click()
    page.get_by_role("link", name="Forget my response on this device").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forget your response on this device?")
    failures.update({"forget?": axe_violations(page)})
    page.get_by_role("link", name="Cancel").click()
    page.goto(live_server.url + POWER)
    page.get_by_role("button", name="Not you? Start a new response").click()
    expect(page).to_have_url(live_server.url + POWER + "#comment-form")
    assert "a•••@example.com" not in page.content()
    expect(page.get_by_label("Email address (optional)")).to_have_value("")
    assert Response.objects.get().comments.count() == 1  # left as it was
    assert {label: found for label, found in failures.items() if found} == {}

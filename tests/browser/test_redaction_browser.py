"""Redaction in a real browser: a moderator hides a phone number and publishes the rest (with
JavaScript, selecting the number and pressing the button; without it, typing the marker); the
public reads "[redacted]"; a manager allowed personal data reads the original in the history.
axe-core on the redaction page, its error state and the history."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from guidance.models import Comment
from tests.browser.conftest import axe_violations, open_page, sign_in, staff_member
from tests.factories import CommentFactory, ConsultationFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "07700 900123"
WRITTEN = f"Pay carers for their time. My neighbour is on {NUMBER} if you want to ask her."
REDACTED = "Pay carers for their time. My neighbour is on [redacted] if you want to ask her."


@pytest.fixture
def comment(db):
    consultation = ConsultationFactory()
    section = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    return CommentFactory(section=section, text=WRITTEN)


def staff(username, *codenames):
    return staff_member(username, "view_consultation", "view_comment", "view_moderationevent", *codenames)


def open_redaction_page(page, live_server, comment):
    page.goto(live_server.url + reverse("admin:guidance_consultation_moderate", args=[comment.consultation_id]))
    page.get_by_role("link", name="Redact and publish…").click()
    expect(page.get_by_role("heading", name="Redact words and publish")).to_be_visible()


def public_section(page, live_server, comment):
    page.goto(live_server.url + reverse("guidance:section", args=[comment.consultation.slug, comment.section.slug]))
    return page.locator("main").inner_text()


def test_a_moderator_redacts_a_phone_number_and_the_public_and_a_manager_see_what_each_may(
    page, browser, live_server, comment
):
    staff("sam", "moderate_comment")
    sign_in(page, live_server, "sam")
    open_redaction_page(page, live_server, comment)
    assert axe_violations(page) == []
    copy = page.get_by_label("The comment as it will be published")
    expect(copy).to_have_value(WRITTEN)

    # A slip (a word changed as well) is refused, saying where, and nothing is stored.
    copy.fill(REDACTED.replace("Pay carers", "Pay all carers"))
    page.get_by_role("button", name="Redact and publish").click()
    expect(page.locator("#redact-errors")).to_contain_text("The copy changes more than the redacted words")
    expect(page.locator("#redact-errors")).to_be_focused()
    assert axe_violations(page) == []
    assert Comment.objects.get().text == WRITTEN

    # Select the number and replace it with the button JavaScript shows.
    copy.fill(WRITTEN)
    start = WRITTEN.index(NUMBER)
    copy.evaluate("(box, [start, end]) => box.setSelectionRange(start, end)", [start, start + len(NUMBER)])
    page.get_by_role("button", name="Replace the selected words with [redacted]").click()
    expect(copy).to_have_value(REDACTED)
    expect(page.get_by_label("Contains personal information")).to_be_checked()
    page.get_by_label("Details (staff only)").fill("A neighbour's mobile number")
    page.get_by_role("button", name="Redact and publish").click()
    expect(page.locator(".messagelist")).to_contain_text("redacted and published")
    assert (Comment.objects.get().text, Comment.objects.get().status) == (REDACTED, "approved")

    public = open_page(browser)
    text = public_section(public, live_server, comment)
    assert "My neighbour is on [redacted] if you want to ask her." in text and NUMBER not in text
    assert axe_violations(public) == []
    public.context.close()

    manager = open_page(browser)
    staff("morgan", "view_personal_data")
    sign_in(manager, live_server, "morgan")
    manager.goto(live_server.url + reverse("admin:guidance_comment_change", args=[comment.pk]))
    history = manager.locator("#events-group")
    expect(history).to_contain_text("words redacted")
    expect(history).to_contain_text(WRITTEN)
    assert axe_violations(manager) == []
    manager.context.close()

    # The moderator, not allowed personal data, is told the original is kept from them.
    page.goto(live_server.url + reverse("admin:guidance_comment_change", args=[comment.pk]))
    expect(page.locator("#events-group")).to_contain_text("shown only to staff allowed to see personal data")
    expect(page.locator("#events-group")).not_to_contain_text(NUMBER)
    assert axe_violations(page) == []


def test_without_javascript_the_moderator_types_the_marker_in_place_of_the_number(browser, live_server, comment):
    staff("kit", "moderate_comment")
    page = open_page(browser, java_script_enabled=False)
    sign_in(page, live_server, "kit")
    open_redaction_page(page, live_server, comment)
    expect(page.get_by_role("button", name="Replace the selected words with [redacted]")).to_be_hidden()
    page.get_by_label("The comment as it will be published").fill(REDACTED)
    page.get_by_role("button", name="Redact and publish").click()
    expect(page.locator(".messagelist")).to_contain_text("redacted and published")
    assert Comment.objects.get().text == REDACTED
    page.context.close()

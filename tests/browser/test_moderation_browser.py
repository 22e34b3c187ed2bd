"""A moderator works through the queue in a real browser, and the public sees the result."""

import os

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from playwright.sync_api import expect

from guidance.models import Comment
from guidance.moderation import by_respondent
from tests.factories import CommentFactory, ConsultationFactory, SectionFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "moderator-password-for-tests"
TEXTS = {
    "first": "Pay people for their time, not just expenses.",
    "second": "Involve carers from the very start.",
    "rejected": "This is off topic entirely.",
    "waiting": "Still waiting for a decision.",
}


def row_checkbox(page, text):
    return page.locator("#result_list tbody tr", has_text=text).locator("input.action-select")


def sign_in_as_a_moderator(page, live_server):
    moderator = User.objects.create_user("mo", password=PASSWORD, is_staff=True)
    # The Moderator group's permissions, given directly: a transactional test empties the database
    # between tests, and with it the groups the migration made (tests/test_roles.py covers those).
    moderator.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="guidance",
            codename__in=["view_comment", "moderate_comment", "view_moderationevent", "view_report"],
        )
    )
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "mo")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))
    return moderator


def test_a_moderator_approves_two_rejects_one_and_the_section_shows_exactly_the_two(page, live_server):
    consultation = ConsultationFactory()
    section = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    for text in TEXTS.values():
        CommentFactory(section=section, text=text)
    moderator = sign_in_as_a_moderator(page, live_server)
    page.get_by_role("link", name="Comments", exact=True).click()

    page.locator("#changelist-filter").get_by_role("link", name="Pending", exact=True).click()
    page.wait_for_url(live_server.url + reverse("admin:guidance_comment_changelist") + "?status=pending")
    expect(page.locator("#result_list tbody tr")).to_have_count(4)

    row_checkbox(page, TEXTS["first"]).check()
    row_checkbox(page, TEXTS["second"]).check()
    page.select_option("select[name=action]", "approve")
    page.click("button[name=index]")
    assert "2 comments approved." in page.locator("ul.messagelist").inner_text()

    row_checkbox(page, TEXTS["rejected"]).check()
    page.select_option("select[name=action]", "reject")
    page.click("button[name=index]")
    expect(page.get_by_role("heading", name="Reject 1 comment")).to_be_visible()
    page.get_by_label("Off topic").check()
    page.get_by_label("Details").fill("Not about the draft.")
    page.get_by_role("button", name="Reject").click()
    assert "1 comment rejected." in page.locator("ul.messagelist").inner_text()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)

    rejected = Comment.objects.get(text=TEXTS["rejected"])
    assert (rejected.status, rejected.reason_code, rejected.moderated_by) == ("rejected", "off_topic", moderator)

    page.goto(
        live_server.url + reverse("guidance:section", kwargs={"slug": consultation.slug, "section_slug": section.slug})
    )
    public = page.locator("main").inner_text()
    assert TEXTS["first"] in public and TEXTS["second"] in public
    assert TEXTS["rejected"] not in public and TEXTS["waiting"] not in public


def test_approving_from_the_list_a_comment_its_respondent_changed_since_changes_nothing(page, live_server):
    consultation = ConsultationFactory()
    section = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    comment = CommentFactory(section=section, text=TEXTS["first"])
    sign_in_as_a_moderator(page, live_server)
    page.goto(live_server.url + reverse("admin:guidance_comment_changelist"))
    row_checkbox(page, TEXTS["first"]).check()

    by_respondent.change_text(comment.pk, "Words the moderator has not read.")
    page.select_option("select[name=action]", "approve")
    page.click("button[name=index]")

    message = page.locator("ul.messagelist").inner_text()
    assert f"The respondent changed the text of comment {comment.pk}" in message and "Nothing was changed" in message
    expect(page.locator("#result_list tbody tr", has_text="Words the moderator has not read.")).to_have_count(1)
    assert Comment.objects.get().status == "pending"

"""The moderation screen in a real browser: a queue of 20 cleared with the keyboard alone, again
with JavaScript off, two moderators on one queue at once, and axe-core on every state."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from guidance.models import Comment, ModerationEvent, Report
from guidance.moderation.decisions import decide
from tests.browser.conftest import axe_violations, open_page, sign_in, staff_member
from tests.factories import CommentFactory, ConsultationFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE_LENGTH = 20
# What the moderator decides for the comment numbered n: approve, reject for a reason, or spam.
REASONS = ["offensive", "personal", "off_topic", "duplicate"]


def plan(n):
    if n % 3 == 0:
        return ("approved", "")
    if n % 3 == 1:
        return ("rejected", REASONS[n % 4])
    return ("spam", "")


@pytest.fixture
def queue(db):
    consultation = ConsultationFactory()
    section = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    for n in range(QUEUE_LENGTH):
        CommentFactory(section=section, text=f"Comment {n:02d}: pay people for their time, not just expenses.")
    return consultation


def moderator(username):
    # The Moderator group's permissions.
    return staff_member(username, "view_consultation", "view_comment", "moderate_comment", "view_moderationevent")


def screen(live_server, consultation, queue=None):
    url = live_server.url + reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    return f"{url}?queue={queue}" if queue else url


def shown_number(page):
    """The number of the comment on screen (its text starts "Comment 07:"), or None when done."""
    if page.locator(".moderation-empty").count():
        return None
    return int(re.match(r"Comment (\d+):", page.locator(".moderation-text").inner_text()).group(1))


def statuses():
    return {
        int(comment.text[8:10]): (comment.status, comment.reason_code)
        for comment in Comment.objects.order_by("created_at")
    }


def test_a_moderator_clears_a_queue_of_20_with_the_keyboard_alone(page, live_server, queue):
    moderator("mo")
    sign_in(page, live_server, "mo")
    page.goto(screen(live_server, queue))
    expect(page.locator(".moderation-keys")).to_be_visible()  # the keys are shown on screen
    decided = []
    while (number := shown_number(page)) is not None:
        decision, reason = plan(number)
        with page.expect_navigation():
            if decision == "approved":
                page.keyboard.press("a")
            elif decision == "rejected":
                page.keyboard.press(str(REASONS.index(reason) + 1))
                expect(page.locator(f"input[name=reason_code][value={reason}]")).to_be_checked()
                page.keyboard.press("r")
            else:
                page.keyboard.press("s")
        decided.append(number)
        done = {"approved": "approved", "rejected": "rejected", "spam": "marked as spam"}[decision]
        expect(page.locator(".messagelist")).to_contain_text(f"{done}.")
        assert len(decided) <= QUEUE_LENGTH
    assert sorted(decided) == list(range(QUEUE_LENGTH))
    expect(page.get_by_role("heading", name="Nothing left to moderate")).to_be_visible()
    expect(page.locator(".moderation-tabs a[aria-current=page]")).to_contain_text("Pending 0")
    assert statuses() == {n: plan(n) for n in range(QUEUE_LENGTH)}


def test_rejecting_as_other_by_keyboard_asks_for_words_first(page, live_server, queue):
    moderator("mo")
    sign_in(page, live_server, "mo")
    page.goto(screen(live_server, queue))
    first = shown_number(page)
    page.keyboard.press("5")
    page.keyboard.press("r")  # "Other" needs words: the details box takes focus instead of sending
    expect(page.locator("textarea[name=reason]")).to_be_focused()
    page.keyboard.type("Advertises a private course")  # an "r" typed here is text, not a decision
    page.keyboard.press("Escape")
    with page.expect_navigation():
        page.keyboard.press("r")
    comment = Comment.objects.get(text__startswith=f"Comment {first:02d}")
    assert (comment.status, comment.reason_code, comment.reason) == ("rejected", "other", "Advertises a private course")


def test_a_moderator_clears_a_queue_of_20_with_javascript_off(browser, live_server, queue):
    moderator("mo")
    page = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    try:
        sign_in(page, live_server, "mo")
        page.goto(screen(live_server, queue))
        expect(page.locator(".moderation-keys")).to_be_hidden()  # no keys without JavaScript
        decided = []
        while (number := shown_number(page)) is not None:
            decision, reason = plan(number)
            if decision == "approved":
                page.get_by_role("button", name="Approve").click()
            elif decision == "rejected":
                page.locator(f"input[name=reason_code][value={reason}]").check()
                page.get_by_role("button", name="Reject").click()
            else:
                page.get_by_role("button", name="Spam").click()
            decided.append(number)
            assert len(decided) <= QUEUE_LENGTH
        assert sorted(decided) == list(range(QUEUE_LENGTH))
        assert statuses() == {n: plan(n) for n in range(QUEUE_LENGTH)}

        # A rejection without its reason is shown again, on the same comment, with the error.
        Comment.objects.filter(text__startswith="Comment 00").update(status="pending")
        page.goto(screen(live_server, queue))
        page.get_by_role("button", name="Reject").click()
        expect(page.locator("#decision-errors")).to_contain_text("Choose why the comment is rejected.")
        assert shown_number(page) == 0
    finally:
        page.context.close()


def test_two_moderators_on_one_queue_never_decide_the_same_comment(browser, live_server, queue):
    moderator("ann")
    moderator("ben")
    pages = {}
    try:
        for name in ("ann", "ben"):
            pages[name] = open_page(browser, viewport={"width": 1280, "height": 900})
            sign_in(pages[name], live_server, name)
            pages[name].goto(screen(live_server, queue))
        decided = {"ann": [], "ben": []}
        # Interleaved unevenly: Ann twice, Ben once, each deciding on the page in front of them
        # (loaded while the other worked), and reloading now and then.
        turns = 0
        while True:
            shown = {name: shown_number(page) for name, page in pages.items()}
            if shown["ann"] is not None and shown["ben"] is not None:
                assert shown["ann"] != shown["ben"], "both moderators were shown the same comment"
            if shown["ann"] is None and shown["ben"] is None:
                break
            name = "ben" if turns % 3 == 2 else "ann"
            if shown[name] is None:  # nothing left for them: the other works on
                name = "ann" if name == "ben" else "ben"
            page = pages[name]
            if turns % 7 == 3:
                page.reload()
                assert shown_number(page) == shown[name], "a reload shows one's own comment again"
            with page.expect_navigation():
                page.keyboard.press("a" if turns % 2 else "s")
            expect(page.locator(".messagelist")).not_to_contain_text("Your decision was not made")
            decided[name].append(shown[name])
            turns += 1
            assert turns <= QUEUE_LENGTH
        assert not set(decided["ann"]) & set(decided["ben"])
        assert sorted(decided["ann"] + decided["ben"]) == list(range(QUEUE_LENGTH))
        assert decided["ann"] and decided["ben"]
        assert ModerationEvent.objects.count() == QUEUE_LENGTH
        by = dict(ModerationEvent.objects.values_list("comment__text", "by__username"))
        assert {int(text[8:10]) for text, name in by.items() if name == "ann"} == set(decided["ann"])
    finally:
        for page in pages.values():
            page.context.close()


def test_a_decision_someone_made_first_is_refused_in_the_browser_saying_who(browser, live_server, queue):
    ann = moderator("ann")
    moderator("ben")
    page = open_page(browser, viewport={"width": 1280, "height": 900})
    try:
        sign_in(page, live_server, "ben")
        page.goto(screen(live_server, queue))
        number = shown_number(page)
        comment = Comment.objects.get(text__startswith=f"Comment {number:02d}")
        decide(Comment.objects.filter(pk=comment.pk), "spam", by=ann)
        with page.expect_navigation():
            page.keyboard.press("a")
        expect(page.locator(".messagelist")).to_contain_text("Ann marked this comment as spam at")
        expect(page.locator(".messagelist")).to_contain_text("Your decision was not made.")
        comment.refresh_from_db()
        assert comment.status == "spam"
        assert shown_number(page) != number
    finally:
        page.context.close()


def test_the_moderation_screen_passes_axe_in_every_state(page, live_server, queue):
    moderator("mo")
    sign_in(page, live_server, "mo")
    checked = {}

    page.goto(screen(live_server, queue))
    checked["pending, with a comment"] = axe_violations(page)

    page.get_by_role("button", name="Reject").click()  # no reason: the form's errors
    expect(page.locator("#decision-errors")).to_be_visible()
    checked["pending, with form errors"] = axe_violations(page)

    page.get_by_role("button", name="Add note").click()  # an empty note: its error
    checked["pending, with a note's error"] = axe_violations(page)

    page.fill("textarea[name=text]", "Checked with the team.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".moderation-note")).to_contain_text("Checked with the team.")
    checked["pending, after a decision message and with a note"] = axe_violations(page)

    published = Comment.objects.order_by("-created_at").first()
    decide(Comment.objects.filter(pk=published.pk), "approved", by=None)
    Report.objects.create(comment=published, reason=Report.Reason.OFFENSIVE, details="Rude")
    page.goto(screen(live_server, queue, "reported"))
    expect(page.get_by_role("button", name=re.compile("Keep published"))).to_be_visible()
    checked["reported"] = axe_violations(page)

    page.goto(screen(live_server, queue, "decided"))
    expect(page.locator("table.moderation-decided")).to_be_visible()
    checked["recently decided"] = axe_violations(page)

    decide(Comment.objects.filter(status="pending"), "approved", by=None)
    page.goto(screen(live_server, queue))
    expect(page.get_by_role("heading", name="Nothing left to moderate")).to_be_visible()
    checked["empty queue"] = axe_violations(page)

    page.goto(screen(live_server, queue, "reported"))
    with page.expect_navigation():
        page.keyboard.press("k")
    expect(page.get_by_role("heading", name="No reported comments to review")).to_be_visible()
    checked["reported, empty after keeping it published"] = axe_violations(page)

    failing = {state: violations for state, violations in checked.items() if violations}
    assert not failing, "\n".join(f"{state}: {violations}" for state, violations in failing.items())

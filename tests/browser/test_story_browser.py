"""The story of an event in a real browser: a manager makes it with JavaScript off (adding messages,
moving one, a heading, publishing), and the editor, its preview and the public story pass axe-core."""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from guidance.models import StoryItem
from tests.browser.conftest import axe_violations, open_page
from tests.factories import ConsultationFactory, QuestionFactory
from tests.story_helpers import approve, chat_event, chat_reply, host_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "staff-password-for-tests"


@pytest.fixture
def event(db):
    consultation = ConsultationFactory(title="Co-producing research")
    questions = [
        QuestionFactory(consultation=consultation, position=1, text="How should carers be paid?"),
        QuestionFactory(consultation=consultation, position=2, text="When should people be involved?"),
    ]
    event = chat_event(consultation)
    host_message(event, questions[0], "Welcome, everyone: first, pay.", None)
    replies = [
        chat_reply(event, questions[0], "A fair hourly rate.", name="Ann Smith", minutes=5),
        chat_reply(event, questions[0], "Travel paid on the day.", name="Raj", consent="anonymous", minutes=6),
        chat_reply(event, questions[1], "From the very start.", name="Bea Jones", minutes=20),
    ]
    approve(replies, None)
    return event


def signed_in(browser, live_server, **options):
    user = User.objects.create_user("manager", password=PASSWORD, is_staff=True, first_name="Kit")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="guidance", codename__in=["edit_story", "view_consultation"])
    )
    page = open_page(browser, viewport={"width": 1280, "height": 900}, **options)
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))
    return page


def test_a_manager_makes_and_publishes_a_story_with_javascript_off(browser, live_server, event):
    page = signed_in(browser, live_server, java_script_enabled=False)
    try:
        page.goto(live_server.url + reverse("admin:guidance_consultation_stories", args=[event.consultation_id]))
        page.click("text=Make its story")
        page.click("input[value='Make its story']")
        assert axe_violations(page) == []
        for _ in range(4):
            page.locator("button", has_text="Add to story").first.click()
        assert StoryItem.objects.count() == 4
        page.locator(".story-item").nth(2).locator("button", has_text="Move up").click()
        texts = [item.shown_text for item in StoryItem.objects.order_by("position")]
        assert texts[1] == "Travel paid on the day."
        page.check("input[name=kind][value=heading]")
        page.fill("#id_text", "Paying people")
        page.select_option("#id_position", "2")
        page.click("input[value='Add it to the story']")
        assert "Paying people" in page.locator(".story-items").inner_text()
        page.fill("#id_title", "What carers told us")
        page.click("input[value='Save the title and introduction']")
        assert axe_violations(page) == []

        page.click("text=Preview the story")
        assert "Preview" in page.inner_text(".portal-preview-banner")
        assert axe_violations(page) == []
        page.click("text=Back to the story's editor")
        page.click("input[value='Publish the story']")
        assert "The story is published" in page.content()

        page.click("text=the public story")
        assert page.inner_text("h1") == "What carers told us"
        body = page.inner_text("main")
        assert body.index("Paying people") < body.index("A fair hourly rate.")
        assert "Ann Smith" in body and "Raj" not in body
        assert axe_violations(page) == []
    finally:
        page.context.close()


def test_the_public_story_passes_axe_and_prints_without_navigation(browser, live_server, event, page):
    from guidance.stories import editing

    story = editing.start_story(event, by=None)
    for message in event.messages.all():
        editing.add_message(story, message.pk, by=None)
    editing.add_words(story, kind="text", text="Then we turned to timing.", position=4, by=None)
    story.refresh_from_db()
    editing.publish(story, by=None)
    page.goto(live_server.url + reverse("guidance:event_story", args=[event.consultation.slug, event.slug]))
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    assert not page.locator(".govuk-header").is_visible()
    assert not page.locator(".govuk-breadcrumbs").is_visible()
    message = page.locator(".portal-story__message").first
    assert message.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    # On paper the story takes the page's whole width, not the screen's two thirds.
    row = page.locator(".govuk-grid-row").first
    assert page.locator(".portal-story").evaluate("e => e.offsetWidth") == row.evaluate("e => e.offsetWidth")

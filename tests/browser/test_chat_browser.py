"""A chat hour in miniature, in real browsers: a host puts two questions, two participants answer,
a moderator approves one reply and rejects the other with the keys; both participants see the
approved one within 3 seconds and never the rejected one, with JavaScript on, and with it off
through "Show new messages". axe-core on the chat page before, during (and with an error) and
after the hour, on the host's screen and on the live queue."""

import datetime
import time

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from guidance.models import ChatMessage, Comment, Event, ModerationReason
from guidance.moderation.decisions import redact_and_publish, with_last_event
from tests.browser.conftest import axe_violations, open_page, sign_in, staff_member
from tests.factories import ChatHourFactory, ConsultationFactory, QuestionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hour(db):
    consultation = ConsultationFactory()
    QuestionFactory(consultation=consultation, position=1, text="What helps carers most?")
    QuestionFactory(consultation=consultation, position=2, text="What gets in the way?")
    return ChatHourFactory(consultation=consultation, title="Carers' chat hour", slug="carers-chat")


def staff(username):
    return staff_member(username, "view_consultation", "view_comment", "moderate_comment", "add_chatmessage")


def chat_url(live_server, event):
    return live_server.url + reverse("guidance:event_chat", args=[event.consultation.slug, event.slug])


def send_reply(page, text, name):
    page.fill("#id_reply", text)
    page.fill("#id_name", name)
    page.check('input[name="respondent_type"][value="carer"]')
    page.check('input[name="consent"][value="named"]')
    if page.locator('input[name="privacy_agreed"]').count():
        page.check('input[name="privacy_agreed"]')
    page.click("button:has-text('Send reply'), input[value='Send reply']")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your reply was sent")


def run_the_hour(browser, live_server, hour, *, javascript):
    staff("hana")
    host = open_page(browser, viewport={"width": 1280, "height": 900})
    sign_in(host, live_server, "hana")
    host.goto(live_server.url + reverse("admin:guidance_event_chat_host", args=[hour.pk]))
    host.click("button:has-text('Put Q1')")
    expect(host.locator(".messagelist")).to_contain_text("Q1 is now the question in the chat")

    ann = open_page(browser, java_script_enabled=javascript)
    bo = open_page(browser, java_script_enabled=javascript)
    for page in (ann, bo):
        page.goto(chat_url(live_server, hour))
        expect(page.locator("#chat-question")).to_contain_text("What helps carers most?")
    send_reply(ann, "Breaks planned ahead help most.", "Ann")
    send_reply(bo, "Something rude and off topic.", "Bo")
    host.goto(live_server.url + reverse("admin:guidance_event_chat_host", args=[hour.pk]))
    host.click("button:has-text('Put Q2')")

    queue = host
    queue.goto(live_server.url + reverse("admin:guidance_event_chat_queue", args=[hour.pk]))
    expect(queue.locator(".moderation-text")).to_contain_text("Breaks planned ahead")
    queue.keyboard.press("a")
    expect(queue.locator(".moderation-text")).to_contain_text("Something rude")
    approved_at = time.monotonic()
    queue.keyboard.press("1")
    queue.keyboard.press("r")
    expect(queue.locator("#chat-queue-empty")).to_be_visible()

    for page in (ann, bo):
        if not javascript:
            page.click("text=Show new messages")
        expect(page.locator("#chat-list")).to_contain_text("Breaks planned ahead help most.", timeout=3000)
    assert time.monotonic() - approved_at < 3 + 1  # both pages, within the 3 s (plus the rejection's round trip)
    # The second question reached the open pages too, and the rejected reply never did.
    time.sleep(2)
    for page in (ann, bo):
        if not javascript:
            page.click("text=Show new messages")
        expect(page.locator("#chat-list")).to_contain_text("What gets in the way?")
        expect(page.locator("#chat-list")).not_to_contain_text("Something rude")
    answered = {message.text: message.question.position for message in ChatMessage.objects.filter(by_host=False)}
    assert answered == {"Breaks planned ahead help most.": 1, "Something rude and off topic.": 1}
    assert dict(ChatMessage.objects.filter(by_host=False).values_list("text", "status")) == {
        "Breaks planned ahead help most.": "approved",
        "Something rude and off topic.": "rejected",
    }
    return host, ann, bo


def test_an_hour_in_miniature_with_javascript(browser, live_server, hour):
    host, ann, bo = run_the_hour(browser, live_server, hour, javascript=True)
    # Messages arrive in the polite live region; the reply box keeps focus while they do.
    assert ann.get_attribute("#chat-messages", "aria-live") == "polite"
    # Words a moderator redacts in a reply already shown change on the open pages, in its place.
    message = ChatMessage.objects.get(by_host=False, status="approved")
    redact_and_publish(
        message.comment_id,
        "Breaks planned [redacted] help most.",
        by=User.objects.get(username="hana"),
        seen_event_id=with_last_event(Comment.objects.filter(pk=message.comment_id))[0].last_event_id,
        reason_code=ModerationReason.PERSONAL,
    )
    for page in (ann, bo):
        expect(page.locator(f"#message-{message.pk}")).to_contain_text("Breaks planned [redacted]", timeout=3000)
        expect(page.locator("#chat-list")).not_to_contain_text("planned ahead")
        expect(page.locator(f"#message-{message.pk}")).to_have_count(1)
    for page in (host, ann, bo):
        page.context.close()


def test_an_hour_in_miniature_without_javascript(browser, live_server, hour):
    host, ann, bo = run_the_hour(browser, live_server, hour, javascript=False)
    for page in (host, ann, bo):
        page.context.close()


def test_the_chat_pages_pass_axe_before_during_with_an_error_and_after(browser, live_server, hour, page):
    from guidance.events import chat

    host_user = staff("hana")
    chat.put_question(hour, hour.consultation.questions.get(position=1), by=host_user)
    page.goto(chat_url(live_server, hour))
    assert axe_violations(page) == []
    page.click("button:has-text('Send reply'), input[value='Send reply']")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert axe_violations(page) == []
    send_reply(page, "Breaks.", "Ann")
    assert axe_violations(page) == []

    now = timezone.now()
    Event.objects.filter(pk=hour.pk).update(
        starts_at=now + datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=2)
    )
    page.goto(chat_url(live_server, hour))
    expect(page.locator("h1")).to_contain_text("Carers' chat hour")
    assert axe_violations(page) == []
    Event.objects.filter(pk=hour.pk).update(
        starts_at=now - datetime.timedelta(hours=2), ends_at=now - datetime.timedelta(hours=1)
    )
    page.goto(chat_url(live_server, hour))
    expect(page.locator("body")).to_contain_text("This chat hour ended")
    assert axe_violations(page) == []


def test_the_host_screen_and_the_live_queue_pass_axe(browser, live_server, hour, page):
    staff("hana")
    sign_in(page, live_server, "hana")
    page.goto(live_server.url + reverse("admin:guidance_event_chat_host", args=[hour.pk]))
    assert axe_violations(page) == []
    page.click("button:has-text('Put Q1')")
    participant = open_page(browser)
    participant.goto(chat_url(live_server, hour))
    send_reply(participant, "Breaks.", "Ann")
    participant.context.close()
    page.goto(live_server.url + reverse("admin:guidance_event_chat_queue", args=[hour.pk]))
    expect(page.locator(".moderation-text")).to_contain_text("Breaks.")
    assert axe_violations(page) == []
    Event.objects.filter(pk=hour.pk).update(moderation=Event.Moderation.AFTER)
    page.goto(live_server.url + reverse("admin:guidance_event_chat_queue", args=[hour.pk]))
    assert axe_violations(page) == []

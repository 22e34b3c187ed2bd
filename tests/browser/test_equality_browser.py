"""The optional "tell us about yourself" page and the breakdowns page in a real browser, with
JavaScript and without: reached from the confirmation, answered with GOV.UK radios or skipped,
and axe on each page."""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from playwright.sync_api import expect

from guidance.equality import questions
from guidance.models import Consultation, EqualityAnswers
from tests.browser.conftest import axe_violations, open_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SECTION = "/consultations/co-producing-research/draft/reciprocity/"


def send_a_comment(page, live_server):
    page.goto(live_server.url + SECTION)
    page.locator("#id_comment").fill("Payment should be planned from the start.")
    page.get_by_role("radio", name="Carer", exact=True).check()
    page.get_by_role("radio", name="Publish without my name").check()
    page.get_by_label("I agree to my response being used as the privacy notice describes").check()
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment sent")


@pytest.fixture
def asking(demo):
    Consultation.objects.filter(pk=demo.pk).update(
        equality_questions=questions.KEYS, content_version=demo.content_version + 1
    )
    return demo


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_answering_and_skipping_the_optional_questions(browser, live_server, asking, javascript):
    failures = {}
    page = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    send_a_comment(page, live_server)
    page.get_by_role("link", name="Optional: tell us about yourself").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Optional: tell us about yourself")
    failures["the optional questions"] = axe_violations(page)
    page.get_by_role("radio", name="25 to 34").check()
    page.get_by_role("group", name="What is your ethnic group?").get_by_role("radio", name="Prefer not to say").check()
    page.get_by_role("button", name="Send these answers").click()
    expect(page.get_by_text("Thank you for telling us about yourself.")).to_be_visible()
    stored = EqualityAnswers.objects.get()
    assert (stored.age_band, stored.ethnic_group, stored.region) == ("25_34", "prefer_not", "")

    page.goto(live_server.url + "/consultations/co-producing-research/your-response/about-you/")
    expect(page.get_by_text("You have answered these questions before.")).to_be_visible()
    page.get_by_role("link", name="Skip these questions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your response")
    assert EqualityAnswers.objects.count() == 1
    assert {label: found for label, found in failures.items() if found} == {}
    page.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_breakdowns_page_passes_axe(browser, live_server, asking, javascript):
    # The permissions given directly: a transactional test empties the groups the migration made.
    analyst = User.objects.create_user("eve", password=PASSWORD, is_staff=True)
    analyst.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="guidance", codename__in=["view_comment", "view_personal_data"]
        )
    )
    page = open_page(browser, viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "eve")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))
    page.goto(live_server.url + reverse("admin:guidance_consultation_breakdowns", args=[asking.pk]))
    failures = {"nothing chosen": axe_violations(page)}
    page.get_by_label("Break down").select_option(label="Who responded")
    page.get_by_label("Group by").select_option(label="Ethnic group (equality monitoring)")
    page.get_by_role("button", name="Show the breakdown").click()
    expect(page.get_by_role("heading", name="Who responded, by ethnic group")).to_be_visible()
    failures["who responded, by ethnic group"] = axe_violations(page)
    page.get_by_label("Group by").select_option(label="Type of respondent")
    page.get_by_role("button", name="Show the breakdown").click()
    failures["who responded, by type"] = axe_violations(page)
    assert {label: found for label, found in failures.items() if found} == {}
    page.context.close()

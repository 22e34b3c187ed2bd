"""In a real browser, with axe-core on each page: renumbering a document's sections all at once on its
Sections page (a conflict shown and corrected, without JavaScript too), and new dates that would close
a live consultation confirmed before they are saved, then read in its history."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from guidance.models import DateChange
from tests.browser.conftest import axe_violations, open_page
from tests.factories import ConsultationFactory, DocumentFactory, SectionFactory

pytestmark = pytest.mark.browser
PASSWORD = "record-password-for-tests"


# axe-core runs in the page, so only with JavaScript on: the pages are the same HTML either way.


def sign_in(page, live_server):
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))


@pytest.fixture
def manager(transactional_db):
    return User.objects.create_superuser("manager", password=PASSWORD)


@pytest.fixture
def document(transactional_db):
    document = DocumentFactory(title="Draft guidance")
    for major, minor, title in [(1, 0, "Introduction"), (2, 0, "Power"), (2, 1, "Budgets"), (3, 0, "Next")]:
        SectionFactory(document=document, major=major, minor=minor, title=title, slug=title.lower())
    return document


def order(document):
    return [(s.number, s.title) for s in document.sections.all()]


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_a_manager_renumbers_all_sections_at_once_correcting_a_conflict(
    browser, live_server, manager, document, javascript
):
    page = open_page(browser, java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    sign_in(page, live_server)
    page.goto(live_server.url + reverse("admin:guidance_document_sections", args=[document.pk]))
    assert not javascript or axe_violations(page) == []

    page.get_by_label("New number of “Next”, now 3").fill("2")
    page.get_by_label("New number of “Power”, now 2").fill("2")
    page.get_by_label("New number of “Next”, now 3").press("Enter")  # Enter saves the numbers, moves nothing
    summary = page.locator("#numbers-problems")
    message = "“Power” (now 2) and “Next” (now 3) would both be 2: give each its own number."
    expect(summary).to_contain_text(message)
    expect(page.get_by_label("New number of “Next”, now 3")).to_have_value("2")
    expect(page.get_by_label("New number of “Next”, now 3")).to_have_attribute("aria-invalid", "true")
    assert not javascript or axe_violations(page) == []
    assert order(document) == [("1", "Introduction"), ("2", "Power"), ("2.1", "Budgets"), ("3", "Next")]

    summary.get_by_role("link", name=message).click()
    expect(page).to_have_url(re.compile(r"#id_number-\d+$"))
    page.get_by_label("New number of “Power”, now 2").fill("3")
    page.get_by_label("New number of “Budgets”, now 2.1").fill("3.1")
    page.get_by_role("button", name="Save the new numbers").click()
    expect(page.get_by_text("Saved the new numbers of 3 sections.")).to_be_visible()
    assert order(document) == [("1", "Introduction"), ("2", "Next"), ("3", "Power"), ("3.1", "Budgets")]
    rows = page.locator("table.staff-sections tbody th")
    expect(rows).to_have_text(["1", "2", "3", "3.1"])
    assert not javascript or axe_violations(page) == []
    page.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_closing_a_live_consultation_by_its_date_is_confirmed_first_and_recorded(
    browser, live_server, manager, javascript
):
    now = timezone.now()
    consultation = ConsultationFactory(
        title="Co-producing research",
        opens_at=(now - datetime.timedelta(days=7)).replace(second=0, microsecond=0),
        closes_at=(now + datetime.timedelta(days=21)).replace(second=0, microsecond=0),
    )
    page = open_page(browser, java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    sign_in(page, live_server)
    page.goto(live_server.url + reverse("admin:guidance_consultation_change", args=[consultation.pk]))
    earlier = timezone.localtime(now - datetime.timedelta(minutes=2))
    page.locator("#id_closes_at_0").fill(earlier.strftime("%d/%m/%Y"))
    page.locator("#id_closes_at_1").fill(earlier.strftime("%H:%M"))
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("heading", name="Check the new dates before saving")).to_be_visible()
    expect(page.get_by_text("These dates close the consultation now").first).to_be_visible()
    assert not javascript or axe_violations(page) == []
    consultation.refresh_from_db()
    assert consultation.is_open and not DateChange.objects.exists()

    page.get_by_label("Yes, close it now").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    consultation.refresh_from_db()
    assert not consultation.is_open
    assert DateChange.objects.get().changed_by == manager

    page.goto(live_server.url + reverse("admin:guidance_consultation_change", args=[consultation.pk]))
    page.get_by_role("navigation", name="Pages of this consultation").get_by_role("link", name="History").click()
    changes = page.locator(".staff-date-changes table")
    expect(changes).to_contain_text("manager")
    expect(changes).to_contain_text("Closed it: open before, closed after")
    assert not javascript or axe_violations(page) == []
    page.context.close()

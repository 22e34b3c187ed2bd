"""A consultation manager adds a staff member with a role in a real browser, and the new moderator
sets their password from the emailed link and signs in: axe-core finds no violation on any page on
the way, and none is wider than a 1,280-pixel window."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from guidance.staff.members import set_role
from guidance.staff.roles import sync_roles
from tests.browser.conftest import axe_violations
from tests.journey_helpers import deliver_emails

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "manager-password-for-tests"
NEW_PASSWORD = "a new moderator's own password"


def checked(page):
    assert axe_violations(page) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280, page.url


def sign_in(page, live_server, username, password):
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))


def test_a_manager_adds_a_moderator_who_sets_a_password_and_signs_in(page, live_server):
    # A transactional test empties the database between tests, and with it the roles' groups.
    sync_roles()
    manager = User.objects.create_user("mo", password=PASSWORD, first_name="Mo", last_name="Manager")
    set_role(manager, "Consultation manager")
    sign_in(page, live_server, "mo", PASSWORD)

    page.get_by_role("link", name="Staff members").first.click()
    page.wait_for_url(live_server.url + reverse("admin:auth_user_changelist"))
    checked(page)
    page.get_by_role("link", name="Add a staff member").click()
    assert page.locator("h1").inner_text() == "Add a staff member"
    checked(page)

    # Sent with no role chosen: the page says so, and nothing is stored.
    page.fill("#id_first_name", "Kit")
    page.fill("#id_last_name", "Jones")
    page.fill("#id_email", "kit.jones@example.org")
    page.click("input[type=submit].default")
    assert "Choose what they will do: their role." in page.inner_text(".errornote")
    assert not User.objects.filter(first_name="Kit").exists()
    checked(page)

    page.get_by_label("Moderator").check()
    page.click("input[type=submit].default")
    assert "Kit Jones is added as Moderator." in page.inner_text(".messagelist")
    row = page.locator("#result_list tbody tr", has_text="Kit Jones")
    assert "Moderator" in row.inner_text() and "Has not set a password yet" in row.inner_text()
    checked(page)

    row.get_by_role("link", name="Kit Jones").click()
    assert page.is_checked("#id_role_0")
    assert page.locator("input[name=user_permissions]").count() == 0
    checked(page)

    # The worker sends the email; the new moderator follows its link in their own browser.
    assert deliver_emails() == 1
    link = re.search(r"https?://\S+/password/set/\S+/", mail.outbox[0].body).group(0)
    kit = page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    kit.goto(live_server.url + link[link.index("/", 8) :])
    assert kit.locator("h1").inner_text() == "Set your password"
    checked(kit)
    kit.fill("#id_new_password1", NEW_PASSWORD)
    kit.fill("#id_new_password2", NEW_PASSWORD)
    kit.click("input[type=submit]")
    assert kit.locator("h1").inner_text() == "Your password is set"
    checked(kit)
    kit.get_by_role("link", name="Sign in").click()
    kit.fill("#id_username", "kit.jones@example.org")
    kit.fill("#id_password", NEW_PASSWORD)
    kit.click("input[type=submit]")
    kit.wait_for_url(live_server.url + reverse("admin:index"))
    # Signed in as a moderator: the home page's consultations, and no System section.
    assert kit.locator("#work-heading").inner_text() == "Consultations"
    assert kit.locator(".app-system").count() == 0
    kit.context.close()

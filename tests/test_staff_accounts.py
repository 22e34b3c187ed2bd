"""Staff accounts: sign-in attempts are limited, and an idle staff session ends after an hour; a
consultation manager adds a staff member with a role, who sets their own password from an emailed
link; roles change and access is removed on the member's page; the permission list and the System
section are for superusers; and everyone is shown by their full name."""

import base64
import datetime
import ipaddress
import logging
import re
from unittest import mock
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from guidance.staff.accounts import (
    TRUSTED_BROWSER_COOKIE,
    TRUSTED_BROWSER_SALT,
    staff_session_idle_expiry,
    username_mark,
)

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
ADMIN = reverse("admin:index")
PASSWORD = "a-long-enough-password-1"


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    # These tests sign in dozens of times; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff():
    return User.objects.create_user("alex", password=PASSWORD, is_staff=True, is_superuser=True)


def sign_in(client, password, address="10.0.0.1", username="alex"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def sign_out(client):
    """Through the admin's page, as a person would: the test client's logout() drops every cookie."""
    client.post(reverse("admin:logout"))


def test_the_right_password_signs_in(client, staff):
    assert sign_in(client, PASSWORD).status_code == 302
    assert client.get(ADMIN).status_code == 200


def test_five_failures_lock_that_username_and_address_out_even_with_the_right_password(client, staff):
    for _ in range(4):
        assert sign_in(client, "wrong").status_code == 200
    assert sign_in(client, "wrong").status_code == 429
    locked = sign_in(client, PASSWORD)
    assert locked.status_code == 429
    assert "Signing in is locked for now" in locked.content.decode()
    assert client.get(ADMIN).status_code == 302


def test_the_lockout_page_is_in_the_admin_s_look(client, staff):
    for _ in range(5):
        locked = sign_in(client, "wrong")
    page = locked.content.decode()
    assert f"{settings.SITE_NAME}: staff" in page
    assert f"<title>Signing in is locked | {settings.SITE_NAME} staff</title>" in page
    assert "after 5 failed attempts" in page


def test_four_failures_do_not_lock_out(client, staff):
    for _ in range(4):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 302


def test_the_lockout_is_per_username_and_address(client, staff):
    for _ in range(5):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD, address="10.0.0.2").status_code == 302


def test_twenty_failures_from_one_address_with_different_usernames_lock_that_address_out(client, staff):
    """Someone trying a common password on every account (password spraying) fails once per
    username: the lockout per username never comes, so the address is limited as a whole."""
    for n in range(19):
        assert sign_in(client, "Summer2027!", username=f"user{n}", address="203.0.113.66").status_code == 200
    assert sign_in(client, "Summer2027!", username="user19", address="203.0.113.66").status_code == 429
    locked = sign_in(client, PASSWORD, address="203.0.113.66")
    assert locked.status_code == 429
    assert "Signing in is locked for now" in locked.content.decode()
    assert sign_in(client, PASSWORD, address="198.51.100.9").status_code == 302


def test_nineteen_failures_from_one_address_with_different_usernames_do_not_lock_it_out(client, staff):
    for n in range(19):
        sign_in(client, "Summer2027!", username=f"user{n}", address="203.0.113.66")
    assert sign_in(client, PASSWORD, address="203.0.113.66").status_code == 302


def test_signing_in_clears_ones_own_failures_but_not_the_addresss(client, staff):
    for n in range(15):
        sign_in(client, "Summer2027!", username=f"user{n}", address="203.0.113.66")
    for _ in range(4):
        sign_in(client, "wrong", address="203.0.113.66")
    assert sign_in(client, PASSWORD, address="203.0.113.66").status_code == 302
    client.logout()
    # alex's four failures are cleared; the address's fifteen with other usernames still count.
    for _ in range(4):
        assert sign_in(client, "wrong", address="203.0.113.66").status_code == 200
    assert sign_in(client, "Summer2027!", username="user99", address="203.0.113.66").status_code == 429


def test_the_lockout_ends_after_30_minutes(client, staff):
    for _ in range(5):
        sign_in(client, "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=29))
    assert sign_in(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
    assert sign_in(client, PASSWORD).status_code == 302


def test_a_staff_session_lasts_an_hour_from_the_last_request(client, staff):
    client.force_login(staff)
    start = timezone.now()
    assert client.get(ADMIN).status_code == 200
    assert client.session.get_expiry_age() == 3600
    with mock.patch("django.utils.timezone.now", return_value=start + datetime.timedelta(minutes=59)):
        assert client.get(ADMIN).status_code == 200
    with mock.patch("django.utils.timezone.now", return_value=start + datetime.timedelta(minutes=118)):
        assert client.get(ADMIN).status_code == 200
    with mock.patch("django.utils.timezone.now", return_value=start + datetime.timedelta(minutes=180)):
        assert client.get(ADMIN).status_code == 302


def test_public_visitors_sessions_keep_the_default_lifetime():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.session["remembered"] = "details"
    request.user = AnonymousUser()
    staff_session_idle_expiry(lambda r: HttpResponse())(request)
    assert request.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert settings.SESSION_COOKIE_AGE > 3600


def test_a_signed_in_member_of_the_public_who_is_not_staff_keeps_the_default_lifetime():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = User(username="someone", is_staff=False)
    staff_session_idle_expiry(lambda r: HttpResponse())(request)
    assert request.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_a_failed_sign_in_is_recorded_under_a_pseudonym_never_the_address(client, staff):
    sign_in(client, "wrong", address="203.0.113.66")
    sign_in(client, "wrong", address="203.0.113.66")
    sign_in(client, "wrong", address="198.51.100.9")
    recorded = sorted(AccessAttempt.objects.values_list("ip_address", "failures_since_start"))
    assert len(recorded) == 2
    addresses = [address for address, _ in recorded]
    assert "203.0.113.66" not in addresses and "198.51.100.9" not in addresses
    assert sorted(failures for _, failures in recorded) == [1, 2]
    # Pseudonyms in the IPv6 documentation prefix, where no real address is.
    assert all(ipaddress.ip_address(address) in ipaddress.ip_network("2001:db8::/32") for address in addresses)


def test_sign_in_log_lines_name_neither_the_username_nor_the_address(client, staff, caplog):
    User.objects.create_user("ann.jones@example.org", password=PASSWORD, is_staff=True)
    caplog.set_level(logging.INFO)
    for _ in range(5):
        sign_in(client, "wrong", address="203.0.113.66", username="ann.jones@example.org")
    sign_in(client, PASSWORD, address="203.0.113.67", username="ann.jones@example.org")
    assert "AXES: New login failure" in caplog.text and "AXES: Locking out" in caplog.text
    assert "ann.jones" not in caplog.text
    assert "203.0.113.66" not in caplog.text and "203.0.113.67" not in caplog.text


@pytest.mark.parametrize("length", [151, 256, 1000])
def test_a_username_longer_than_any_account_s_is_refused_before_anything_is_recorded(client, staff, length):
    """No account has a username over 150 characters (the User model's limit), and the record of
    failed sign-ins keeps at most 255: a longer one is refused like a wrong password, with nothing
    written (on PostgreSQL the record would overflow its column and the page fail)."""
    response = sign_in(client, "wrong", username="a" * length)
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert not AccessFailureLog.objects.exists()


def test_a_username_with_a_nul_character_is_refused_before_anything_is_recorded(client, staff):
    response = sign_in(client, "wrong", username="alex\x00")
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil", "https:///evil.example", "/\\evil.example"])
def test_signing_in_with_an_unsafe_next_address_lands_on_the_staff_home(client, staff, unsafe):
    response = client.post(
        LOGIN + "?" + urlencode({"next": unsafe}), {"username": "alex", "password": PASSWORD, "next": unsafe}
    )
    assert response.status_code == 302
    assert response["Location"] == ADMIN
    assert client.get(response["Location"]).status_code == 200


def test_signing_in_with_a_safe_next_address_goes_there(client, staff):
    target = reverse("admin:guidance_comment_changelist")
    response = client.post(LOGIN, {"username": "alex", "password": PASSWORD, "next": target})
    assert response["Location"] == target


def test_ten_failures_at_one_username_from_as_many_addresses_lock_that_username_out_everywhere(client, staff):
    """Someone guessing one person's password from many addresses (a botnet) meets the lockout per
    username and address at none of them, so the username is limited as a whole too."""
    for n in range(9):
        assert sign_in(client, f"guess{n}", address=f"198.51.100.{n}").status_code == 200
    assert sign_in(client, "guess9", address="198.51.100.9").status_code == 429
    locked = sign_in(client, PASSWORD, address="192.0.2.1")
    assert locked.status_code == 429
    assert "Signing in is locked for now" in locked.content.decode()
    assert client.get(ADMIN).status_code == 302


def test_nine_failures_at_one_username_from_as_many_addresses_do_not_lock_it_out(client, staff):
    for n in range(9):
        sign_in(client, f"guess{n}", address=f"198.51.100.{n}")
    assert sign_in(client, PASSWORD, address="192.0.2.1").status_code == 302


def test_the_browser_someone_signed_in_with_before_is_not_locked_out_by_guesses_at_their_username_elsewhere(
    client, staff
):
    assert sign_in(client, PASSWORD).status_code == 302
    sign_out(client)
    attacker = Client()
    for n in range(12):
        sign_in(attacker, f"guess{n}", address=f"198.51.100.{n}")
    assert sign_in(attacker, PASSWORD, address="192.0.2.1").status_code == 429
    assert sign_in(client, PASSWORD).status_code == 302


def test_colleagues_who_signed_in_from_a_shared_address_before_are_not_locked_out_by_its_failures(client, staff):
    """An office behind one address: someone there trying every username locks that address out for
    browsers that never signed in there, not for colleagues signing in as they always do."""
    colleague = User.objects.create_user("sam", password=PASSWORD, is_staff=True)
    assert sign_in(client, PASSWORD, address="203.0.113.66", username="sam").status_code == 302
    sign_out(client)
    sprayer = Client()
    for n in range(20):
        sign_in(sprayer, "Summer2027!", username=f"user{n}", address="203.0.113.66")
    assert sign_in(sprayer, PASSWORD, address="203.0.113.66", username="sam").status_code == 429
    assert sign_in(Client(), PASSWORD, address="203.0.113.66").status_code == 429  # alex, on a new browser
    assert sign_in(client, PASSWORD, address="203.0.113.66", username="sam").status_code == 302
    assert client.get(ADMIN).wsgi_request.user == colleague


def test_a_browser_is_trusted_only_for_the_usernames_that_signed_in_with_it(client, staff):
    User.objects.create_user("sam", password=PASSWORD, is_staff=True)
    assert sign_in(client, PASSWORD, username="sam").status_code == 302
    sign_out(client)
    for n in range(10):
        sign_in(Client(), f"guess{n}", address=f"198.51.100.{n}")
    assert sign_in(client, PASSWORD).status_code == 429


def test_a_trusted_browser_is_still_locked_out_after_five_failures_with_its_username_from_its_address(client, staff):
    assert sign_in(client, PASSWORD).status_code == 302
    sign_out(client)
    for _ in range(5):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 429


@pytest.mark.parametrize("forge", ["altered", "signed with another key", "not signed"])
def test_a_made_up_or_altered_trusted_browser_cookie_is_not_believed(client, staff, forge):
    sign_in(client, PASSWORD)
    sign_out(client)
    genuine = client.cookies[TRUSTED_BROWSER_COOKIE].value
    payload, _, _ = genuine.partition(":")
    client.cookies[TRUSTED_BROWSER_COOKIE] = {
        "altered": payload + ":" + genuine.partition(":")[2][::-1],
        "signed with another key": signing.dumps([username_mark("alex")], key="x" * 50, salt=TRUSTED_BROWSER_SALT),
        "not signed": payload,
    }[forge]
    for n in range(10):
        sign_in(Client(), f"guess{n}", address=f"198.51.100.{n}")
    assert sign_in(client, PASSWORD).status_code == 429


def test_the_trusted_browser_cookie_names_nobody_and_is_sent_only_to_the_admin(client, staff):
    User.objects.create_user("ann.jones@example.org", password=PASSWORD, is_staff=True)
    response = sign_in(client, PASSWORD, username="ann.jones@example.org")
    cookie = response.cookies[TRUSTED_BROWSER_COOKIE]
    assert "ann" not in cookie.value and "example" not in cookie.value
    assert "ann" not in base64.urlsafe_b64decode(cookie.value.split(":")[0] + "==").decode(errors="replace")
    assert cookie["path"] == ADMIN
    assert cookie["httponly"]
    assert cookie["max-age"] == 90 * 24 * 3600


def test_a_trusted_browser_is_forgotten_after_ninety_days(client, staff):
    start = timezone.now()
    sign_in(client, PASSWORD)
    sign_out(client)
    for n in range(10):
        sign_in(Client(), f"guess{n}", address=f"198.51.100.{n}")
    with mock.patch("time.time", return_value=(start + datetime.timedelta(days=91)).timestamp()):
        assert sign_in(client, PASSWORD).status_code == 429


# Adding staff members, their roles and access -----------------------------------------------------

ADD = reverse("admin:auth_user_add")
STAFF_LIST = reverse("admin:auth_user_changelist")
NEW_MODERATOR = {"first_name": "Kit", "last_name": "Jones", "email": "Kit.Jones@example.org", "role": "Moderator"}


@pytest.fixture
def manager_client(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(manager=True, first_name="Mo", last_name="Manager"))
    return client


def set_password_link(message):
    found = re.search(r"https?://[^/\s]+(/\S*/password/set/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_a_manager_adds_a_moderator_who_is_sent_an_email_to_set_a_password(manager_client):
    from django.core import mail

    from guidance.models import QueuedEmail

    page = manager_client.post(ADD, NEW_MODERATOR, follow=True)
    assert "Kit Jones is added as Moderator. An email with a link to set their password is on its way" in (
        page.content.decode()
    )
    kit = User.objects.get(email="Kit.Jones@example.org")
    assert (kit.username, kit.get_full_name(), kit.is_staff, kit.is_active) == (
        "kit.jones@example.org",
        "Kit Jones",
        True,
        True,
    )
    assert [group.name for group in kit.groups.all()] == ["Moderator"]
    assert not kit.has_usable_password()
    queued = QueuedEmail.objects.get()
    assert (queued.kind, queued.to, queued.user, queued.status) == ("set_password", kit.email, kit, "waiting")
    assert mail.outbox == []  # queued in the request, sent by the worker


def test_the_add_page_offers_each_role_as_a_radio_button_with_what_it_may_do(manager_client):
    page = manager_client.get(ADD)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<title>Add a staff member |" in html
    for name, value in [
        ("Moderator", "Moderator"),
        ("Analyst", "Analyst"),
        ("Consultation manager", "Consultation manager"),
    ]:
        assert f'<input type="radio" name="role" value="{value}"' in html
        assert f">{name}</label>" in html
    assert "approves, rejects or marks them as spam" in html
    assert "password" not in " ".join(re.findall(r'name="([^"]+)"', html))
    assert "Staff status" not in html and "user_permissions" not in html


@pytest.mark.parametrize(
    "change, error",
    [
        ({"role": ""}, "Choose what they will do: their role."),
        ({"role": "Superuser"}, "Select a valid choice."),
        ({"first_name": " \u200b "}, "Enter their first name."),
        ({"email": "not an address"}, "Enter an email address in the correct format"),
        ({"email": "kit@" + "x" * 150 + ".org"}, "Enter an email address of 150 characters or fewer."),
        ({"last_name": "Jo\x1bnes"}, "Remove the hidden control characters"),
    ],
)
def test_adding_with_something_missing_or_wrong_says_what_and_stores_nothing(manager_client, change, error):
    from guidance.models import QueuedEmail

    page = manager_client.post(ADD, {**NEW_MODERATOR, **change})
    assert page.status_code == 400
    assert error in page.content.decode()
    assert not User.objects.filter(first_name="Kit").exists()
    assert not QueuedEmail.objects.exists()


def test_an_address_someone_has_already_is_refused(manager_client):
    User.objects.create_user("kit.jones@example.org", email="kit.jones@example.org", is_staff=True)
    page = manager_client.post(ADD, NEW_MODERATOR)
    assert page.status_code == 400
    assert "Someone has an account with this email address already." in page.content.decode()
    assert User.objects.filter(email__iexact="kit.jones@example.org").count() == 1


def test_the_new_moderator_sets_a_password_and_signs_in_without_a_lockout_failure(client, manager_client):
    from django.core import mail

    from tests.journey_helpers import deliver_emails

    manager_client.post(ADD, NEW_MODERATOR)
    assert deliver_emails() == 1
    message = mail.outbox[0]
    assert message.to == ["Kit.Jones@example.org"]
    assert "with the role Moderator" in message.body and "kit.jones@example.org" in message.body
    link = set_password_link(message)
    kit = Client()
    form = kit.get(link, follow=True)
    assert "Choose a password for your staff account" in form.content.decode()
    done = kit.post(form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}, follow=True)
    assert "Your password is set" in done.content.decode()
    signed_in = sign_in(kit, PASSWORD, username="kit.jones@example.org")
    assert signed_in.status_code == 302 and signed_in["Location"] == ADMIN
    assert kit.get(ADMIN).status_code == 200
    assert not AccessAttempt.objects.exists() and not AccessFailureLog.objects.exists()
    # The link works once.
    again = Client().get(link, follow=True)
    assert "This link to set a password has been used already" in again.content.decode()


def test_the_set_password_page_keeps_the_password_rules(manager_client):
    from django.core import mail

    from tests.journey_helpers import deliver_emails

    manager_client.post(ADD, NEW_MODERATOR)
    deliver_emails()
    kit = Client()
    form = kit.get(set_password_link(mail.outbox[0]), follow=True)
    refused = kit.post(form.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"})
    assert refused.status_code == 200
    assert "This password is too common." in refused.content.decode()
    assert not User.objects.get(first_name="Kit").has_usable_password()


def test_a_made_up_set_password_link_sets_nothing(client):
    page = client.get(reverse("admin:staff_set_password", args=["MQ", "made-up-token"]))
    assert page.status_code == 200
    assert "This link to set a password has been used already" in page.content.decode()


def test_a_role_implies_staff_status_and_no_role_clears_it():
    from guidance.staff.members import set_role
    from tests.factories import UserFactory

    person = UserFactory(is_staff=False)
    set_role(person, "Analyst")
    person.refresh_from_db()
    assert person.is_staff and [group.name for group in person.groups.all()] == ["Analyst"]
    set_role(person, "Moderator")
    assert [group.name for group in person.groups.all()] == ["Moderator"]
    set_role(person, None)
    person.refresh_from_db()
    assert not person.is_staff and not person.groups.exists()


def test_a_superuser_keeps_staff_status_without_a_role():
    from guidance.staff.members import set_role

    boss = User.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    set_role(boss, None)
    boss.refresh_from_db()
    assert boss.is_staff


def test_the_staff_list_shows_full_names_roles_and_access(manager_client):
    from tests.factories import UserFactory

    UserFactory(username="kit", first_name="Kit", last_name="Jones", analyst=True)
    UserFactory(username="pat", first_name="", last_name="", moderator=True, is_active=False)
    html = manager_client.get(STAFF_LIST).content.decode()
    assert "<title>Staff members |" in html
    assert ">Kit Jones</a>" in html and '<td class="field-role_name">Analyst</td>' in html
    assert ">pat</a>" in html and "Access removed" in html
    assert "Mo Manager" in html and "Consultation manager" in html
    assert "Add a staff member" in html
    only_analysts = manager_client.get(STAFF_LIST, {"role": "Analyst"})
    assert [str(user) for user in only_analysts.context["cl"].result_list] == ["Kit Jones"]


def test_an_unknown_role_in_the_list_s_address_is_refused(manager_client):
    assert manager_client.get(STAFF_LIST, {"role": "Overlord"}).status_code == 400


def test_a_non_superuser_manager_never_sees_the_permission_list(manager_client):
    from tests.factories import UserFactory

    kit = UserFactory(first_name="Kit", last_name="Jones", moderator=True)
    html = manager_client.get(reverse("admin:auth_user_change", args=[kit.pk])).content.decode()
    assert re.search(r'<input type="radio" name="role" value="Moderator" [^>]*checked', html)
    for raw in ['name="user_permissions"', 'name="groups"', 'name="is_superuser"', 'name="is_staff"', "Staff status"]:
        assert raw not in html
    # Posting them anyway changes nothing.
    manager_client.post(
        reverse("admin:auth_user_change", args=[kit.pk]),
        {"first_name": "Kit", "last_name": "Jones", "email": kit.email, "role": "Moderator", "is_superuser": "on"},
    )
    kit.refresh_from_db()
    assert not kit.is_superuser


def test_a_superuser_sees_the_permission_list_beside_the_role(admin_client):
    from tests.factories import UserFactory

    kit = UserFactory(moderator=True)
    html = admin_client.get(reverse("admin:auth_user_change", args=[kit.pk])).content.decode()
    assert 'name="user_permissions"' in html and 'name="groups"' in html and 'name="is_superuser"' in html
    assert "Permissions (shown to superusers only)" in html
    assert 'name="is_staff"' not in html


def test_a_manager_changes_a_staff_members_role_with_the_same_radios(manager_client):
    from tests.factories import UserFactory

    kit = UserFactory(first_name="Kit", last_name="Jones", moderator=True)
    saved = manager_client.post(
        reverse("admin:auth_user_change", args=[kit.pk]),
        {"first_name": "Kit", "last_name": "Jones", "email": kit.email, "role": "Analyst"},
    )
    assert saved.status_code == 302
    kit.refresh_from_db()
    assert [group.name for group in kit.groups.all()] == ["Analyst"] and kit.is_staff


def test_a_manager_cannot_change_a_superuser_or_set_anyones_password(manager_client):
    from tests.factories import UserFactory

    boss = User.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    kit = UserFactory(moderator=True)
    post = {"first_name": "Evil", "last_name": "", "email": "boss@example.org", "role": "Moderator"}
    assert manager_client.post(reverse("admin:auth_user_change", args=[boss.pk]), post).status_code == 403
    assert manager_client.post(reverse("admin:staff_member_remove_access", args=[boss.pk])).status_code == 403
    assert manager_client.get(reverse("admin:auth_user_password_change", args=[kit.pk])).status_code == 403
    boss.refresh_from_db()
    assert boss.first_name == "" and boss.is_active


def test_moderators_and_analysts_cannot_add_staff_members(client):
    from tests.factories import UserFactory

    for role in ["moderator", "analyst"]:
        client.force_login(UserFactory(**{role: True}))
        assert client.get(ADD).status_code == 403
        assert client.post(ADD, NEW_MODERATOR).status_code == 403
    assert not User.objects.filter(first_name="Kit").exists()


def test_removing_access_stops_sign_in_and_every_link_sent(manager_client):
    from django.core import mail

    from tests.journey_helpers import deliver_emails

    manager_client.post(ADD, NEW_MODERATOR)
    deliver_emails()
    link = set_password_link(mail.outbox[0])
    kit = User.objects.get(first_name="Kit")
    kit.set_password(PASSWORD)
    kit.save()
    kit_browser = Client()
    sign_in(kit_browser, PASSWORD, username=kit.username)
    confirm = manager_client.get(reverse("admin:staff_member_remove_access", args=[kit.pk]))
    assert "Kit Jones (Moderator) will no longer be able to sign in" in confirm.content.decode()
    done = manager_client.post(reverse("admin:staff_member_remove_access", args=[kit.pk]), follow=True)
    assert "Kit Jones can no longer sign in." in done.content.decode()
    kit.refresh_from_db()
    assert (kit.is_active, kit.is_staff, kit.groups.exists(), kit.has_usable_password()) == (False, False, False, False)
    assert kit_browser.get(ADMIN).status_code == 302  # signed out at the next click
    assert sign_in(Client(), PASSWORD, username=kit.username).status_code == 200
    assert "has been used already" in Client().get(link, follow=True).content.decode()


def test_nobody_removes_their_own_access(client):
    from tests.factories import UserFactory

    manager = UserFactory(manager=True)
    client.force_login(manager)
    page = client.post(reverse("admin:staff_member_remove_access", args=[manager.pk]), follow=True)
    assert "You cannot remove your own access" in page.content.decode()
    manager.refresh_from_db()
    assert manager.is_active and manager.is_staff


def test_a_removed_member_given_a_role_again_is_sent_a_new_link(manager_client):
    from guidance.models import QueuedEmail
    from guidance.staff.members import remove_access
    from tests.factories import UserFactory

    kit = remove_access(UserFactory(first_name="Kit", last_name="Jones", moderator=True))
    page = manager_client.post(
        reverse("admin:auth_user_change", args=[kit.pk]),
        {"first_name": "Kit", "last_name": "Jones", "email": kit.email, "role": "Analyst"},
        follow=True,
    )
    assert "Kit Jones can sign in again once they set a password" in page.content.decode()
    kit.refresh_from_db()
    assert kit.is_active and kit.is_staff and [group.name for group in kit.groups.all()] == ["Analyst"]
    assert QueuedEmail.objects.get().user == kit


def test_a_link_queued_before_access_was_removed_is_never_sent(manager_client):
    from django.core import mail

    from guidance.staff.members import remove_access
    from tests.journey_helpers import deliver_emails

    manager_client.post(ADD, NEW_MODERATOR)
    remove_access(User.objects.get(first_name="Kit"))
    deliver_emails()
    assert mail.outbox == []


def test_a_manager_sends_a_new_link_from_the_members_page(manager_client):
    from guidance.models import QueuedEmail
    from tests.factories import UserFactory

    kit = UserFactory(moderator=True)
    page = manager_client.get(reverse("admin:auth_user_change", args=[kit.pk])).content.decode()
    assert "Send a link to set a password" in page
    manager_client.post(reverse("admin:staff_member_send_password_email", args=[kit.pk]))
    assert QueuedEmail.objects.get().to == kit.email
    assert manager_client.get(reverse("admin:staff_member_send_password_email", args=[kit.pk])).status_code == 405


# The admin's home page: staff work, and "System" for superusers ------------------------------------


def test_the_system_section_is_shown_to_superusers_only(client, manager_client):
    boss = User.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    manager_home = manager_client.get(ADMIN).content.decode()
    assert "Staff members" in manager_home
    assert "System" not in manager_home and "Access attempts" not in manager_home
    assert manager_client.get(reverse("admin:system")).status_code == 403
    client.force_login(boss)
    home = client.get(ADMIN)
    sections = [app["name"] for app in home.context["app_list"]]
    assert sections == ["Consultation portal", "Staff", "System"]
    system = [model["object_name"] for model in home.context["app_list"][-1]["models"]]
    assert {"AccessAttempt", "AccessFailureLog", "AccessLog", "Group", "TOTPDevice"} <= set(system)
    assert all(model["object_name"] not in system for model in home.context["app_list"][0]["models"])
    assert "Access attempts" in client.get(reverse("admin:system")).content.decode()


# Full names wherever staff see a person ------------------------------------------------------------


def test_display_name_falls_back_to_the_username():
    from guidance.staff.members import display_name

    assert display_name(User(username="kit", first_name="Kit", last_name="Jones")) == "Kit Jones"
    assert display_name(User(username="kit")) == "kit"
    assert str(User(username="kit", first_name="Kit")) == "Kit"


def test_the_moderation_history_shows_who_decided_by_full_name(client, section):
    from guidance.models import Comment, StaffNote
    from guidance.moderation.decisions import decide
    from tests.factories import CommentFactory, UserFactory

    kit = UserFactory(username="kit", first_name="Kit", last_name="Jones", moderator=True)
    comment = CommentFactory(section=section)
    decide(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, by=kit)
    StaffNote.objects.create(comment=comment, by=kit, text="Checked.")
    client.force_login(UserFactory(moderator=True))
    page = client.get(reverse("admin:guidance_comment_change", args=[comment.pk])).content.decode()
    assert "Kit Jones" in page and ">kit<" not in page
    screen = reverse("admin:guidance_consultation_moderate", args=[comment.consultation_id])
    decided = client.get(screen, {"queue": "decided"}).content.decode()
    assert "Kit Jones" in decided
    events = client.get(reverse("admin:guidance_moderationevent_changelist")).content.decode()
    assert "Kit Jones" in events


def test_an_export_names_who_decided_and_who_wrote_each_note_by_full_name(section):
    import csv
    import io

    from guidance.analysis.exports import csv_chunks
    from guidance.models import Comment, StaffNote
    from guidance.moderation.decisions import decide
    from tests.factories import CommentFactory, UserFactory

    kit = UserFactory(username="kit", first_name="Kit", last_name="Jones", moderator=True)
    nameless = UserFactory(username="pat", first_name="", last_name="", moderator=True)
    first, second = CommentFactory(section=section), CommentFactory(section=section)
    decide(Comment.objects.filter(pk=first.pk), Comment.Status.APPROVED, by=kit)
    decide(Comment.objects.filter(pk=second.pk), Comment.Status.APPROVED, by=nameless)
    StaffNote.objects.create(comment=first, by=kit, text="Checked.")
    consultation = first.consultation
    chunks = csv_chunks(consultation, consultation.comments.all(), with_personal_data=True)
    text = b"".join(chunks).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["Moderated by"] for row in rows) == ["Kit Jones", "pat"]
    assert "Kit Jones: Checked." in [row for row in rows if row["Moderated by"] == "Kit Jones"][0]["Staff notes"]

"""Staff accounts: sign-in attempts are limited, and an idle staff session ends after an hour."""

import base64
import datetime
import ipaddress
import logging
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

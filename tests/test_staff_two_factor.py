"""A second factor for staff (STAFF_TWO_FACTOR): an authenticator app set up at the next sign-in,
its code asked for after the password from then on, and reset by a superuser when lost."""

import base64
import datetime
import io

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from guidance.models import Consultation
from guidance.staff.accounts import TRUSTED_BROWSER_COOKIE
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
CODE = reverse("admin:sign_in_code")
ADMIN = reverse("admin:index")
PASSWORD = "a-long-enough-password-1"


@pytest.fixture(autouse=True)
def two_factor_required(settings):
    settings.STAFF_TWO_FACTOR = True


@pytest.fixture
def staff():
    return User.objects.create_user("alex", password=PASSWORD, is_staff=True, is_superuser=True)


@pytest.fixture
def staff_with_app(staff):
    return TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)


def sign_in(client, password=PASSWORD, username="alex", next_address=None):
    data = {"username": username, "password": password}
    if next_address is not None:
        data["next"] = next_address
    return client.post(LOGIN, data, REMOTE_ADDR="10.0.0.1")


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def signed_in(client):
    return client.get(ADMIN).status_code == 200


def test_the_right_password_leads_to_the_code_page_without_signing_in(client, staff_with_app):
    response = sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == CODE
    assert not signed_in(client)
    assert client.get(reverse("admin:guidance_comment_changelist")).status_code == 302


def test_a_wrong_password_is_refused_as_before(client, staff_with_app):
    response = sign_in(client, password="wrong")
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()
    assert client.get(CODE)["Location"] == LOGIN


def test_the_right_code_after_the_password_signs_in(client, staff_with_app):
    sign_in(client)
    page = client.get(CODE).content.decode()
    assert "Enter the code from your authenticator app" in page
    assert "QR code of the key" not in page and staff_with_app.key not in page
    response = client.post(CODE, {"code": code_for(staff_with_app)})
    assert response.status_code == 302
    assert response["Location"] == ADMIN
    assert signed_in(client)


def test_a_wrong_code_is_refused_and_nobody_is_signed_in(client, staff_with_app):
    sign_in(client)
    right = int(code_for(staff_with_app))
    response = client.post(CODE, {"code": f"{(right + 1) % 1_000_000:06d}"})
    assert response.status_code == 400
    assert "That code is wrong or has run out" in response.content.decode()
    assert not signed_in(client)


def test_after_a_wrong_code_even_the_right_one_waits_so_codes_cannot_be_guessed_quickly(client, staff_with_app):
    sign_in(client)
    right = code_for(staff_with_app)
    client.post(CODE, {"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    response = client.post(CODE, {"code": right})
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    assert not signed_in(client)
    TOTPDevice.objects.update(throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=2))
    assert client.post(CODE, {"code": right}).status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize(
    "code, message",
    [
        ("", "Enter the 6-digit code your authenticator app shows."),
        ("12345", "Enter the 6 digits your authenticator app shows"),
        ("abcdef", "Enter the 6 digits your authenticator app shows"),
        ("１２３４５６", "Enter the 6 digits your authenticator app shows"),
        ("1" * 5000, "Ensure this value has at most 20 characters"),
        ("12\x0034", "Null characters are not allowed."),
    ],
)
def test_a_code_that_is_not_six_digits_gets_a_clear_message(client, staff_with_app, code, message):
    sign_in(client)
    response = client.post(CODE, {"code": code})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert TOTPDevice.objects.get().throttling_failure_count == 0
    assert not signed_in(client)


def test_a_code_with_a_space_in_the_middle_is_taken(client, staff_with_app):
    sign_in(client)
    code = code_for(staff_with_app)
    assert client.post(CODE, {"code": f"{code[:3]} {code[3:]}"}).status_code == 302


def test_someone_without_an_app_sets_one_up_at_their_next_sign_in(client, staff):
    assert sign_in(client)["Location"] == CODE
    page = client.get(CODE).content.decode()
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    assert "Set up your authenticator app" in page
    assert '<svg role="img"' in page and "<title>QR code of the key</title>" in page
    key = base64.b32encode(device.bin_key).decode()
    assert " ".join(key[i : i + 4] for i in range(0, len(key), 4)) in page
    # The same key however often the page is seen, so a scanned one keeps working.
    client.get(CODE)
    assert TOTPDevice.objects.get(user=staff).key == device.key
    response = client.post(CODE, {"code": code_for(device)})
    assert response["Location"] == ADMIN
    assert signed_in(client)
    assert TOTPDevice.objects.get(user=staff).confirmed


def test_setting_up_with_a_wrong_code_confirms_nothing(client, staff):
    sign_in(client)
    client.get(CODE)
    response = client.post(CODE, {"code": "000000" if code_for(TOTPDevice.objects.get()) != "000000" else "111111"})
    assert response.status_code == 400
    assert "Set up your authenticator app" in response.content.decode()
    assert not TOTPDevice.objects.get().confirmed
    assert not signed_in(client)


def test_the_code_page_leads_to_sign_in_unless_a_password_was_right_in_the_last_ten_minutes(client, staff_with_app):
    assert client.get(CODE)["Location"] == LOGIN
    assert client.post(CODE, {"code": code_for(staff_with_app)})["Location"] == LOGIN
    sign_in(client)
    session = client.session
    session["staff_sign_in_pending"]["since"] -= 601
    session.save()
    assert client.post(CODE, {"code": code_for(staff_with_app)})["Location"] == LOGIN
    assert not signed_in(client)


def test_an_account_switched_off_between_the_password_and_the_code_is_not_signed_in(client, staff_with_app):
    sign_in(client)
    User.objects.filter(username="alex").update(is_active=False)
    assert client.post(CODE, {"code": code_for(staff_with_app)})["Location"] == LOGIN
    assert not signed_in(client)


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil"])
def test_the_next_address_is_kept_through_the_code_and_an_unsafe_one_becomes_the_staff_home(
    client, staff_with_app, unsafe
):
    comments = reverse("admin:guidance_comment_changelist")
    sign_in(client, next_address=comments)
    assert client.post(CODE, {"code": code_for(staff_with_app)})["Location"] == comments
    client.post(reverse("admin:logout"))
    TOTPDevice.objects.update(last_t=-1)
    sign_in(client, next_address=unsafe)
    assert client.post(CODE, {"code": code_for(staff_with_app)})["Location"] == ADMIN


def test_a_staff_member_between_password_and_code_cannot_see_a_draft(client, staff_with_app):
    draft = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    sign_in(client)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.post(CODE, {"code": code_for(staff_with_app)})
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_a_session_signed_in_before_the_second_factor_was_required_must_sign_in_again(client, staff_with_app):
    client.force_login(staff_with_app.user)
    response = client.get(ADMIN)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    page = client.get(response["Location"]).content.decode()
    assert "You are authenticated as" not in page
    assert "_auth_user_id" not in client.session


def test_with_the_setting_off_the_password_alone_signs_in(client, staff_with_app, settings):
    settings.STAFF_TWO_FACTOR = False
    assert sign_in(client)["Location"] == ADMIN
    assert signed_in(client)


def test_failures_are_cleared_and_the_browser_trusted_only_once_the_code_is_right(client, staff_with_app):
    sign_in(client, password="wrong")
    response = sign_in(client)
    assert TRUSTED_BROWSER_COOKIE not in response.cookies
    assert AccessAttempt.objects.filter(failures_since_start=1).exists()
    response = client.post(CODE, {"code": code_for(staff_with_app)}, REMOTE_ADDR="10.0.0.1")
    assert TRUSTED_BROWSER_COOKIE in response.cookies
    assert not AccessAttempt.objects.exists()


def test_a_superuser_resets_a_lost_app_and_its_owner_sets_up_a_new_one(client, staff_with_app):
    sign_in(client)
    client.post(CODE, {"code": code_for(staff_with_app)})
    out = io.StringIO()
    call_command("reset_two_factor", "alex", stdout=out)
    assert "Forgot alex's authenticator app" in out.getvalue()
    assert not TOTPDevice.objects.exists()
    # The session that signed in with the old app no longer reaches the admin.
    assert not signed_in(client)
    sign_in(client)
    assert "Set up your authenticator app" in client.get(CODE).content.decode()


def test_resetting_an_unknown_username_says_so(staff_with_app):
    with pytest.raises(Exception, match="There is no account with the username 'nobody'"):
        call_command("reset_two_factor", "nobody")
    assert TOTPDevice.objects.exists()

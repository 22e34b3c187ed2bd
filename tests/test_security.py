"""Production security settings: headers, CSP, the admin's address, request limits."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
REAL_LOOKING_KEY = "k3Jd9s-83jdKs0_2kdmLq8Zp1xV7cB4nW6yT5rE0uI9oP3aS2dF1gH8jK7lM6"

pytestmark = pytest.mark.django_db


def run_manage(*args, **env):
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


# What `check --deploy` already proves (framing refused, cookies secure, plain HTTP redirected) is
# left to it; the tests below check the values the portal chooses and what Django does not check.
def test_check_deploy_gives_no_warnings_with_a_real_key_and_allowed_hosts():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=REAL_LOOKING_KEY,
        DJANGO_ALLOWED_HOSTS="consult.example.org",
        EMAIL_HOST="smtp.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_https_is_switched_off_for_a_plain_http_try_out():
    result = run_manage(
        "check", "--deploy", DJANGO_SECRET_KEY=REAL_LOOKING_KEY, DJANGO_ALLOWED_HOSTS="localhost", DJANGO_HTTPS="false"
    )
    assert "security.W008" in result.stderr + result.stdout  # SECURE_SSL_REDIRECT
    assert "security.W012" in result.stderr + result.stdout  # SESSION_COOKIE_SECURE


@pytest.mark.parametrize("path", ["/", "/healthz", "/admin/login/"])
def test_pages_carry_the_security_headers_over_https(client, path):
    response = client.get(path, secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert csp_directives(response)["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", ["/", "/healthz", "/admin/login/"])
def test_pages_and_the_admin_have_a_strict_content_security_policy(client, path):
    directives = csp_directives(client.get(path, secure=True))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert "unsafe-inline" not in client.get(path, secure=True)["Content-Security-Policy"]


def test_the_proxy_header_marks_a_request_as_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response


@pytest.mark.parametrize("path", ["/healthz", "/healthz/live", "/healthz/ready"])
def test_the_health_checks_answer_plain_http_probes_without_redirecting(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/", "/admin/login/"])
def test_pages_allow_no_camera_microphone_location_or_other_powerful_feature(client, path):
    policy = dict(item.split("=") for item in client.get(path, secure=True)["Permissions-Policy"].split(", "))
    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "fullscreen"]:
        assert policy[feature] == "()"


def test_csrf_cookie_is_secure_and_http_only():
    response = Client().get("/admin/login/", secure=True)
    cookie = response.cookies["csrftoken"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


ADMIN_PATH_PROBE = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
print(client.get("/staff-only/login/").status_code, client.get("/admin/login/").status_code)
"""


def test_the_admin_path_is_configurable():
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    clean.update(
        DJANGO_DEBUG="true",
        DJANGO_ADMIN_PATH="staff-only",
        DJANGO_SETTINGS_MODULE="consult.settings",
        DATABASE_URL="sqlite:///:memory:",
    )
    result = subprocess.run(
        [sys.executable, "-c", ADMIN_PATH_PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["200", "404"]


# Browsers send Origin with a form POST, and the CSRF cookie of the page the form came from; the
# CSRF check then reads the body, which is where the limits apply.
BROWSER_ORIGIN = {"Origin": "https://testserver"}


def browser():
    client = Client(enforce_csrf_checks=True)
    client.get("/admin/login/", secure=True)
    return client


def test_too_many_fields_get_the_400_page_not_a_500():
    client = browser()
    fields = {f"field{n}": "x" for n in range(1001)}
    response = client.post("/", fields, secure=True, headers=BROWSER_ORIGIN)
    assert response.status_code == 400
    assert "Sorry, there is a problem with what was sent" in response.content.decode()


def test_a_body_over_one_mebibyte_gets_the_400_page_not_a_500():
    client = browser()
    response = client.post(
        "/admin/login/", {"username": "x" * 1_100_000, "password": "y"}, secure=True, headers=BROWSER_ORIGIN
    )
    assert response.status_code == 400
    assert "Sorry, there is a problem with what was sent" in response.content.decode()


def test_a_long_but_honest_form_is_accepted():
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/admin/login/", {f"answer{n}": "é" * 10_000 for n in range(6)}, secure=True, headers=BROWSER_ORIGIN
    )
    assert response.status_code == 403  # refused for its missing CSRF token, so the body was read

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from guidance.management.commands import run_local

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.django_db


def test_the_demo_consultation_is_served_on_the_home_page(client):
    call_command("load_demo", verbosity=0)
    page = client.get("/")
    assert page.status_code == 200
    assert "Draft guidance on co-producing research: have your say" in page.content.decode()


def test_the_admin_asks_staff_to_sign_in(client):
    page = client.get("/admin/", follow=True)
    assert page.status_code == 200
    assert page.redirect_chain[-1][0].startswith("/admin/login/")


def test_create_local_staff_prints_a_new_password_that_works_each_time(client, settings, capsys):
    settings.DEBUG = True
    call_command("create_local_staff")
    first = capsys.readouterr().out.split("password: ")[1].strip()
    call_command("create_local_staff")
    second = capsys.readouterr().out.split("password: ")[1].strip()
    assert first != second and len(second) >= 16
    assert client.login(username="admin", password=second)
    assert not client.login(username="admin", password=first)


MIGRATED_PORTAL_PROBE = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from guidance.models import Comment, Consultation
from tests.journey_helpers import comment_data, section_url
setup_test_environment()
consultation = Consultation.objects.get()
page = Client().post(section_url(consultation.document.sections.first(), consultation), comment_data())
print(page.status_code, Comment.objects.count())
"""


def test_migrate_alone_leaves_a_portal_that_accepts_a_response(tmp_path):
    # The database cache's table comes with the migrations: no other command is needed before
    # the first submission. (With DEBUG off the portal wants an email backend chosen.)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="consult.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k3Jd9s-83jdKs0_2kdmLq8Zp1xV7cB4nW6yT5rE0uI9oP3aS2dF1gH8jK7lM6",
        DJANGO_HTTPS="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    for command in (["migrate", "--noinput"], ["load_demo"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
    result = subprocess.run(
        [sys.executable, "-c", MIGRATED_PORTAL_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["302", "1"], result.stdout


def test_make_run_serves_on_the_port_given(tmp_path):
    planned = subprocess.run(
        ["make", "-n", "run", "PORT=8001"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "manage.py run_local 127.0.0.1:8001" in planned
    assert "migrate --noinput --verbosity 0" in planned


def test_the_local_server_ends_its_start_up_with_the_address_the_staff_login_and_how_to_stop(
    client, settings, monkeypatch
):
    settings.DEBUG = True
    command = run_local.Command(stdout=io.StringIO())
    monkeypatch.setattr(command, "addr", "127.0.0.1", raising=False)
    monkeypatch.setattr(command, "protocol", "http", raising=False)
    monkeypatch.setenv(run_local.PASSWORD_VARIABLE, "a-fresh-password")
    command.on_bind(8001)
    block = command.stdout._out.getvalue()
    assert "The portal is running at  http://127.0.0.1:8001/" in block
    assert "Staff admin:              http://127.0.0.1:8001/admin/" in block
    assert "username  admin" in block and "password  a-fresh-password" in block
    assert "Stop it with Control-C." in block
    assert "Django version" not in block and "Starting development server" not in block


def test_the_local_server_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="for local runs"):
        call_command("run_local", "127.0.0.1:8001")


def test_the_site_has_a_favicon(client):
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/favicon.ico", follow=True)
    assert icon.redirect_chain == [("/static/favicon.ico", 301)]
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file

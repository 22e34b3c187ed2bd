import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL_LOOKING_KEY = "k3Jd9s-83jdKs0_2kdmLq8Zp1xV7cB4nW6yT5rE0uI9oP3aS2dF1gH8jK7lM6"


def load_settings(**env):
    """Import the settings in a fresh interpreter with only the given variables set."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    clean.update(env)
    code = (
        "import consult.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.TIME_ZONE, s.LANGUAGE_CODE)"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


@pytest.mark.parametrize(
    "key",
    ["", "change-me", "replace-me-with-a-long-random-string", "django-insecure-" + "x" * 60, "short-but-random-3kd9"],
)
def test_settings_refuse_a_missing_or_placeholder_secret_key_with_debug_off(key):
    result = load_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is missing, a placeholder or shorter than 50 characters" in result.stderr


def test_settings_refuse_a_missing_secret_key_when_debug_is_unset():
    result = load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_settings_accept_a_real_secret_key_and_default_to_sqlite_uk_time_and_english():
    result = load_settings(DJANGO_SECRET_KEY=REAL_LOOKING_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.sqlite3", "Europe/London", "en-gb"]


def test_debug_runs_without_a_secret_key_for_local_development():
    result = load_settings(DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_database_url_selects_postgresql():
    result = load_settings(DJANGO_SECRET_KEY=REAL_LOOKING_KEY, DATABASE_URL="postgres://u:p@db:5432/consult")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "django.db.backends.postgresql"


def test_a_mistyped_boolean_is_refused_loudly():
    result = load_settings(DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false, not 'ture'" in result.stderr


CONCURRENT_WRITERS = """
import threading, django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
from guidance.models import Consultation, Document

# The tables the writers use, made directly (a document, and the consultations its saving tells
# that it changed; the staff accounts both refer to): every migration would take most of the time.
call_command("migrate", "auth", verbosity=0)
with connection.schema_editor() as editor:
    editor.create_model(Document)
    editor.create_model(Consultation)
errors = []

def writer(n):
    try:
        for i in range(20):
            # Read then write in one transaction: the pattern that fails with "database is
            # locked" when SQLite upgrades a shared lock to a write lock.
            with transaction.atomic():
                Document.objects.count()
                Document.objects.create(title=f"t{n}-{i}", slug=f"t{n}-{i}")
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(Document.objects.count(), errors)
"""


def test_sqlite_default_takes_simultaneous_writers_without_database_is_locked(tmp_path):
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    clean.update(DJANGO_DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'concurrency.sqlite3'}")
    clean["DJANGO_SETTINGS_MODULE"] = "consult.settings"
    result = subprocess.run(
        [sys.executable, "-c", CONCURRENT_WRITERS], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "160 []"


def test_a_developer_machine_keeps_no_rendered_html_but_production_does():
    code = "import consult.settings as s; print(s.CACHES['fragments']['BACKEND'])"
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    debug = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, "DJANGO_DEBUG": "true"}, capture_output=True, text=True
    )
    production = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SECRET_KEY": REAL_LOOKING_KEY},
        capture_output=True,
        text=True,
    )
    assert debug.stdout.strip() == "django.core.cache.backends.dummy.DummyCache"
    assert production.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache"

"""How limits are counted (guidance.responses.ratelimit): places taken atomically in a database table, one
row per client and window, keyed by a keyed hash; and the shared cache (the database, or Redis)
that keeps which comments an address has reported today. tests/test_limits_under_load.py sends
many posts at once."""

import datetime
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from guidance.models import LimitCounter
from guidance.responses import ratelimit

ROOT = Path(__file__).resolve().parent.parent
KEY = "k3Jd9s-83jdKs0_2kdmLq8Zp1xV7cB4nW6yT5rE0uI9oP3aS2dF1gH8jK7lM6"
NOW = 1_800_001_200.0  # 20 minutes into an hour
NEXT_HOUR = datetime.datetime.fromtimestamp(1_800_003_600, tz=datetime.UTC)
WHO = "0123456789abcdef0123456789abcdef"
# A Redis the test may write to (keys under a prefix of its own, removed afterwards).
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def cache_backend(**env):
    clean = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DJANGO_DEBUG"}}
    clean.update(DJANGO_SECRET_KEY=KEY, **env)
    code = "import consult.settings as s; print(s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_database_cache_is_the_default():
    assert cache_backend() == ["django.core.cache.backends.db.DatabaseCache", "portal_cache"]


def test_redis_url_selects_redis():
    assert cache_backend(REDIS_URL="redis://cache:6379/0") == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache:6379/0",
    ]


@pytest.mark.django_db
def test_places_are_taken_up_to_the_limit_then_refused_until_the_next_hour(settings):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 2
    assert ratelimit.blocked_until("submissions", WHO, now=NOW) is None
    first, second, third = (ratelimit.take_place("submissions", WHO, now=NOW) for _ in range(3))
    assert (first.taken, second.taken, third.taken) == (True, True, False)
    assert third.until == NEXT_HOUR
    assert ratelimit.blocked_until("submissions", WHO, now=NOW) == NEXT_HOUR
    # The next hour starts afresh.
    assert ratelimit.blocked_until("submissions", WHO, now=NOW + 3600) is None
    assert ratelimit.take_place("submissions", WHO, now=NOW + 3600).taken


@pytest.mark.django_db
def test_each_kind_and_each_client_has_its_own_places(settings):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
    settings.RATE_LIMIT_REPORTS_PER_HOUR = 1
    assert ratelimit.take_place("submissions", WHO, now=NOW).taken
    assert ratelimit.take_place("reports", WHO, now=NOW).taken
    assert ratelimit.take_place("submissions", "another-client", now=NOW).taken
    assert not ratelimit.take_place("submissions", WHO, now=NOW).taken


@pytest.mark.django_db
def test_a_place_given_back_can_be_taken_again(settings):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
    place = ratelimit.take_place("submissions", WHO, now=NOW)
    refused = ratelimit.take_place("submissions", WHO, now=NOW)
    ratelimit.give_back(refused)  # giving back a refusal gives nothing
    assert ratelimit.blocked_until("submissions", WHO, now=NOW) == NEXT_HOUR
    ratelimit.give_back(place)
    assert ratelimit.blocked_until("submissions", WHO, now=NOW) is None
    assert ratelimit.take_place("submissions", WHO, now=NOW).taken


@pytest.mark.django_db
def test_a_limit_of_zero_refuses_everything(settings):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 0
    assert not ratelimit.take_place("submissions", WHO, now=NOW).taken
    assert ratelimit.blocked_until("submissions", WHO, now=NOW) == NEXT_HOUR


@pytest.mark.django_db
def test_counters_of_ended_windows_are_deleted_as_places_are_taken():
    ratelimit.take_place("submissions", WHO, now=NOW)
    ratelimit.take_place("receipts", WHO, now=NOW)
    ratelimit.take_place("submissions", "another-client", now=NOW + 3600)
    # The hour's counter has gone; the day's is still running.
    assert sorted(key.split(":")[0] for key in LimitCounter.objects.values_list("key", flat=True)) == [
        "receipts",
        "submissions",
    ]
    assert not LimitCounter.objects.filter(key__contains=WHO, key__startswith="submissions").exists()


def test_the_receipt_count_is_the_same_however_one_inbox_is_written():
    fingerprint = ratelimit.recipient_fingerprint
    assert fingerprint("ann@example.org") == fingerprint(" Ann@Example.ORG ") == fingerprint("ann+news@example.org")
    assert fingerprint("a.n.n@gmail.com") == fingerprint("ann+1@googlemail.com") == fingerprint("Ann@gmail.com")
    assert fingerprint("ann@example.org") != fingerprint("anne@example.org")
    assert fingerprint("a.nn@example.org") != fingerprint("ann@example.org")  # dots matter outside Gmail


def redis_is_running():
    try:
        import redis

        return redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping()
    except Exception:
        return False


@pytest.mark.django_db
@pytest.mark.skipif(not redis_is_running(), reason="No Redis server on 127.0.0.1:6379")
def test_with_redis_as_the_cache_limits_still_count_in_the_database_and_report_marks_are_in_redis(settings):
    prefix = f"portal-test-{uuid.uuid4().hex}"
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": prefix,
        }
    }
    import redis

    server = redis.Redis.from_url(REDIS_TEST_URL)
    with override_settings(CACHES=redis_cache):
        try:
            settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
            assert ratelimit.take_place("submissions", WHO).taken
            assert not ratelimit.take_place("submissions", WHO).taken
            assert LimitCounter.objects.get().count == 1
            request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.2")
            assert ratelimit.first_report_today(request, 7)
            assert not ratelimit.first_report_today(request, 7)
            assert ratelimit.first_report_today(request, 8)
            assert len(server.keys(f"{prefix}:*reported:*")) == 2
        finally:
            for key in server.scan_iter(f"{prefix}:*"):
                server.delete(key)

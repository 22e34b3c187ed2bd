"""The rate-limit counters live in a cache every server process shares: the database, or Redis."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from guidance import ratelimit

ROOT = Path(__file__).resolve().parent.parent
KEY = "k3Jd9s-83jdKs0_2kdmLq8Zp1xV7cB4nW6yT5rE0uI9oP3aS2dF1gH8jK7lM6"


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
def test_counting_is_shared_through_the_database_cache(settings):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 2
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.1")
    now = 1_800_001_200.0  # 20 minutes into an hour
    assert ratelimit.submissions_blocked_until(request, now=now) is None
    ratelimit.count_submission(request, now=now)
    ratelimit.count_submission(request, now=now)
    blocked_until = ratelimit.submissions_blocked_until(request, now=now)
    assert blocked_until.timestamp() == 1_800_003_600  # the start of the next hour
    # The next hour starts afresh.
    assert ratelimit.submissions_blocked_until(request, now=now + 3600) is None


def redis_is_running():
    try:
        import redis

        return redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=0.5).ping()
    except Exception:
        return False


@pytest.mark.skipif(not redis_is_running(), reason="No Redis server on 127.0.0.1:6379")
def test_counting_works_on_redis(settings):
    redis_cache = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/15"}
    }
    with override_settings(CACHES=redis_cache):
        caches["default"].clear()
        settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
        request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.2")
        ratelimit.count_submission(request)
        assert ratelimit.submissions_blocked_until(request) is not None
        caches["default"].clear()

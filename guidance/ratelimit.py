"""How many submissions one IP address has made this hour, counted in the shared cache.

Counters live in Django's cache (the database, or Redis when REDIS_URL is set), so every server
process sees the same count. Windows are whole clock hours; the key holds a keyed hash of the
address, never the address itself.
"""

import datetime
import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


def client_fingerprint(request):
    address = request.META.get("REMOTE_ADDR", "")
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def _key(request, window):
    return f"submissions:{client_fingerprint(request)}:{window}"


def _window(now):
    return int(now // WINDOW_SECONDS)


def submissions_blocked_until(request, now=None):
    """When the limit is reached, the moment the next submission will be accepted; otherwise None."""
    now = time.time() if now is None else now
    window = _window(now)
    if cache.get(_key(request, window), 0) < settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR:
        return None
    return datetime.datetime.fromtimestamp((window + 1) * WINDOW_SECONDS, tz=datetime.UTC)


def count_submission(request, now=None):
    now = time.time() if now is None else now
    key = _key(request, _window(now))
    # add() is a no-op when the key exists, so incr() always finds it; the counter expires
    # shortly after its hour ends.
    cache.add(key, 0, timeout=WINDOW_SECONDS + 60)
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=WINDOW_SECONDS + 60)

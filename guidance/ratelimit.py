"""How many submissions one IP address has made this hour, counted in the shared cache.
Responses and public reports on comments are counted apart, each against its own setting.
client_address() says whose address a request is, behind the proxy too; staff sign-in lockouts
(django-axes) key on the same address, stored only as a pseudonym (client_pseudonym).

Counters live in Django's cache (the database, or Redis when REDIS_URL is set), so every server
process sees the same count. Windows are whole clock hours; the key holds a keyed hash of the
address, never the address itself.
"""

import datetime
import functools
import hashlib
import hmac
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600

# What is counted, and the setting that holds its hourly limit.
LIMITS = {
    "submissions": "RATE_LIMIT_SUBMISSIONS_PER_HOUR",
    "reports": "RATE_LIMIT_REPORTS_PER_HOUR",
}


def client_address(request):
    """The address of the person making the request.

    Behind the TLS proxy (docs/deployment.md) REMOTE_ADDR is the proxy's address, the same for
    everyone: counted on it, the first 20 people in an hour would use up the limit for all. Each
    proxy appends the address it was sent the request from to X-Forwarded-For, so that header is
    read from the right, past the addresses of proxies in TRUSTED_PROXIES, up to the first that is
    not one. What lies further left was written by the client and could be made up: it is never
    believed unless a trusted proxy sent it, so a client cannot dodge the limit or the sign-in
    lockout by sending the header itself. (Rails' RemoteIp reads it the same way, and trusts the
    same networks by default.)"""
    address = request.META.get("REMOTE_ADDR", "")
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    while hops and is_trusted_proxy(address):
        address = without_port(hops.pop())
    return address


def without_port(hop):
    """Some proxies write the client's port as well ("203.0.113.7:51234", "[2001:db8::5]:443"),
    which would make each connection a new person."""
    if hop.startswith("["):
        return hop[1:].partition("]")[0]
    host, colon, port = hop.rpartition(":")
    if colon and "." in host and ":" not in host and port.isdigit():
        return host
    return hop


def parse_address(address):
    """An ip_address, IPv4 for an IPv4 address seen through an IPv6 socket (::ffff:10.0.0.2);
    None if it is not an address."""
    try:
        address = ipaddress.ip_address(address)
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def is_trusted_proxy(address):
    address = parse_address(address)
    if address is None:
        return False
    return any(address in network for network in trusted_proxy_networks(tuple(settings.TRUSTED_PROXIES)))


@functools.cache
def trusted_proxy_networks(networks):
    return [ipaddress.ip_network(network) for network in networks]


def client_fingerprint(request):
    """A keyed hash of the client's address, under which its counts are kept. An IPv6 address
    counts by its /64 network: a home or a phone is given a whole /64, and could otherwise take a
    new address for each submission."""
    address = client_address(request)
    parsed = parse_address(address)
    if parsed is not None and parsed.version == 6:
        address = str(ipaddress.ip_network((parsed, 64), strict=False))
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


# The IPv6 prefix reserved for documentation (RFC 3849): no real address is in it.
PSEUDONYM_NETWORK = ipaddress.IPv6Network("2001:db8::/32")


def client_pseudonym(request):
    """What django-axes records of a failed staff sign-in in place of the address
    (settings.AXES_CLIENT_IP_CALLABLE), because axes' column only takes addresses: 96 bits of the
    client's fingerprint in the documentation prefix, so that nobody takes it for a real address.
    The same client always gets the same pseudonym, so the lockout per username and address works
    as before, and the address itself is not stored."""
    return str(PSEUDONYM_NETWORK[int(client_fingerprint(request)[:24], 16)])


def _key(request, window, kind="submissions"):
    return f"{kind}:{client_fingerprint(request)}:{window}"


def _window(now):
    return int(now // WINDOW_SECONDS)


def submissions_blocked_until(request, now=None, kind="submissions"):
    """When the limit is reached, the moment the next submission will be accepted; otherwise None."""
    now = time.time() if now is None else now
    window = _window(now)
    if cache.get(_key(request, window, kind), 0) < getattr(settings, LIMITS[kind]):
        return None
    return datetime.datetime.fromtimestamp((window + 1) * WINDOW_SECONDS, tz=datetime.UTC)


def count_submission(request, now=None, kind="submissions"):
    now = time.time() if now is None else now
    key = _key(request, _window(now), kind)
    # add() is a no-op when the key exists, so incr() always finds it; the counter expires
    # shortly after its hour ends.
    cache.add(key, 0, timeout=WINDOW_SECONDS + 60)
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=WINDOW_SECONDS + 60)


# Public reports: one connection's reports on one comment count once a day, so one person cannot
# hide a comment alone by reporting it REPORTS_BEFORE_REVIEW times (or by a double click).
REPORT_MEMORY_SECONDS = 24 * 3600


def first_report_today(request, comment_pk):
    """True, and remembered, the first time today this address reports this comment."""
    return cache.add(f"reported:{client_fingerprint(request)}:{comment_pk}", 1, timeout=REPORT_MEMORY_SECONDS)

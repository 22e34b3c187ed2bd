"""Limits on what one person can do in a while: responses and public reports from one IP
address per hour, and receipts to one email address per day (RATE_LIMIT_* settings).
client_address() says whose address a request is, behind the proxy too; staff sign-in lockouts
(django-axes) key on the same address, stored only as a pseudonym (client_pseudonym).

How a limit is counted. Each is a number of places per window (a clock hour, or a UTC day). A
place is taken before anything is stored, in one statement that the database runs atomically:

    INSERT INTO guidance_limitcounter (key, count, expires_at) VALUES (<key>, 1, <window's end>)
    ON CONFLICT (key) DO UPDATE SET count = count + 1 WHERE count < <limit>

It either takes a place (a row inserted or updated) or finds none left (no row changed). Requests
arriving together queue on the row's lock (PostgreSQL) or the write lock (SQLite), so however many
come at once, no more than the limit get a place: asking first and counting after storing would
let posts sent together each read the count before any had added to it.

Why a table in the database rather than the cache: the database is the one store every server
process shares, with or without Redis, so there is one way of counting on every deployment, tested
on SQLite and PostgreSQL; Django's database cache has no atomic increment (its incr reads, then
writes); and Redis, whose INCR would be atomic, evicts keys that expire first when it is short of
memory (docker compose runs it so), which would quietly reset limits. Keys hold a keyed hash of
the address, never the address itself.

When a place is given back (give_back), or kept:
- a form with mistakes takes no place: the place is taken once the form is valid, just before
  storing, so correcting mistakes never uses the limit up (a quick look, blocked_until, still
  refuses someone already over it before their form is checked);
- a form sent again (its one-time token already used) gives its place back: nothing new was stored;
- a filled-in honeypot keeps its place: it is made to look like a success, and a bot sending many
  meets the limit as a person would;
- a report on a comment this address already reported today gives its place back: it is thanked
  but not stored;
- a receipt keeps its place once queued, whatever the mail server does with it later: the limit is
  on what anyone can make the portal send to one inbox.
"""

import contextlib
import dataclasses
import datetime
import functools
import hashlib
import hmac
import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F

from guidance.models import LimitCounter
from guidance.responses.text import whole_number

logger = logging.getLogger(__name__)

HOUR = 3600
DAY = 24 * HOUR

# What is counted: the setting that holds how many places there are, and the window's length.
LIMITS = {
    # New responses (people) from one IP address: a room of people behind one address shares it.
    "submissions": ("RATE_LIMIT_SUBMISSIONS_PER_HOUR", HOUR),
    # Forms added to a response its browser already holds, counted per response: a thorough
    # respondent is never shut out by the limit on people, and one browser cannot flood either.
    "response_forms": ("RATE_LIMIT_FORMS_PER_RESPONSE_PER_HOUR", HOUR),
    "reports": ("RATE_LIMIT_REPORTS_PER_HOUR", HOUR),
    "receipts": ("RATE_LIMIT_RECEIPTS_PER_DAY", DAY),
    "links": ("RATE_LIMIT_LINKS_PER_DAY", DAY),
    # Links to continue sent to a response's own address, counted per response, so that strangers
    # naming that address use up nothing of its owner's.
    "own_links": ("RATE_LIMIT_LINKS_PER_DAY", DAY),
    # Requests for a link, from one IP address, whoever they name.
    "link_requests": ("RATE_LIMIT_LINK_REQUESTS_PER_HOUR", HOUR),
    # Replies in a chat hour, counted per chat response (its first reply counts as a new response).
    "chat_replies": ("RATE_LIMIT_CHAT_REPLIES_PER_HOUR", HOUR),
    # Asking to subscribe (guidance/subscriptions/): each sends an email with a link, so as links
    # are: so many a day to one address, so many an hour from one IP address, whoever they name.
    "subscriptions": ("RATE_LIMIT_LINKS_PER_DAY", DAY),
    "subscription_requests": ("RATE_LIMIT_LINK_REQUESTS_PER_HOUR", HOUR),
    # Sign-ups to events from one IP address: like responses, a room of people may share it.
    "event_signups": ("RATE_LIMIT_SUBMISSIONS_PER_HOUR", HOUR),
    # Downloads of a consultation's published responses (guidance/public/downloads.py), which can
    # each read every published comment, from one IP address.
    "downloads": ("RATE_LIMIT_DOWNLOADS_PER_HOUR", HOUR),
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
    if colon and "." in host and ":" not in host and whole_number(port) is not None:
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
    The same client always gets the same pseudonym, so a lockout by address works on it, and the
    address itself is not stored."""
    return str(PSEUDONYM_NETWORK[int(client_fingerprint(request)[:24], 16)])


def canonical_address(email):
    """One inbox, however its address is written: case, quotes around the name, a "+tag" after it
    (most providers deliver name+anything@ to name@), at Gmail dots in it, a domain in Unicode or
    in its ASCII form (bücher.example, xn--bcher-kva.example), a final dot after the domain."""
    name, _, domain = email.strip().lower().rpartition("@")
    name = name.strip('"').split("+", 1)[0]
    domain = domain.strip("[]").rstrip(".")
    # A name the IDNA codec does not take is counted as written.
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    if domain in {"gmail.com", "googlemail.com"}:
        name, domain = name.replace(".", ""), "gmail.com"
    return f"{name}@{domain}"


def recipient_fingerprint(email):
    """A keyed hash of an email address, written however (canonical_address), under which what is
    sent to it is counted."""
    address = canonical_address(email)
    return hmac.new(settings.SECRET_KEY.encode(), f"receipt:{address}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class Place:
    """The outcome of asking for a place under a limit: `taken`, or not; `until` is when the
    window ends, and with it the refusal."""

    key: str
    taken: bool
    until: datetime.datetime


def _window(kind, who, now):
    setting, seconds = LIMITS[kind]
    number = int(now // seconds)
    until = datetime.datetime.fromtimestamp((number + 1) * seconds, tz=datetime.UTC)
    return f"{kind}:{who}:{number}", getattr(settings, setting), until


def take_place(kind, who, now=None):
    """Take one of the places `who` (a fingerprint) has under the limit of `kind` in this window,
    if one is left. One statement, which the database runs atomically: see the module's docstring."""
    now = time.time() if now is None else now
    key, limit, until = _window(kind, who, now)
    if limit <= 0:
        return Place(key, False, until)
    qn = connection.ops.quote_name
    table, key_column, count, expires_at = (
        qn(name) for name in [LimitCounter._meta.db_table, "key", "count", "expires_at"]
    )
    # Only names from the model go into the text; every value is a parameter.
    take = (
        f"INSERT INTO {table} ({key_column}, {count}, {expires_at}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({key_column}) DO UPDATE SET {count} = {table}.{count} + 1 WHERE {table}.{count} < %s"
    )
    # Counters of windows that have ended are of no more use: none outlives its window for long.
    prune = f"DELETE FROM {table} WHERE {expires_at} <= %s"  # noqa: S608
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(take, [key, adapt(until), limit])
        taken = cursor.rowcount == 1
        cursor.execute(prune, [adapt(datetime.datetime.fromtimestamp(now, tz=datetime.UTC))])
    return Place(key, taken, until)


def give_back(place):
    """Return a place taken for something that was not stored after all."""
    if place.taken:
        LimitCounter.objects.filter(key=place.key, count__gt=0).update(count=F("count") - 1)


def blocked_until(kind, who, now=None):
    """When `who` has no place left under the limit of `kind`, the moment the next will be
    accepted; otherwise None. Only a look: take_place is what holds when requests arrive together."""
    now = time.time() if now is None else now
    key, limit, until = _window(kind, who, now)
    if limit > 0 and not LimitCounter.objects.filter(key=key, count__gte=limit).exists():
        return None
    return until


# Public reports: one connection's reports on one comment count once a day, so one person cannot
# hide a comment alone by reporting it REPORTS_BEFORE_REVIEW times (or by a double click).
REPORT_MEMORY_SECONDS = 24 * 3600


def first_report_today(request, comment_pk):
    """True, and remembered, the first time today this address reports this comment.

    The memory is the shared cache (Redis, where REDIS_URL is set). With the cache unreachable the
    report is taken as the first: a report someone made is never dropped for a fault of ours, and
    the hourly limit on reports, counted in the database, still holds."""
    try:
        return cache.add(f"reported:{client_fingerprint(request)}:{comment_pk}", 1, timeout=REPORT_MEMORY_SECONDS)
    except Exception:  # whatever the cache's client raises: Redis' own errors are not Django's
        cache_unavailable()
        return True


# When the shared cache was last said to be unreachable: once a minute is enough for the log.
CACHE_FAILURE_LOGGED_AT = [0.0]


def cache_unavailable():
    now = time.monotonic()
    if now - CACHE_FAILURE_LOGGED_AT[0] >= 60:
        CACHE_FAILURE_LOGGED_AT[0] = now
        logger.warning("The shared cache could not be reached: carrying on without it", exc_info=True)

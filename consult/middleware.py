"""Operations and security middleware. The order in settings.MIDDLEWARE matters and is
explained there: these run right after Django's SecurityMiddleware."""

import codecs
import hmac
import logging
import re
import threading
import time
import uuid

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.log import log_response

from consult.jsonlog import current_request_id

logger = logging.getLogger(__name__)

# A request id from the proxy is kept only if it looks like one: it ends up in every log line.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id (the proxy's X-Request-ID if it sent a sane one), puts it on every
    log line written while handling the request, and returns it in the X-Request-ID header, where
    gunicorn's access log picks it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request.id = offered if SAFE_REQUEST_ID.match(offered) else uuid.uuid4().hex
        token = current_request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class UnreadableForm(BadRequest):
    """A form post in a text encoding other than UTF-8. Django answers it with the 400 page."""

    problem = (
        "The form was sent in a text encoding other than UTF-8, so we could not read it. "
        "Go back and send it again from a web browser."
    )


FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class FormEncodingMiddleware:
    """Forms are read as UTF-8, the only encoding browsers send them in. A form post declaring
    another (charset=latin-1, utf-16, ...) is refused with the 400 page saying so, before anything
    reads it: Django refuses it too, but first from inside the CSRF check, where the refusal became
    a 500. Another spelling of UTF-8 ("utf8") is read as UTF-8."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        charset = request.content_params.get("charset") if request.content_type in FORM_CONTENT_TYPES else None
        if charset:
            try:
                name = codecs.lookup(charset).name
            except LookupError:
                name = None
            if name != "utf-8":
                raise UnreadableForm(f"a form post declared the text encoding {charset[:40]!r}")
            request.encoding = "utf-8"
        return self.get_response(request)


class HealthCheckMiddleware:
    """The health checks, answered here, before sessions and the allowed-hosts check, because load
    balancers probe each copy at its own address and a probe must depend on nothing it does not test.

    - /healthz/live (liveness): 200 "ok" whenever this process can answer, database or not. Load
      balancers route on it, so that a database outage does not take every copy out of the pool,
      which would hide the portal's own 503 page ("Sorry, the service is unavailable", with
      Retry-After and a word on what became of what was sent) behind the balancer's bare one.
    - /healthz/ready and /healthz (readiness): 200 "ok" when the database answers a read of the
      comments table within HEALTH_CHECK_DATABASE_MS, 503 "database unavailable" or "database too
      slow" (with Retry-After) when it does not. For deployments and monitoring: is this copy
      able to serve pages now?

    The public sees only that word. With the token of HEALTH_CHECK_TOKEN in an "Authorization:
    Bearer" header, readiness adds the email queue's figures, one "name value" a line
    (guidance/mail/mailqueue.py, health). A queue that is stuck never makes it 503: the mail server
    being down is no reason to take a working copy out; alert on the figures."""

    PATHS = {"/healthz/live": "live", "/healthz/ready": "ready", "/healthz": "ready"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        check = self.PATHS.get(request.path_info)
        if check is None:
            return self.get_response(request)
        response = HttpResponse("ok\n", content_type="text/plain") if check == "live" else readiness(request)
        response["Cache-Control"] = "no-store"
        return response


def readiness(request):
    problem = database_problem()
    if problem:
        response = HttpResponse(f"{problem}\n", status=503, content_type="text/plain")
        response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
        return response
    figures = email_queue_figures() if may_see_health_details(request) else ""
    return HttpResponse(f"ok\n{figures}", content_type="text/plain")


def database_problem():
    """None when the database answers a read of the busiest table in time; otherwise what is wrong."""
    from guidance.models import Comment

    limit = settings.HEALTH_CHECK_DATABASE_MS
    started = time.monotonic()
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # A read that waits on a lock is as bad as no answer: pages would wait too.
                    cursor.execute("SET LOCAL statement_timeout = %s", [limit])
            Comment.objects.values_list("pk", flat=True).first()
    except (OperationalError, InterfaceError) as error:
        if is_timeout(error):
            logger.warning("Health check failed: the database took over %s ms to answer", limit)
            return "database too slow"
        logger.warning("Health check failed: the database did not answer", exc_info=True)
        return "database unavailable"
    except DatabaseError:
        # Tables missing (migrations not applied yet): not ready either.
        logger.warning("Health check failed: the database could not be read", exc_info=True)
        return "database unavailable"
    elapsed_ms = (time.monotonic() - started) * 1000
    if elapsed_ms > limit:
        logger.warning("Health check failed: the database took %d ms to answer", elapsed_ms)
        return "database too slow"
    return None


def is_timeout(error):
    """A statement or lock timeout of PostgreSQL (canceled, or lock not available)."""
    code = getattr(getattr(error, "__cause__", None), "pgcode", None)
    return code in {"57014", "55P03"}


def may_see_health_details(request):
    token = settings.HEALTH_CHECK_TOKEN
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(offered.encode(), token.encode())


def email_queue_figures():
    """The queue's lines for /healthz; none before its table exists (migrations not yet applied)."""
    from guidance.mail.mailqueue import health

    try:
        return "".join(f"{name} {value}\n" for name, value in health().items())
    except DatabaseError:
        logger.warning("Health check: the email queue could not be read (are the migrations applied?)")
        return ""


class ViewStartedMiddleware:
    """Notes on the request that its view was reached, so that an error page can tell someone whose
    form was refused before any view ran that nothing of it was saved (guidance/public/visitors.py,
    server_error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.view_started = True


# The pages a sent form redirects to once what was sent is saved. They count as sending: refusing
# one would leave people unsure whether to send again, which only adds to the load.
PAGES_AFTER_SENDING = {"guidance:confirmation", "guidance:report_sent"}
# A chat hour's live requests: its live queue (the decisions are posts), the pages its few
# moderators work on, which every reply waits for; and the polls of its open pages, answered from
# the shared cache for about what refusing them costs (guidance/public/chat.py). Refused with the
# other page views, nothing is approved, or nobody sees it, and the whole chat stalls; so they are
# refused only with the posts. Told apart by address alone, before the session is read (a refusal
# must stay cheap): anyone may ask for the queue, as anyone may post a form, and its view turns away
# at once whoever is not a signed-in moderator.
LIVE_CHAT_REQUESTS = {
    "admin:guidance_event_chat_queue",
    "admin:guidance_event_chat_waiting",
    "guidance:event_chat_messages",
}


class LoadSheddingMiddleware:
    """Past MAX_REQUESTS_IN_PROGRESS requests in progress in this process, a request waits up to
    BUSY_WAIT_MS for a place, then gets a 503 "very busy" page and Retry-After, instead of queueing
    until everyone's time out; with twice the limit already served or waiting, it is refused at
    once. Sending a form (POST: someone's comment), the confirmation page that follows it and a
    chat hour's live queue and polls (LIVE_CHAT_REQUESTS) get twice the limit, so under overload
    page views are refused first. settings.MIDDLEWARE explains where it sits.

    Django builds the middleware chain once per process, so this instance's count is the process's;
    gunicorn's threads (gunicorn.conf.py) share it. A refusal touches no session, database or cache:
    it must stay cheap when the process is already struggling. A streamed body (the staff CSV
    export) stops counting once its view returns, while it is still being sent."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.place_freed = threading.Condition()
        self.in_progress = 0
        self.waiting = 0
        self.busy_pages = {}

    def __call__(self, request):
        limit = settings.MAX_REQUESTS_IN_PROGRESS
        if request.method == "POST" or view_name(request) in PAGES_AFTER_SENDING | LIVE_CHAT_REQUESTS:
            limit *= 2
        with self.place_freed:
            already_in_progress = self.in_progress
            if limit <= 0 or self.in_progress < limit:
                has_place = True
            elif self.in_progress + self.waiting < 2 * settings.MAX_REQUESTS_IN_PROGRESS:
                # Arrivals come in bursts: a request that finds the process full waits a moment for
                # a place (asleep, costing nothing) rather than being refused as places free up.
                self.waiting += 1
                try:
                    has_place = self.place_freed.wait_for(
                        lambda: self.in_progress < limit, timeout=settings.BUSY_WAIT_MS / 1000
                    )
                finally:
                    self.waiting -= 1
            else:
                # Twice the limit already served or waiting: this is no burst but more than the
                # process can take. Refused at once: the threads beyond twice the limit
                # (GUNICORN_THREADS) must stay free to refuse at once, or the excess queues
                # inside gunicorn where no refusal reaches it.
                has_place = False
            if has_place:
                self.in_progress += 1
        if not has_place:
            return self.refusal(request, already_in_progress, limit)
        try:
            return self.get_response(request)
        finally:
            with self.place_freed:
                self.in_progress -= 1
                # Everyone waiting looks again: a post may take a place a page view may not.
                self.place_freed.notify_all()

    def refusal(self, request, already_in_progress, limit):
        # Refused before any view ran: a form sent was not saved.
        response = HttpResponse(self.busy_page(what_became_of_what_was_sent(request)), status=503)
        response["Retry-After"] = str(settings.BUSY_RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        # One WARNING line, with the path and status; marks the response as logged, so Django does
        # not add an ERROR line for the 503 as it would for a failure.
        log_response(
            "Too busy: refused a %s with 503 (%s requests already in progress in this process, limit %s)",
            request.method,
            already_in_progress,
            limit,
            response=response,
            request=request,
            logger=logger,
            level="warning",
        )
        return response

    def busy_page(self, sent):
        """The page's HTML, the same for every refusal of a kind: rendered once per process, since a
        process that refuses is already short of CPU (rendering it each time was a fifth of a
        saturated process's CPU in bench/load). Not kept while developing, where templates change."""
        key = (settings.SITE_NAME, sent)
        page = self.busy_pages.get(key)
        if page is None:
            page = render_to_string("503_busy.html", {"site_name": settings.SITE_NAME, "sent": sent})
            if not settings.DEBUG:
                self.busy_pages[key] = page
        return page


def what_became_of_what_was_sent(request):
    """What an error page may truthfully say of what the request sent, for
    templates/includes/what_was_sent.html: "stored", "not_stored", "unknown" (it was being saved, or
    a view that keeps no such note was handling it), "after_sending" (the page that follows a form
    sent, so what it sent was saved), or "" (nothing was sent). The public's forms note how far
    they got (guidance/public/visitors.py, sending); a post refused before any view ran stored nothing."""
    if request.method != "POST":
        return "after_sending" if is_page_after_sending(request) else ""
    state = getattr(request, "sending", None)
    if state:
        return "unknown" if state == "storing" else state
    return "unknown" if getattr(request, "view_started", False) else "not_stored"


def is_page_after_sending(request):
    return view_name(request) in PAGES_AFTER_SENDING


def view_name(request):
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None

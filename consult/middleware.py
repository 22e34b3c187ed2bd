"""Operations and security middleware. The order in settings.MIDDLEWARE matters and is
explained there: these run right after Django's SecurityMiddleware."""

import codecs
import logging
import re
import threading
import uuid

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import DatabaseError, InterfaceError, OperationalError, ProgrammingError, connection
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
    """/healthz: 200 "ok" when the database answers SELECT 1, 503 when it does not; then the email
    queue's figures, one "name value" a line (guidance/mailqueue.py, health): how many emails wait,
    the age in seconds of the oldest, how many are being tried again, how many were given up in the
    last seven days. A queue that is stuck does not make it 503: the mail server being down is no
    reason for a load balancer to take a working copy of the portal out; alert on the figures.

    Answered here, before sessions and the allowed-hosts check, because load balancers probe each
    copy at its own address, and a probe must not depend on anything but the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != "/healthz":
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            figures = email_queue_figures()
        except DatabaseError:
            logger.warning("Health check failed: the database did not answer", exc_info=True)
            response = HttpResponse("database unavailable\n", status=503, content_type="text/plain")
            response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
        else:
            response = HttpResponse(f"ok\n{figures}", content_type="text/plain")
        response["Cache-Control"] = "no-store"
        return response


def email_queue_figures():
    """The queue's lines for /healthz; none before its table exists (migrations not yet applied)."""
    from guidance.mailqueue import health

    try:
        return "".join(f"{name} {value}\n" for name, value in health().items())
    except ProgrammingError:
        logger.warning("Health check: the email queue could not be read (are the migrations applied?)")
        return ""
    except OperationalError as error:
        if connection.vendor == "sqlite" and "no such table" in str(error):
            logger.warning("Health check: the email queue could not be read (are the migrations applied?)")
            return ""
        raise


class DatabaseUnavailableMiddleware:
    """When a view finds the database unreachable, show the 503 page with Retry-After instead of
    a 500: people can see it is temporary and come back, and load balancers back off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable: answered 503", exc_info=exception)
        try:
            # Rendered without the request: the context processors may need the database too.
            body = render_to_string("503.html", {"site_name": settings.SITE_NAME})
        except Exception:
            logger.exception("The 503 page could not be rendered; sent the plain one")
            body = "Sorry, the service is unavailable. Please try again in a few minutes.\n"
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response


# The pages a sent form redirects to once what was sent is saved. They count as sending: refusing
# one would leave people unsure whether to send again, which only adds to the load.
PAGES_AFTER_SENDING = {"guidance:confirmation", "guidance:report_sent"}


class LoadSheddingMiddleware:
    """Past MAX_REQUESTS_IN_PROGRESS requests in progress in this process, a request waits up to
    BUSY_WAIT_MS for a place, then gets a 503 "very busy" page and Retry-After, instead of queueing
    until everyone's time out; with twice the limit already served or waiting, it is refused at
    once. Sending a form (POST: someone's comment) and the confirmation page that follows it get
    twice the limit, so under overload page views are refused first. settings.MIDDLEWARE explains
    where it sits.

    Django builds the middleware chain once per process, so this instance's count is the process's;
    gunicorn's threads (gunicorn.conf.py) share it. A refusal touches no session, database or cache:
    it must stay cheap when the process is already struggling. A streamed body (the staff CSV
    export) stops counting once its view returns, while it is still being sent."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.place_freed = threading.Condition()
        self.in_progress = 0
        self.waiting = 0

    def __call__(self, request):
        after_sending = request.method != "POST" and is_page_after_sending(request)
        limit = settings.MAX_REQUESTS_IN_PROGRESS
        if request.method == "POST" or after_sending:
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
            return self.refusal(request, after_sending, already_in_progress, limit)
        try:
            return self.get_response(request)
        finally:
            with self.place_freed:
                self.in_progress -= 1
                # Everyone waiting looks again: a post may take a place a page view may not.
                self.place_freed.notify_all()

    def refusal(self, request, after_sending, already_in_progress, limit):
        context = {
            "site_name": settings.SITE_NAME,
            "sent_a_form": request.method == "POST",
            "after_sending": after_sending,
        }
        response = HttpResponse(render_to_string("503_busy.html", context), status=503)
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


def is_page_after_sending(request):
    try:
        return resolve(request.path_info).view_name in PAGES_AFTER_SENDING
    except Resolver404:
        return False

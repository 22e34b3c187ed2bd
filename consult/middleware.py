"""Operations and security middleware (issue 7). The order in settings.MIDDLEWARE matters and is
explained there: these run right after Django's SecurityMiddleware."""

import logging
import re
import uuid

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string

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


class HealthCheckMiddleware:
    """/healthz: 200 "ok" when the database answers SELECT 1, 503 when it does not.

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
        except DatabaseError:
            logger.warning("Health check failed: the database did not answer", exc_info=True)
            response = HttpResponse("database unavailable\n", status=503, content_type="text/plain")
            response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
        else:
            response = HttpResponse("ok\n", content_type="text/plain")
        response["Cache-Control"] = "no-store"
        return response


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

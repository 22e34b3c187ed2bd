"""The error pages in the portal's design (consult/urls.py names them; settings.CSRF_FAILURE_VIEW).

Django's own error views read the form of a POST again (@requires_csrf_token), so a body that could
not be read the first time (too large, a broken multipart, another encoding) turned the 400, 403 or
404 into a 500. These read nothing of the body. The 400 and 500 pages need nothing of the request
nor the database: whatever broke may be one of them."""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from consult.middleware import what_became_of_what_was_sent
from guidance.public.pages import preview_refused
from guidance.public.reading import PreviewEnded


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    if isinstance(exception, PreviewEnded):
        return preview_refused(request, exception.refusal)
    return render(request, "403.html", status=403)


# What the 400 page says for the refusals Django makes itself; ours carry their own `problem`
# (consult.middleware.UnreadableForm, consult.uploads.FileRefused).
TOO_MUCH = (
    "It was too long or had too many parts. If you were sending a long response, try sending it in shorter parts."
)
BAD_REQUEST_PROBLEMS = {RequestDataTooBig: TOO_MUCH, TooManyFieldsSent: TOO_MUCH, TooManyFilesSent: TOO_MUCH}


def bad_request(request, exception=None):
    """The 400 page, saying what was wrong where we know."""
    problem = getattr(exception, "problem", None) or BAD_REQUEST_PROBLEMS.get(type(exception), "")
    template = loader.get_template("400.html")
    return HttpResponseBadRequest(template.render({"site_name": settings.SITE_NAME, "problem": problem}))


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    """The 500 page; the 503 page, with Retry-After, when what failed was the database (unreachable,
    restarting, or too slow: a statement or lock timeout), wherever the failure was met: in a view,
    in the session or authentication middleware, or saving the session after a view had stored what
    was sent. Each says what became of what the request sent."""
    context = {"site_name": settings.SITE_NAME, "sent": what_became_of_what_was_sent(request)}
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        page = HttpResponse(loader.get_template("503.html").render(context), status=503)
        page["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
        page["Cache-Control"] = "no-store"
        return page
    return HttpResponseServerError(loader.get_template("500.html").render(context))

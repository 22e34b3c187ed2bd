"""Conditional GET for the API: an ETag and a Last-Modified for what a response was made from, and
a 304 Not Modified when the client already holds it.

What the API shows of a consultation changes only when its content_version moves on (every change
to what the public pages show moves it: guidance/consultations/changed.py) or when its dates make
it open or closed. So the ETag is a hash of the request's full path and query (each page of a list,
each filter, is its own resource) with each consultation's id, content_version and state now; and
Last-Modified is the latest of the moments its version moved on (content_changed_at) and its dates
passed. Nothing about the visitor goes in either.
"""

import hashlib

from django.utils.cache import get_conditional_response
from django.utils.http import http_date


def last_changed(consultation, now):
    moments = [consultation.content_changed_at, consultation.published_at]
    moments += [moment for moment in (consultation.opens_at, consultation.closes_at) if moment <= now]
    return max((moment for moment in moments if moment), default=None)


def validators(request, consultations, now):
    """(ETag, Last-Modified as a timestamp or None) for a response made from these consultations."""
    seen = "|".join(
        f"{consultation.pk}:{consultation.content_version}:{consultation.state_at(now)}"
        for consultation in consultations
    )
    digest = hashlib.sha256(f"{request.get_full_path()}|{seen}".encode()).hexdigest()[:32]
    moments = [moment for moment in (last_changed(consultation, now) for consultation in consultations) if moment]
    return f'"{digest}"', int(max(moments).timestamp()) if moments else None


def respond(request, consultations, now, make_response):
    """The 304 if the client's copy is current; else make_response(), with the validators on it."""
    etag, last_modified = validators(request, consultations, now)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = make_response()
        if response.status_code != 200:
            return response
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    # Any cache may keep it, and asks each time whether it is still current (a 304 is cheap).
    response["Cache-Control"] = "public, no-cache"
    return response

"""A consultation's published responses as open data: the CSV and JSON downloads, filtered as the
published responses page is (its address's filters, guidance/public/published_search.py), and the
data dictionary page saying what each field means, under which licence, and where the API is.

The records are guidance/public/open_data.py's; the CSV is written by the one CSV writer
(guidance/analysis/exports.py). Both stream, a batch of comments at a time. A draft has none of
these, even for staff previewing it: only what is public is open data.
"""

import json
import math
import time

from django.conf import settings
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from guidance.analysis.exports import export_filename, table_csv_chunks
from guidance.models import Consultation, Response
from guidance.public import open_data, published_search
from guidance.public.reading import visit
from guidance.responses import ratelimit


def public_visit(request, slug):
    """(Access, sections) of a published consultation; a draft is not found here, preview or not
    (asked first, so that no preview's session is read)."""
    if not Consultation.objects.public().filter(slug=slug).exists():
        raise Http404
    return visit(request, slug)


def chosen(request, slug):
    """(access, the published comments the address's filters choose, errors)."""
    access, sections = public_visit(request, slug)
    consultation = access.consultation
    offered = published_search.Offered.for_consultation(consultation, sections, access.now)
    filters, errors = published_search.read_filters(request.GET, offered)
    comments = open_data.in_page_order(published_search.matching(consultation, filters), filters)
    return access, comments, errors


def over_the_limit(request, content_type, body):
    """A 429 with Retry-After when this address has had its downloads for the hour, else None. A
    refused filter costs nothing and takes no place, so it is checked first by the callers."""
    place = ratelimit.take_place("downloads", ratelimit.client_fingerprint(request))
    if place.taken:
        return None
    seconds = max(1, math.ceil(place.until.timestamp() - time.time()))
    response = HttpResponse(body(place.until, seconds), status=429, content_type=content_type)
    response["Retry-After"] = str(seconds)
    return response


def refused_csv(until, seconds):
    limit = settings.RATE_LIMIT_DOWNLOADS_PER_HOUR
    return (
        f"This address has downloaded these responses {limit} times in the last hour, the most we allow. "
        f"Please try again at {until:%H:%M} UTC (in {seconds} seconds).\n"
    )


def refused_json(until, seconds):
    return json.dumps({"detail": refused_csv(until, seconds).strip(), "retry_after": seconds})


def licence_link(consultation):
    """The licence as an HTTP Link header (RFC 8288's "license" relation)."""
    return f'<{consultation.licence_url}>; rel="license"'


def published_csv(request, slug):
    access, comments, errors = chosen(request, slug)
    if errors:
        message = "These filters cannot be used:\n" + "\n".join(f"{name}: {error}" for name, error in errors.items())
        return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")
    refused = over_the_limit(request, "text/plain; charset=utf-8", refused_csv)
    if refused:
        return refused
    consultation = access.consultation
    rows = map(open_data.csv_row, open_data.all_records(consultation, comments, access.now))
    response = StreamingHttpResponse(table_csv_chunks(open_data.HEADER, rows), content_type="text/csv; charset=utf-8")
    name = export_filename(consultation, access.now, "responses")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Link"] = licence_link(consultation)
    return response


def published_json(request, slug):
    access, comments, errors = chosen(request, slug)
    if errors:
        body = {"detail": "These filters cannot be used.", "errors": errors}
        return HttpResponse(json.dumps(body), status=400, content_type="application/json")
    refused = over_the_limit(request, "application/json", refused_json)
    if refused:
        return refused
    consultation = access.consultation
    metadata = open_data.metadata(consultation, settings.SITE_URL)
    response = StreamingHttpResponse(
        json_chunks(metadata, open_data.all_records(consultation, comments, access.now)),
        content_type="application/json",
    )
    name = export_filename(consultation, access.now, "responses").removesuffix(".csv") + ".json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Link"] = licence_link(consultation)
    return response


def json_chunks(metadata, records):
    """{"metadata": …, "comments": [record, …]} as byte chunks, a batch of records each."""
    yield ('{"metadata": ' + json.dumps(metadata, ensure_ascii=False) + ', "comments": [').encode()
    first, batch = True, []
    for record in records:
        batch.append(("\n" if first else ",\n") + json.dumps(record, ensure_ascii=False))
        first = False
        if len(batch) >= open_data.BATCH:
            yield "".join(batch).encode()
            batch = []
    yield ("".join(batch) + "\n]}\n").encode()


def data_dictionary(request, slug):
    """The open data page: the licence, the downloads, the API's addresses, and every field."""
    access, _ = public_visit(request, slug)
    consultation = access.consultation

    def address(name, *args):
        return request.build_absolute_uri(reverse(name, args=args))

    api = {
        "docs": address("api:docs"),
        "consultation": address("api:consultation", consultation.slug),
        "sections": address("api:sections", consultation.slug),
        "questions": address("api:questions", consultation.slug),
        "comments": address("api:comments", consultation.slug),
        "statistics": address("api:statistics", consultation.slug),
        "schema": address("api:schema"),
        "feed": address("guidance:consultation_feed"),
    }
    context = {
        "consultation": consultation,
        "access": access,
        "fields": open_data.FIELDS,
        "api": api,
        "respondent_types": Response.RespondentType.choices,
        "filter_names": published_search.FILTER_NAMES,
        "requests_per_minute": settings.API_REQUESTS_PER_MINUTE,
    }
    return render(request, "guidance/open_data.html", context)

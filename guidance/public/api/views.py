"""The open data API's endpoints (docs/open-data.md), and its documentation page.

Every endpoint is anonymous and read-only, and shows only what the public pages show: published
consultations (a draft is not found, whoever asks), and their published comments, through the
published responses page's own filters (guidance/public/published_search.py) and records
(guidance/public/open_data.py). Each answers a conditional GET (conditional.py). The comments come
a page at a time in id order, each page starting after the last id of the one before (a cursor),
so a page costs the same on the first page as on the ten-thousandth, with no count of them all.
"""

import functools
import hashlib

from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import APIException, NotFound
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from guidance import models
from guidance.models import ChosenOption, Comment, Consultation
from guidance.outcomes.published import public_outcome
from guidance.public import open_data, published_search
from guidance.public.api import conditional, serializers
from guidance.public.downloads import public_visit
from guidance.public.reading import kept
from guidance.responses.text import whole_number


class BadRequest(APIException):
    """A 400 naming each parameter that cannot be used, in the published page's words."""

    status_code = 400

    def __init__(self, errors):
        super().__init__({"detail": "These parameters cannot be used.", "errors": errors})


class CommentsCursor(CursorPagination):
    """Keyset pagination on the comment's id (the index comment_consult_approved_id)."""

    ordering = "id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param, "")
        if value == "":
            return self.page_size
        size = whole_number(value)
        if not size:
            raise BadRequest({"page_size": f"Give a page size as a whole number from 1 to {self.max_page_size}"})
        return min(size, self.max_page_size)

    def get_paginated_response_schema(self, schema):
        # DRF's own says "nullable", OpenAPI 3.0's word; in 3.1, as this schema is, null is a type.
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page, or null on the last."},
                "previous": {**link, "description": "The page before, or null on the first."},
                "results": schema,
            },
        }

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise BadRequest({"cursor": "Use the cursor of a next or previous link, as given"}) from None


ERRORS = {400: serializers.ErrorSerializer, 404: serializers.ErrorSerializer, 429: serializers.ErrorSerializer}


def published_consultation(request, slug):
    """(Access, sections) of a published consultation, read as its public pages read it."""
    return public_visit(request._request, slug)


def address(request, name, *args):
    return request.build_absolute_uri(reverse(name, args=args))


def consultation_summary(request, consultation, now):
    slug = consultation.slug
    return {
        "slug": slug,
        "title": consultation.title,
        "organisation": consultation.organisation,
        "summary": consultation.summary,
        "state": consultation.state_at(now),
        "opens_at": timezone.localtime(consultation.opens_at).isoformat(),
        "closes_at": timezone.localtime(consultation.closes_at).isoformat(),
        "outcome_published": consultation.outcome_is_published,
        "outcome_published_at": (
            timezone.localtime(consultation.outcome_published_at).isoformat()
            if consultation.outcome_is_published and consultation.outcome_published_at
            else None
        ),
        "licence": {"name": consultation.get_licence_display(), "url": consultation.licence_url},
        "links": {
            "page": request.build_absolute_uri(consultation.get_absolute_url()),
            "published_responses": address(request, "guidance:published", slug),
            "open_data": address(request, "guidance:open_data", slug),
            "csv": address(request, "guidance:published_csv", slug),
            "json": address(request, "guidance:published_json", slug),
            "sections": address(request, "api:sections", slug),
            "questions": address(request, "api:questions", slug),
            "comments": address(request, "api:comments", slug),
            "statistics": address(request, "api:statistics", slug),
        },
    }


def published_counts(consultation):
    """How many published comments each section, question, option and kind of respondent has, kept
    under the consultation's content_version: every decision moves it on."""

    def count():
        published = Comment.objects.published().filter(consultation=consultation).order_by()
        by_target = published.values_list("section", "question").annotate(n=Count("pk"))
        counts = {"section": {}, "question": {}, "respondent_type": {}, "option": {}}
        for section_id, question_id, n in by_target.values_list("section", "question", "n"):
            if section_id:
                counts["section"][section_id] = n
            else:
                counts["question"][question_id] = n
        by_type = published.values_list("response__respondent_type").annotate(n=Count("pk"))
        counts["respondent_type"] = dict(by_type.values_list("response__respondent_type", "n"))
        chosen = ChosenOption.objects.filter(comment__in=published.values("pk")).order_by()
        counts["option"] = dict(chosen.values_list("option").annotate(n=Count("pk")).values_list("option", "n"))
        return counts

    return kept(consultation, "api-published-counts", count)


class ConsultationList(APIView):
    @extend_schema(
        summary="Published consultations",
        description="Open ones first (closing soonest first), then upcoming, then closed.",
        responses={200: serializers.ConsultationSerializer(many=True), 429: serializers.ErrorSerializer},
    )
    def get(self, request):
        now = timezone.now()
        consultations = list(Consultation.objects.in_list_order(now).public())
        return conditional.respond(
            request,
            consultations,
            now,
            lambda: Response([consultation_summary(request, consultation, now) for consultation in consultations]),
        )


class ConsultationDetail(APIView):
    @extend_schema(summary="One published consultation", responses={200: serializers.ConsultationSerializer, **ERRORS})
    def get(self, request, slug):
        access, _ = published_consultation(request, slug)
        consultation = access.consultation
        summary = consultation_summary(request, consultation, access.now)
        return conditional.respond(request, [consultation], access.now, lambda: Response(summary))


class SectionList(APIView):
    @extend_schema(
        summary="The sections of its draft", responses={200: serializers.SectionSerializer(many=True), **ERRORS}
    )
    def get(self, request, slug):
        access, sections = published_consultation(request, slug)
        consultation = access.consultation

        def make():
            counts = published_counts(consultation)["section"]
            draft = address(request, "guidance:draft", slug)
            return Response(
                [
                    {
                        "id": section.pk,
                        "number": section.number,
                        "title": section.title,
                        "url": f"{draft}{section.slug}/",
                        "published_comments": counts.get(section.pk, 0),
                    }
                    for section in sections
                ]
            )

        return conditional.respond(request, [consultation], access.now, make)


class QuestionList(APIView):
    @extend_schema(
        summary="Its questions, with the answers each offers",
        responses={200: serializers.QuestionSerializer(many=True), **ERRORS},
    )
    def get(self, request, slug):
        access, _ = published_consultation(request, slug)
        consultation = access.consultation

        def make():
            counts = published_counts(consultation)["question"]
            questions = consultation.questions.order_by("position").prefetch_related("options")
            return Response(
                [
                    {
                        "id": question.pk,
                        "number": question.number,
                        "text": question.text,
                        "hint": question.hint,
                        "kind": question.kind,
                        "required": question.required,
                        "explain_label": question.explain_label,
                        "options": [
                            {"id": option.pk, "label": option.label, "is_other": option.is_other}
                            for option in sorted(question.options.all(), key=lambda option: option.position)
                        ],
                        "published_comments": counts.get(question.pk, 0),
                    }
                    for question in questions
                ]
            )

        return conditional.respond(request, [consultation], access.now, make)


FILTER_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Words to search for, as on the published responses page."),
    OpenApiParameter("section", OpenApiTypes.INT, description="A section's id (see sections)."),
    OpenApiParameter("question", OpenApiTypes.INT, description="A question's id (see questions)."),
    OpenApiParameter("option", OpenApiTypes.INT, description="An answer's id (see questions' options)."),
    OpenApiParameter(
        "respondent_type",
        OpenApiTypes.STR,
        enum=models.Response.RespondentType.values,
        description="Who the person responded as: a respondent_type code.",
    ),
    OpenApiParameter("theme", OpenApiTypes.INT, description="A theme's id, once the outcome is published."),
]


class CommentList(ListAPIView):
    serializer_class = serializers.CommentSerializer
    pagination_class = CommentsCursor

    @extend_schema(
        summary="Its published comments and answers",
        description="In the order they were stored, a page at a time: follow `next`. The same filters as the "
        "published responses page; a value it does not offer is a 400 saying why.",
        parameters=FILTER_PARAMETERS,
        responses={200: serializers.CommentSerializer(many=True), **ERRORS},
    )
    def get(self, request, slug):
        access, sections = published_consultation(request, slug)
        consultation = access.consultation
        offered = published_search.Offered.for_consultation(consultation, sections, access.now)
        filters, errors = published_search.read_filters(request.query_params, offered)
        if errors:
            raise BadRequest(errors)
        # In id order (the cursor's), so the search is not asked how to rank its matches.
        comments = published_search.matching(consultation, filters, ranked=False)
        comments = comments.select_related("response", "section", "question")

        def page_of_records():
            with published_search.room_to_search(filters):
                page = self.paginate_queryset(comments)
            return self.get_paginated_response(open_data.records(consultation, page, access.now)).data

        def make():
            # The same page, asked for again by anyone, is the same until the next change to what
            # the public sees (content_version) or the consultation's state: kept, as the
            # published page's counts are, so a search with a filter is not read again each time.
            asked = f"{request.build_absolute_uri()}|{consultation.state_at(access.now)}"
            key = "api-comments:" + hashlib.sha256(asked.encode()).hexdigest()
            return Response(kept(consultation, key, page_of_records))

        return conditional.respond(request, [consultation], access.now, make)


class Statistics(APIView):
    @extend_schema(
        summary="Counts of its published comments; after the close, the figures its page shows",
        responses={200: serializers.StatisticsSerializer, **ERRORS},
    )
    def get(self, request, slug):
        access, sections = published_consultation(request, slug)
        consultation = access.consultation
        return conditional.respond(
            request, [consultation], access.now, lambda: Response(statistics(consultation, sections, access.now))
        )


def statistics(consultation, sections, now):
    counts = published_counts(consultation)
    questions = list(consultation.questions.order_by("position").prefetch_related("options"))
    published = {
        "comments": sum(counts["section"].values()) + sum(counts["question"].values()),
        "by_section": [
            {
                "id": section.pk,
                "number": section.number,
                "title": section.title,
                "count": counts["section"].get(section.pk, 0),
            }
            for section in sections
        ],
        "by_question": [
            {
                "id": question.pk,
                "number": question.number,
                "text": question.text,
                "count": counts["question"].get(question.pk, 0),
                "options": [
                    {"id": option.pk, "label": option.label, "count": counts["option"].get(option.pk, 0)}
                    for option in sorted(question.options.all(), key=lambda option: option.position)
                ],
            }
            for question in questions
        ],
        "by_respondent_type": [
            {"respondent_type": value, "label": label, "count": counts["respondent_type"].get(value, 0)}
            for value, label in models.Response.RespondentType.choices
        ],
    }
    return {"published": published, "after_close": after_close(consultation, now)}


def after_close(consultation, now):
    """The figures the consultation's page shows once closed (guidance/outcomes/published.py), or None."""
    if consultation.state_at(now) != Consultation.State.CLOSED:
        return None

    def figures():
        shown = public_outcome(consultation, now)["statistics"]
        return {
            **{name: value for name, value in shown.items() if name not in {"not_published", "choices"}},
            "not_published": [{"reason": reason, "count": n} for reason, n in shown["not_published"]],
            "choices": [
                {
                    "question": counts.question.number,
                    "text": counts.question.text,
                    "answered": counts.answered,
                    "options": [
                        {"label": option.label, "count": option.count, "share": round(option.share, 1)}
                        for option in counts.options
                    ],
                }
                for counts in shown["choices"]
            ],
        }

    return kept(consultation, "api-after-close", figures)


@functools.cache
def schema():
    """The OpenAPI schema, made once per process: it changes only with the code."""
    return SchemaGenerator().get_schema(request=None, public=True)


def docs(request):
    """The API's documentation, as a page of our own made from the schema: no script from elsewhere."""
    endpoints = []
    for path, methods in schema()["paths"].items():
        operation = methods["get"]
        endpoints.append(
            {
                "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": [
                    {
                        "name": parameter["name"],
                        "where": parameter["in"],
                        "description": parameter.get("description", ""),
                    }
                    for parameter in operation.get("parameters", [])
                ],
            }
        )
    context = {"endpoints": endpoints, "schema_json": reverse("api:schema") + "?format=json"}
    return render(request, "guidance/api_docs.html", context)

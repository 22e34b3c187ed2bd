"""The public's reading pages: the consultations, one consultation, its whole draft, what changed
after it and the version that followed, its published responses and supporting documents, the
privacy notice and the accessibility statement; and the preview link that opens a draft.

Comments reach a public page only through Comment.objects.published().
"""

import datetime
import logging

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from guidance.consultations import previews, supporting, versions
from guidance.models import Comment, CommentQuerySet, Consultation, Story, SupportingDocument
from guidance.outcomes import changes
from guidance.outcomes.published import attach_replies, public_outcome, target_outcomes
from guidance.public import open_data, published_search
from guidance.public.events import events_of
from guidance.public.reading import kept, shown_to, visit, what_changed_public
from guidance.public.visitors import for_this_visitor_only
from guidance.responses import answers

logger = logging.getLogger(__name__)

PUBLISHED_PER_PAGE = 50


def consultation_list(request):
    consultations = Consultation.objects.in_list_order().public()
    return render(request, "guidance/consultation_list.html", {"consultations": consultations})


def overview_context(access, sections, what_changed_is_public):
    """What a consultation's overview (guidance/consultation_detail.html) shows: for the public page,
    and for the staff's preview of the outcome (guidance/staff/outcome_previews.py), which so shows
    it exactly as the public will."""
    consultation = access.consultation
    # Published comments per section; those on the questions are counted under None.
    counts = dict(
        Comment.objects.published()
        .filter(consultation=consultation)
        .values_list("section")
        .annotate(n=Count("pk"))
        .values_list("section", "n")
    )
    for section in sections:
        section.published_count = counts.get(section.pk, 0)
    return {
        "consultation": consultation,
        "access": access,
        "sections": sections,
        "published_count": sum(counts.values()),
        "question_count": consultation.questions.count(),
        "outcome": public_outcome(consultation, access.now),
        "what_changed_public": what_changed_is_public,
        "supporting_documents": consultation.supporting_documents.all(),
        "stories": Story.objects.published()
        .filter(event__consultation=consultation)
        .select_related("event")
        .order_by("event__starts_at"),
        **dict(zip(["upcoming_events", "past_events"], events_of(consultation, access.now), strict=True)),
    }


def consultation_detail(request, slug):
    access, sections = visit(request, slug)
    context = overview_context(access, sections, what_changed_public(access.consultation))
    return shown_to(access, render(request, "guidance/consultation_detail.html", context))


def draft(request, slug):
    access, sections = visit(request, slug)
    context = {
        "consultation": access.consultation,
        "access": access,
        "sections": sections,
        "what_changed_public": what_changed_public(access.consultation),
    }
    return shown_to(access, render(request, "guidance/draft.html", context))


def consultation_with_changes(request, slug):
    """(access, its sections) if the public may read what changed after the consultation; else not found."""
    access, sections = visit(request, slug)
    if not what_changed_public(access.consultation):
        raise Http404
    return access, sections


def what_changed(request, slug):
    access, sections = consultation_with_changes(request, slug)
    consultation = access.consultation
    # The same for everyone, and read in a burst when respondents are emailed a link to it.
    changed = kept(consultation, "what-changed", lambda: changes.what_changed(consultation, sections))
    if changed.document is None:
        raise Http404  # as in new_version
    context = {"consultation": consultation, "access": access, "changes": changed}
    return render(request, "guidance/what_changed.html", context)


def new_version(request, slug):
    """The whole of the version that followed the consultation, like the whole draft."""
    access, _ = consultation_with_changes(request, slug)
    document = versions.next_version(access.consultation)
    if document is None:
        raise Http404
    sections = list(document.sections.prefetch_related("earlier_links__earlier"))
    context = {"consultation": access.consultation, "access": access, "document": document, "sections": sections}
    return render(request, "guidance/new_version.html", context)


def published(request, slug):
    """The published responses, searched and filtered by what the address asks for
    (guidance/public/published_search.py). A value the page does not offer is a 400 page saying so.
    Not kept: the page depends on its filters, and only a section's own page is read at a deadline;
    what it counts is (published_search.counts)."""
    access, sections = visit(request, slug)
    consultation = access.consultation
    offered = published_search.Offered.for_consultation(consultation, sections, access.now)
    filters, errors = published_search.read_filters(request.GET, offered)
    with published_search.room_to_search(filters):
        counts = published_search.counts(consultation, filters, offered)
        if errors:
            comments = Comment.objects.none()
            listed = published_search.Listed(comments, 0)
        else:
            many = counts.found > CommentQuerySet.SEARCH_RANKED_AT_MOST
            comments = published_search.matching(consultation, filters, many=many)
            # The downloads list them in the same order (guidance/public/open_data.py).
            comments = open_data.in_page_order(comments.select_related("response", "section", "question"), filters)
            listed = published_search.Listed(comments, counts.found)
        if not filters.q and (listed.more or filters.section is not None or filters.question is not None):
            # Sorting every match to find a page took seconds at a million: read by section
            # instead, and one section or question (with the answer chosen) from its own index.
            listed.read = published_search.in_reading_order(comments, filters, offered)
        listed.read = published_search.kept_pages(consultation, filters, listed.read)
        page = Paginator(listed, PUBLISHED_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = answers.with_chosen_options(page.object_list)
        attach_replies(consultation, page)
    outcomes = target_outcomes(consultation) if not filters.q else {}
    if outcomes:
        # The template shows each target's outcome under its heading, with its first comment.
        for comment in page:
            target = ("section", comment.section_id) if comment.section_id else ("question", comment.question_id)
            comment.target_outcome_html = outcomes.get(target)
    context = {
        "consultation": consultation,
        "access": access,
        "page": page,
        "filters": filters,
        "errors": errors,
        "choices": counts.choices,
        "more_than": f"{published_search.COUNTED_AT_MOST:,}" if listed.more else "",
        # Comment.objects.search ranks up to SEARCH_RANKED_AT_MOST matches; more are newest first.
        "order": (
            ""
            if not filters.q
            else "newest first"
            if listed.count() > CommentQuerySet.SEARCH_RANKED_AT_MOST
            else "best match first"
        ),
        "any_published": counts.any_published,
        # Each page's link keeps the filters.
        "page_query": f"{filters.query_string()}&" if filters.any else "",
    }
    status = 400 if errors else 200
    return shown_to(access, render(request, "guidance/published.html", context, status=status))


def supporting_document(request, slug, document_id):
    """A consultation's supporting document, as an attachment whose type was checked on upload
    (guidance/consultations/supporting.py). Nothing in it may run, even if a browser were to show it."""
    access, _ = visit(request, slug)
    document = get_object_or_404(SupportingDocument, pk=document_id, consultation=access.consultation)
    try:
        file, content_type = supporting.open_for_download(document)
    except FileNotFoundError:
        logger.error("Supporting document %s has no file in the storage", document.pk)
        raise Http404 from None
    response = FileResponse(
        file, as_attachment=True, filename=supporting.download_name(document), content_type=content_type
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return shown_to(access, response)


def privacy(request):
    # Who is responsible for the responses: the organisation running each consultation.
    controllers = {}
    for consultation in Consultation.objects.public().order_by("organisation", "title"):
        controller = controllers.setdefault(consultation.organisation, {"contacts": [], "consultations": []})
        controller["consultations"].append(consultation)
        if consultation.contact_email and consultation.contact_email not in controller["contacts"]:
            controller["contacts"].append(consultation.contact_email)
    return render(request, "guidance/privacy.html", {"controllers": controllers})


# When the accessibility statement was first written, and when it was last looked at again against
# the website as it is: move REVIEWED on at each review, and say what changed in the statement.
STATEMENT_PREPARED = datetime.date(2026, 11, 26)
STATEMENT_REVIEWED = datetime.date(2026, 12, 7)


def accessibility(request):
    context = {"prepared": STATEMENT_PREPARED, "reviewed": STATEMENT_REVIEWED}
    return render(request, "guidance/accessibility.html", context)


def preview_link(request, slug, token):
    """A preview link: checked, remembered in the visitor's session, then on to the draft."""
    consultation = Consultation.objects.filter(slug=slug).first()
    try:
        if consultation is None:
            raise previews.Refused("broken")
        if consultation.is_public:
            # Published since the link was sent: the public page is what they want.
            return redirect(consultation)
        link = previews.link_from_token(token, consultation)
    except previews.Refused as refusal:
        return preview_refused(request, refusal)
    previews.remember(request.session, link)
    return redirect(consultation)


def preview_refused(request, refusal):
    page = render(request, "guidance/preview_refused.html", {"refusal": refusal}, status=403)
    return for_this_visitor_only(page)

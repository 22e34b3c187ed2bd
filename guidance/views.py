"""The public's pages: read the draft, comment on a section, answer the questions, see what
has been published. Every page is server-rendered and works without JavaScript.

Comments reach a public page only through Comment.objects.published().
"""

import logging
import re
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from guidance import moderation, ratelimit
from guidance.forms import CommentForm, QuestionsForm, ReportForm
from guidance.models import Comment, Consultation, Section, new_reference
from guidance.outcomes import public_outcome, target_outcomes
from guidance.submissions import submit_response

logger = logging.getLogger(__name__)

COMMENTS_PER_PAGE = 20
PUBLISHED_PER_PAGE = 50


def get_consultation(slug):
    """(consultation, its document's sections), as the public pages show them.

    They change only when staff edit them, and reading them was a fifth of a section page's work
    at a busy deadline, so each server process keeps them for settings.PUBLIC_CACHE_SECONDS.
    Whether the consultation is open is still decided at each request, from its dates."""

    def read():
        consultation = get_object_or_404(Consultation.objects.select_related("document"), slug=slug)
        return consultation, list(consultation.document.sections.all())

    return kept_for_the_public(f"consultation:{slug}", read)


def kept_for_the_public(key, compute):
    """What the public pages show alike to everyone, kept in this server process's memory for
    settings.PUBLIC_CACHE_SECONDS (CACHES["fragments"]): compute() runs when it is not there."""
    return caches["fragments"].get_or_set(key, compute, settings.PUBLIC_CACHE_SECONDS)


def consultation_list(request):
    consultations = Consultation.objects.in_list_order()
    return render(request, "guidance/consultation_list.html", {"consultations": consultations})


def consultation_detail(request, slug):
    consultation, sections = get_consultation(slug)
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
    return render(
        request,
        "guidance/consultation_detail.html",
        {
            "consultation": consultation,
            "sections": sections,
            "published_count": sum(counts.values()),
            "question_count": consultation.questions.count(),
            "outcome": public_outcome(consultation),
        },
    )


def draft(request, slug):
    consultation, sections = get_consultation(slug)
    return render(request, "guidance/draft.html", {"consultation": consultation, "sections": sections})


def section(request, slug, section_slug):
    consultation, sections = get_consultation(slug)
    position = next((i for i, s in enumerate(sections) if s.slug == section_slug), None)
    if position is None:
        raise Http404
    current = sections[position]
    form_kwargs = form_options(request)
    sent = None
    if request.method == "POST":
        refusal = refuse_submission(request, consultation)
        if refusal:
            return refusal
        sent = CommentForm(request.POST, **form_kwargs)
        if sent.is_spam:
            return pretend_success(request, consultation, sent)
        if sent.is_valid():
            return accept(request, consultation, sent, [(current, sent.cleaned_data["comment"])])
    remembered = remembered_details(request)
    # A new visitor: no form sent, no details remembered, so a blank form.
    new_visitor = sent is None and not remembered
    page_number = comments_page_number(request)

    def section_page():
        return render(
            request,
            "guidance/section.html",
            {
                "consultation": consultation,
                "section": current,
                "previous": sections[position - 1] if position > 0 else None,
                "next": sections[position + 1] if position + 1 < len(sections) else None,
                "form": sent if sent is not None else CommentForm(initial=remembered, **form_kwargs),
                # A blank form is the same HTML for every visitor, so the template renders it once.
                "blank_form": new_visitor,
                "comments_html": published_comments_html(consultation, current, page_number),
                "outcome_html": target_outcomes(consultation).get(("section", current.pk)),
            },
        )

    if new_visitor:
        return page_for_new_visitor(request, f"section-page:{current.pk}:{page_number}", section_page)
    return section_page()


# The two values on a page that differ from one new visitor to the next.
VISITOR_TOKENS = re.compile(r'(<input type="hidden" name="(csrfmiddlewaretoken|form_token)" value=")[^"]*(")')


def page_for_new_visitor(request, key, render_page):
    """A page that is the same for every new visitor (no session yet) but for its CSRF token and
    its form's one-time token.

    At a deadline most people arrive once, read a section and comment, so each server process
    keeps the page rendered for the first of them for settings.PUBLIC_CACHE_SECONDS and gives
    everyone after a copy with fresh tokens of their own: a tenth of the CPU of rendering it."""
    html = kept_for_the_public(key, lambda: render_page().content.decode())

    def fresh_token(match):
        token = get_token(request) if match[2] == "csrfmiddlewaretoken" else str(uuid.uuid4())
        return f"{match[1]}{token}{match[3]}"

    return HttpResponse(VISITOR_TOKENS.sub(fresh_token, html))


def comments_page_number(request):
    try:
        return int(request.GET.get("page") or 1)
    except ValueError:
        return 1


def published_comments_html(consultation, section, number):
    """One page of the section's published comments, as HTML.

    The section page is the busiest page at a deadline and counting and rendering its comments
    was most of its cost, so each server process keeps the HTML for settings.PUBLIC_CACHE_SECONDS:
    a moderation decision or an erasure shows on the page within that time. In each process's own
    memory rather than the shared cache: reading 30 kB from Redis (or the database's cache table)
    on every view cost more than each process rendering each page once per period
    (docs/performance.md)."""

    def render_comments():
        comments = (
            Comment.objects.published()
            .filter(consultation=consultation, section=section)
            .select_related("response")
            .order_by("-created_at", "-pk")
        )
        page = Paginator(comments, COMMENTS_PER_PAGE).get_page(number)
        return loader.render_to_string("includes/section_comments.html", {"page": page, "is_open": is_open})

    is_open = consultation.is_open
    return kept_for_the_public(f"section-comments:{section.pk}:{number}:{is_open}", render_comments)


def questions(request, slug):
    consultation, _ = get_consultation(slug)
    question_list = list(consultation.questions.all())
    if not question_list:
        raise Http404
    form_kwargs = {"questions": question_list, **form_options(request)}
    if request.method == "POST":
        refusal = refuse_submission(request, consultation)
        if refusal:
            return refusal
        form = QuestionsForm(request.POST, **form_kwargs)
        if form.is_spam:
            return pretend_success(request, consultation, form)
        if form.is_valid():
            return accept(request, consultation, form, form.answers())
    else:
        form = QuestionsForm(initial=remembered_details(request), **form_kwargs)
    return render(
        request, "guidance/questions.html", {"consultation": consultation, "questions": question_list, "form": form}
    )


def confirmation(request, slug):
    consultation, _ = get_consultation(slug)
    sent = request.session.get("confirmation")
    if not sent or sent.get("consultation") != consultation.slug:
        return redirect(consultation)
    answered = sent["kind"] == "answers" or consultation.slug in request.session.get("answered", [])
    context = {
        "consultation": consultation,
        "sent": sent,
        "offer_questions": not answered and consultation.questions.exists(),
    }
    return render(request, "guidance/confirmation.html", context)


def published(request, slug):
    consultation, _ = get_consultation(slug)
    comments = (
        Comment.objects.published()
        .filter(consultation=consultation)
        .select_related("response", "section", "question")
        .order_by(
            F("section__major").asc(nulls_last=True),
            "section__minor",
            "question__position",
            "-created_at",
            "-pk",
        )
    )
    page = Paginator(comments, PUBLISHED_PER_PAGE).get_page(request.GET.get("page"))
    outcomes = target_outcomes(consultation)
    if outcomes:
        # The template shows each target's outcome under its heading, with its first comment.
        for comment in page:
            target = ("section", comment.section_id) if comment.section_id else ("question", comment.question_id)
            comment.target_outcome_html = outcomes.get(target)
    return render(request, "guidance/published.html", {"consultation": consultation, "page": page})


def privacy(request):
    # Who is responsible for the responses: the organisation running each consultation.
    controllers = {}
    for consultation in Consultation.objects.order_by("organisation", "title"):
        controller = controllers.setdefault(consultation.organisation, {"contacts": [], "consultations": []})
        controller["consultations"].append(consultation)
        if consultation.contact_email and consultation.contact_email not in controller["contacts"]:
            controller["contacts"].append(consultation.contact_email)
    return render(request, "guidance/privacy.html", {"controllers": controllers})


def accessibility(request):
    return render(request, "guidance/accessibility.html")


# Submissions ---------------------------------------------------------------------------------


def remembered_details(request):
    return dict(request.session.get("respondent", {}))


def form_options(request):
    """What a respondent's form takes from their session: whether their details are remembered
    (then shown as a summary) and whether they agreed to the privacy notice (then not asked again)."""
    return {
        "privacy_url": reverse("guidance:privacy"),
        "remembered": "respondent" in request.session,
        "privacy_agreed": request.session.get("privacy_agreed", False),
    }


def refuse_submission(request, consultation):
    """The page to show instead of handling a submission, or None when it may go ahead."""
    if not consultation.is_open:
        return render(request, "guidance/not_open.html", {"consultation": consultation}, status=403)
    return refuse_over_limit(request, "submissions")


def refuse_over_limit(request, kind):
    """The 429 page when this address has reached its hourly limit of `kind`, or None."""
    blocked_until = ratelimit.submissions_blocked_until(request, kind=kind)
    if not blocked_until:
        return None
    logger.warning(
        "Submission refused (%s): rate limit reached for client %s", kind, ratelimit.client_fingerprint(request)
    )
    page = render(request, "429.html", {"try_again_at": blocked_until, "kind": kind}, status=429)
    page["Retry-After"] = str(max(1, int((blocked_until - timezone.now()).total_seconds())))
    return page


def accept(request, consultation, form, targets_and_texts):
    response, created = submit_response(
        consultation, form.details(), targets_and_texts, form_token=form.cleaned_data.get("form_token")
    )
    if created:
        ratelimit.count_submission(request)
    request.session["respondent"] = form.details()
    request.session["privacy_agreed"] = True
    # Details are remembered only until the browser closes: library and shared computers.
    request.session.set_expiry(0)
    kind = "comment" if isinstance(targets_and_texts[0][0], Section) else "answers"
    if kind == "answers":
        # The confirmations that follow no longer offer the questions.
        request.session["answered"] = sorted({*request.session.get("answered", []), consultation.slug})
    request.session["confirmation"] = {
        "consultation": consultation.slug,
        "reference": response.reference,
        "receipt": bool(response.email),
        "kind": kind,
    }
    return redirect("guidance:confirmation", slug=consultation.slug)


def pretend_success(request, consultation, form):
    """The honeypot was filled in: look like success to the bot, store nothing."""
    logger.warning(
        "Honeypot filled on %s: submission discarded (client %s)", request.path, ratelimit.client_fingerprint(request)
    )
    ratelimit.count_submission(request)
    request.session["confirmation"] = {
        "consultation": consultation.slug,
        "reference": new_reference(),
        "receipt": False,
        "kind": "comment" if isinstance(form, CommentForm) else "answers",
    }
    return redirect("guidance:confirmation", slug=consultation.slug)


# Public reports on comments ---------------------------------------------------------------------


def report_comment(request, pk):
    """A member of the public reports a published comment (only published ones can be)."""
    comment = get_object_or_404(
        Comment.objects.published().select_related("response", "consultation", "consultation__document", "section"),
        pk=pk,
    )
    if request.method == "POST":
        refusal = refuse_over_limit(request, "reports")
        if refusal:
            return refusal
        form = ReportForm(request.POST)
        if form.is_spam:
            logger.warning(
                "Honeypot filled on %s: report discarded (client %s)",
                request.path,
                ratelimit.client_fingerprint(request),
            )
            ratelimit.count_submission(request, kind="reports")
            return report_received(request, comment)
        if form.is_valid():
            ratelimit.count_submission(request, kind="reports")
            if ratelimit.first_report_today(request, comment.pk):
                moderation.report_comment(comment, form.cleaned_data["reason"], form.cleaned_data["details"])
            else:
                logger.info(
                    "Report on comment %s discarded: already reported today from client %s",
                    comment.pk,
                    ratelimit.client_fingerprint(request),
                )
            return report_received(request, comment)
    else:
        form = ReportForm()
    return render(
        request,
        "guidance/report.html",
        {"comment": comment, "consultation": comment.consultation, "form": form, "back_url": comment_page_url(comment)},
    )


def comment_page_url(comment):
    """Where a published comment is shown: its section's page, or the published responses."""
    if comment.section_id:
        return reverse("guidance:section", args=[comment.consultation.slug, comment.section.slug])
    return reverse("guidance:published", args=[comment.consultation.slug])


def report_received(request, comment):
    request.session["report_sent"] = {"consultation": comment.consultation.slug, "back_url": comment_page_url(comment)}
    return redirect("guidance:report_sent")


def report_sent(request):
    sent = request.session.get("report_sent")
    consultation = Consultation.objects.filter(slug=sent["consultation"]).first() if sent else None
    if not consultation:
        return redirect("guidance:consultation_list")
    return render(request, "guidance/report_sent.html", {"consultation": consultation, "back_url": sent["back_url"]})


# Error pages ---------------------------------------------------------------------------------


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    # No database, no request context: whatever broke may be one of them.
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"site_name": settings.SITE_NAME}))

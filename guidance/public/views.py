"""The public's pages: read the draft, comment on a section, answer the questions, see what
has been published. Every page is server-rendered and works without JavaScript.

Comments reach a public page only through Comment.objects.published().
"""

import functools
import hashlib
import hmac
import logging
import re
import sys
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.db.models import Count, F
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from consult.middleware import what_became_of_what_was_sent
from guidance.consultations import previews, supporting, versions
from guidance.mail.emails import Receipt
from guidance.models import Comment, Consultation, Draft, Response, Section, SupportingDocument, new_reference
from guidance.moderation import decisions
from guidance.outcomes import changes
from guidance.outcomes.published import attach_replies, public_outcome, target_outcomes
from guidance.public.forms import REMEMBERED_FIELDS, SAVE, CommentForm, QuestionsForm, ReportForm
from guidance.responses import answers, ratelimit
from guidance.responses.respondents import comment_state, may_change, may_withdraw
from guidance.responses.submissions import FormAlreadySent, save_draft, submit_response
from guidance.responses.text import whole_number

logger = logging.getLogger(__name__)

COMMENTS_PER_PAGE = 20
PUBLISHED_PER_PAGE = 50


def saves_what_is_sent(view):
    """For a view that saves what a form sends only through sending(request, "storing"): until it
    says so, a failure has stored nothing."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            sending(request, "not_stored")
        return view(request, *args, **kwargs)

    return wrapped


def sending(request, state):
    """Note what has become of what this request sent, for an error page met on the way
    (server_error): "not_stored" while it is checked, "storing" while it is being saved, "stored"
    once saved (committed): a failure after that, such as the session failing to save, then says
    so rather than asking for it to be sent again."""
    request.sending = state


def get_consultation(request, slug):
    """(consultation, its document's sections), as the public pages show them.

    They change only when staff edit them, and reading them was a fifth of a section page's work
    at a busy deadline, so each server process keeps them for settings.PUBLIC_CACHE_SECONDS.
    Whether the consultation is open is still decided at each request, from its dates.

    A draft is not found, except by staff and by a visitor who opened a preview link to it: it is
    then shown as a preview (consultation.previewing), checked afresh at each request, so a link
    that expires or is revoked stops working at once (guidance/consultations/previews.py)."""

    def read():
        consultation = get_object_or_404(Consultation.objects.select_related("document"), slug=slug)
        return consultation, list(consultation.document.sections.all())

    consultation, sections = kept_for_the_public(f"consultation:{slug}", read)
    if consultation.is_draft:
        consultation.previewing = may_preview(request, consultation)
    return consultation, sections


class PreviewEnded(PermissionDenied):
    """A visitor's preview link expired or was revoked while they were reading: the 403 page says so."""

    def __init__(self, refusal):
        super().__init__(refusal.message)
        self.refusal = refusal


def may_preview(request, consultation):
    """True if this visitor may see this draft as a preview; otherwise the draft is not found."""
    user = request.user
    # With a second factor required, a session whose code was never given is nobody's yet.
    verified = not settings.STAFF_TWO_FACTOR or user.is_verified()
    if user.is_authenticated and user.is_staff and verified and user.has_perm("guidance.view_consultation"):
        return True
    try:
        link = previews.remembered_link(request.session, consultation)
    except previews.Refused as refusal:
        raise PreviewEnded(refusal) from None
    if link is None:
        raise Http404
    return True


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


def kept_for_the_public(key, compute):
    """What the public pages show alike to everyone, kept in this server process's memory for
    settings.PUBLIC_CACHE_SECONDS (CACHES["fragments"]): compute() runs when it is not there."""
    return caches["fragments"].get_or_set(key, compute, settings.PUBLIC_CACHE_SECONDS)


def consultation_list(request):
    consultations = Consultation.objects.in_list_order().public()
    return render(request, "guidance/consultation_list.html", {"consultations": consultations})


def consultation_detail(request, slug):
    consultation, sections = get_consultation(request, slug)
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
    page = render(
        request,
        "guidance/consultation_detail.html",
        {
            "consultation": consultation,
            "sections": sections,
            "published_count": sum(counts.values()),
            "question_count": consultation.questions.count(),
            "outcome": public_outcome(consultation),
            "what_changed_public": what_changed_public(consultation),
            "supporting_documents": consultation.supporting_documents.all(),
        },
    )
    return shown_to(consultation, page)


def draft(request, slug):
    consultation, sections = get_consultation(request, slug)
    context = {
        "consultation": consultation,
        "sections": sections,
        "what_changed_public": what_changed_public(consultation),
    }
    return shown_to(consultation, render(request, "guidance/draft.html", context))


def what_changed_public(consultation):
    """versions.what_changed_is_public, kept like the consultation itself (get_consultation): the
    draft's pages ask it at every view to say that a new version has been published."""
    if consultation.is_draft:
        return False
    return kept_for_the_public(
        f"what-changed-public:{consultation.pk}", lambda: versions.what_changed_is_public(consultation)
    )


def consultation_with_changes(request, slug):
    """(consultation, its sections) if the public may read what changed after it; else not found."""
    consultation, sections = get_consultation(request, slug)
    if not what_changed_public(consultation):
        raise Http404
    return consultation, sections


def what_changed(request, slug):
    consultation, sections = consultation_with_changes(request, slug)
    # The same for everyone, and read in a burst when respondents are emailed a link to it.
    changed = kept_for_the_public(
        f"what-changed:{consultation.pk}", lambda: changes.what_changed(consultation, sections)
    )
    if changed.document is None:
        raise Http404  # as in new_version
    context = {"consultation": consultation, "changes": changed}
    return render(request, "guidance/what_changed.html", context)


def new_version(request, slug):
    """The whole of the version that followed the consultation, like the whole draft."""
    consultation, _ = consultation_with_changes(request, slug)
    document = versions.next_version(consultation)
    if document is None:
        # Its links were unconfirmed since what_changed_public was kept (a few seconds at most).
        raise Http404
    sections = list(document.sections.prefetch_related("earlier_links__earlier"))
    context = {"consultation": consultation, "document": document, "sections": sections}
    return render(request, "guidance/new_version.html", context)


def shown_to(consultation, page):
    """A page of a draft's preview is for its visitor alone: no shared cache keeps it."""
    return for_this_visitor_only(page) if getattr(consultation, "previewing", False) else page


@saves_what_is_sent
def section(request, slug, section_slug):
    consultation, sections = get_consultation(request, slug)
    position = next((i for i, s in enumerate(sections) if s.slug == section_slug), None)
    if position is None:
        raise Http404
    current = sections[position]
    # A preview stores nothing, so it has no response of its own.
    response = None if consultation.previewing else bound_response(request, consultation)
    form_key = Draft.key_for(current)
    form_kwargs = form_options(request, response)
    sent = None
    checked_in_preview = False
    if request.method == "POST" and consultation.previewing:
        # A preview stores nothing: the form is checked and shown again, saying so.
        sent = CommentForm(request.POST, **form_kwargs)
        checked_in_preview = sent.is_valid()
    elif request.method == "POST":
        saving = SAVE in request.POST
        refusal = refuse_submission(request, consultation, limited=not (saving and response))
        if refusal:
            return refusal
        sent = CommentForm(request.POST, draft=saving, **form_kwargs)
        if sent.is_spam:
            return pretend_success(request, consultation, sent)
        if sent.is_valid():
            if saving:
                return keep_for_later(request, consultation, sent, response, form_key, section=current)
            accepted = accept(
                request, consultation, sent, [(current, sent.cleaned_data["comment"])], response, form_key=form_key
            )
            if accepted is not None:
                return accepted
    remembered = remembered_details(request, response)
    # A new visitor: no form sent, no details remembered, no response of theirs, nothing agreed to
    # yet: the blank form, the same for everyone, which is rendered once and kept (its cache key
    # says nothing about the visitor, so nothing about the visitor may change it).
    new_visitor = (
        sent is None
        and not remembered
        and response is None
        and not consultation.previewing
        and not form_kwargs["remembered"]
        and not form_kwargs["privacy_agreed"]
    )
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
                "form": sent
                if sent is not None
                else CommentForm(initial={**remembered, **saved_values(response, form_key)}, **form_kwargs),
                # A blank form is the same HTML for every visitor, so the template renders it once.
                "blank_form": new_visitor,
                "comments_html": published_comments_html(consultation, current, page_number),
                "outcome_html": target_outcomes(consultation).get(("section", current.pk)),
                "what_changed_public": what_changed_public(consultation),
                "checked_in_preview": checked_in_preview,
                "already_sent": response.comments.filter(section=current).count() if response else 0,
            },
        )

    if new_visitor:
        return page_for_new_visitor(request, f"section-page:{current.pk}:{page_number}", section_page)
    return for_this_visitor_only(section_page())


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
    return whole_number(request.GET.get("page") or "1") or 1


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
        attach_replies(consultation, page)
        return loader.render_to_string("includes/section_comments.html", {"page": page, "is_open": is_open})

    is_open = consultation.is_open
    return kept_for_the_public(f"section-comments:{section.pk}:{number}:{is_open}", render_comments)


@saves_what_is_sent
def questions(request, slug):
    consultation, _ = get_consultation(request, slug)
    question_list = list(consultation.questions.prefetch_related("options"))
    if not question_list:
        raise Http404
    response = None if consultation.previewing else bound_response(request, consultation)
    form_kwargs = {"questions": question_list, **form_options(request, response)}
    checked_in_preview = False
    if request.method == "POST" and consultation.previewing:
        # A preview stores nothing: the form is checked and shown again, saying so.
        form = QuestionsForm(request.POST, **form_kwargs)
        checked_in_preview = form.is_valid()
    elif request.method == "POST":
        saving = SAVE in request.POST
        refusal = refuse_submission(request, consultation, limited=not (saving and response))
        if refusal:
            return refusal
        form = QuestionsForm(request.POST, draft=saving, **form_kwargs)
        if form.is_spam:
            return pretend_success(request, consultation, form)
        if form.is_valid():
            if saving:
                return keep_for_later(request, consultation, form, response, Draft.QUESTIONS)
            accepted = accept(request, consultation, form, form.answers(), response, form_key=Draft.QUESTIONS)
            if accepted is not None:
                return accepted
    else:
        initial = {**remembered_details(request, response), **saved_values(response, Draft.QUESTIONS)}
        form = QuestionsForm(initial=initial, **form_kwargs)
    answered = response.comments.filter(question__isnull=False).count() if response else 0
    page = render(
        request,
        "guidance/questions.html",
        {
            "consultation": consultation,
            "questions": question_list,
            "form": form,
            "checked_in_preview": checked_in_preview,
            "already_sent": answered,
        },
    )
    if form.is_bound or response is not None or remembered_details(request, response) or consultation.previewing:
        return for_this_visitor_only(page)
    return page


def confirmation(request, slug):
    consultation, _ = get_consultation(request, slug)
    sent = request.session.get("confirmation")
    if not sent or sent.get("consultation") != consultation.slug:
        return redirect(consultation)
    response = bound_response(request, consultation)
    if response is not None and response.reference != sent["reference"]:
        response = None
    comments = []
    if response is not None:
        # Everything sent so far under this reference, each with what has become of it.
        comments = response_comments(response)
    answered = any(comment.question_id for comment in comments) if response else sent["kind"] == "answers"
    context = {
        "consultation": consultation,
        "sent": sent,
        "response": response,
        "comments": comments,
        "offer_questions": not answered and consultation.questions.exists(),
        "receipts_per_day": settings.RATE_LIMIT_RECEIPTS_PER_DAY,
    }
    return for_this_visitor_only(render(request, "guidance/confirmation.html", context))


def response_comments(response):
    """The response's comments and answers in the order of the draft and the questions, each with
    its state in plain words (guidance/responses/respondents.py)."""
    consultation = response.consultation
    # A response holds a handful of comments: sorted here, which costs less than asking the
    # database to sort on its joins.
    comments = sorted(response.comments.select_related("section", "question"), key=Comment.reading_order)
    attach_replies(consultation, comments)
    for comment in comments:
        # Both in hand already: reading them again would be a query for each comment.
        comment.response, comment.consultation = response, consultation
        comment.state = comment_state(comment)
        comment.may_change, comment.may_withdraw = may_change(comment), may_withdraw(comment)
    return comments


def published(request, slug):
    consultation, _ = get_consultation(request, slug)
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
    labels = answers.chosen_labels(comment.pk for comment in page if comment.question_id)
    attach_replies(consultation, page)
    for comment in page:
        comment.chosen_labels = labels.get(comment.pk, [])
    outcomes = target_outcomes(consultation)
    if outcomes:
        # The template shows each target's outcome under its heading, with its first comment.
        for comment in page:
            target = ("section", comment.section_id) if comment.section_id else ("question", comment.question_id)
            comment.target_outcome_html = outcomes.get(target)
    return shown_to(
        consultation, render(request, "guidance/published.html", {"consultation": consultation, "page": page})
    )


def supporting_document(request, slug, document_id):
    """A consultation's supporting document, as an attachment whose type was checked on upload
    (guidance/consultations/supporting.py). Nothing in it may run, even if a browser were to show it."""
    consultation, _ = get_consultation(request, slug)
    document = get_object_or_404(SupportingDocument, pk=document_id, consultation=consultation)
    try:
        file, content_type = supporting.open_for_download(document)
    except FileNotFoundError:
        logger.error("Supporting document %s has no file in the storage", document.pk)
        raise Http404 from None
    response = FileResponse(
        file, as_attachment=True, filename=supporting.download_name(document), content_type=content_type
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return shown_to(consultation, response)


def privacy(request):
    # Who is responsible for the responses: the organisation running each consultation.
    controllers = {}
    for consultation in Consultation.objects.public().order_by("organisation", "title"):
        controller = controllers.setdefault(consultation.organisation, {"contacts": [], "consultations": []})
        controller["consultations"].append(consultation)
        if consultation.contact_email and consultation.contact_email not in controller["contacts"]:
            controller["contacts"].append(consultation.contact_email)
    return render(request, "guidance/privacy.html", {"controllers": controllers})


def accessibility(request):
    return render(request, "guidance/accessibility.html")


# Submissions ---------------------------------------------------------------------------------


# Which response is this browser's: the session remembers one per consultation, from the first
# form sent or saved, or from a link to continue (guidance/public/respondent_views.py), with the response's
# link version at the time. Stopping the links, withdrawing or erasing the response adds one to
# that version, and every browser holding the earlier one lets go of it.
RESPONSES_KEY = "responses"
# The response whose details fill in a form on another consultation (the last one sent from this
# browser), kept the same way: never the details themselves, so the session holds no personal data.
LAST_RESPONSE_KEY = "last_response"


def response_held(binding, **filters):
    """The response a session's binding ([id, link version]) names, if it still holds; else None."""
    if isinstance(binding, int):
        binding = [binding, 0]  # bound before the version was kept with it: as if never revoked
    if not (isinstance(binding, list) and len(binding) == 2):
        return None
    pk, version = binding
    return Response.objects.filter(pk=pk, link_version=version, **filters).first()


def bound_response(request, consultation):
    """The response this browser is adding to on this consultation, or None."""
    binding = request.session.get(RESPONSES_KEY, {}).get(str(consultation.pk))
    if binding is None:
        return None
    response = response_held(binding, consultation=consultation, withdrawn_at__isnull=True)
    if response is None:
        forget_response(request, consultation)
        return None
    response.consultation = consultation  # in hand: not read again
    return response


def bind_response(request, response):
    """From now on this browser adds to `response` on its consultation's forms."""
    request.session[RESPONSES_KEY] = {
        **request.session.get(RESPONSES_KEY, {}),
        str(response.consultation_id): [response.pk, response.link_version],
    }
    if response.submitted_at:
        # Its details were given in full, with the agreement to the privacy notice.
        request.session["privacy_agreed"] = True
        request.session[LAST_RESPONSE_KEY] = [response.pk, response.link_version]
    if not request.session.get("kept_on_device"):
        # Remembered only until the browser closes, unless the respondent chose otherwise:
        # library and shared computers.
        request.session.set_expiry(0)


def forget_response(request, consultation):
    request.session[RESPONSES_KEY] = {
        key: binding for key, binding in request.session.get(RESPONSES_KEY, {}).items() if key != str(consultation.pk)
    }


def browser_of(request):
    """A keyed hash of this browser's CSRF cookie: the same for every form one browser sends until it
    is closed (the cookie lasts the browser's session), and nothing anyone else can work out. "" when
    there is no cookie (a client that skips the CSRF check: the tests')."""
    cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if not cookie:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), f"browser:{cookie}".encode(), hashlib.sha256).hexdigest()


def details_of(response):
    return {name: getattr(response, name) for name in REMEMBERED_FIELDS if name != "notify"}


def remembered_details(request, response=None):
    """The details to fill the next form in with: the response's, once it has been sent (or those
    given when saving it); otherwise those of the last response this browser sent, to another
    consultation, unless it has been withdrawn, erased or its links stopped since."""
    last = request.session.get(LAST_RESPONSE_KEY)
    remembered = {}
    if last is not None:
        earlier = response_held(last, withdrawn_at__isnull=True, anonymised_at__isnull=True)
        remembered = details_of(earlier) if earlier else {}
    if response is not None:
        given = {name: getattr(response, name) for name in REMEMBERED_FIELDS}
        if response.submitted_at is None:
            given = {name: value for name, value in given.items() if value not in ("", None, False)}
            return {**remembered, **given}
        return given
    return remembered


def saved_values(response, form_key):
    """What was saved of this form to finish later, as its fields' initial values."""
    if response is None:
        return {}
    draft = response.drafts.filter(form_key=form_key).first()
    return dict(draft.values) if draft else {}


def for_this_visitor_only(page):
    """A page showing what this visitor wrote, their remembered details or their reference: no
    shared cache keeps it, and the browser keeps no copy once it is closed (library and shared
    computers)."""
    patch_cache_control(page, private=True, no_store=True)
    return page


def form_options(request, response=None):
    """What a respondent's form takes from their session and response: whether their details are
    remembered (then shown as a summary) and whether they agreed to the privacy notice (then not
    asked again)."""
    sent_before = response is not None and response.submitted_at is not None
    return {
        "privacy_url": reverse("guidance:privacy"),
        "remembered": sent_before or (response is None and bool(remembered_details(request))),
        "privacy_agreed": sent_before or request.session.get("privacy_agreed", False),
    }


def refuse_submission(request, consultation, *, limited=True):
    """The page to show instead of handling a submission, or None when it may go ahead. limited:
    whether the form is under the hourly limit (saving again a response already started is not)."""
    # The consultation may have been kept for PUBLIC_CACHE_SECONDS (get_consultation): what is
    # accepted follows its dates as they are now, so closing it early refuses posts at once.
    try:
        consultation.refresh_from_db(fields=["opens_at", "closes_at", "publication"])
    except Consultation.DoesNotExist:
        raise Http404 from None
    if consultation.is_draft:
        raise Http404
    if not consultation.is_open:
        return render(request, "guidance/not_open.html", {"consultation": consultation}, status=403)
    return refuse_over_limit(request, "submissions") if limited else None


def refuse_over_limit(request, kind):
    """The 429 page when this address has no place left under its hourly limit of `kind`, or None.
    Only a look, so that someone over the limit is told before their form is checked: the place
    itself is taken just before storing (take_place), which is what holds when posts arrive together."""
    blocked_until = ratelimit.blocked_until(kind, ratelimit.client_fingerprint(request))
    return over_limit(request, kind, blocked_until) if blocked_until else None


def take_place(request, kind):
    """A place under this address's limit of `kind` (ratelimit.Place); see over_limit when none is left."""
    return ratelimit.take_place(kind, ratelimit.client_fingerprint(request))


def over_limit(request, kind, blocked_until):
    logger.warning(
        "Submission refused (%s): rate limit reached for client %s", kind, ratelimit.client_fingerprint(request)
    )
    page = render(request, "429.html", {"try_again_at": blocked_until, "kind": kind}, status=429)
    page["Retry-After"] = str(max(1, int((blocked_until - timezone.now()).total_seconds())))
    return page


def accept(request, consultation, form, targets_and_texts, response=None, form_key=""):
    """Add what the form sent to the respondent's response (`response`, or a new one) and redirect
    to its confirmation: the 429 page when this address has used its places, or None, with an error
    on the form, when the form's one-time token was already used to send something else."""
    place = take_place(request, "submissions")
    if not place.taken:
        return over_limit(request, "submissions", place.until)
    sending(request, "storing")
    try:
        response, receipt, created = submit_response(
            consultation,
            form.details(),
            targets_and_texts,
            form_token=form.cleaned_data.get("form_token"),
            response=response,
            form_key=form_key,
            browser=browser_of(request),
        )
    except FormAlreadySent:
        sending(request, "not_stored")
        ratelimit.give_back(place)
        form.refuse_token()
        return None
    sending(request, "stored")
    if not created:
        # The same form sent again: nothing new was stored, and no second receipt is queued.
        ratelimit.give_back(place)
    bind_response(request, response)
    request.session["privacy_agreed"] = True
    kind = "comment" if isinstance(targets_and_texts[0][0], Section) else "answers"
    request.session["confirmation"] = {
        "consultation": consultation.slug,
        "reference": response.reference,
        "receipt": receipt,
        "kind": kind,
    }
    return redirect("guidance:confirmation", slug=consultation.slug)


def keep_for_later(request, consultation, form, response, form_key, section=None):
    """Save the form to finish later ("Save and come back later") and show the respondent their
    response's page, which offers a link to continue on another device. Saving again changes the
    same draft; only starting a response takes a place under the hourly limit."""
    if response is None:
        place = take_place(request, "submissions")
        if not place.taken:
            return over_limit(request, "submissions", place.until)
    sending(request, "storing")
    response, _ = save_draft(
        consultation,
        form.details(),
        form_key,
        form.draft_values(),
        section=section,
        response=response,
        browser=browser_of(request),
    )
    sending(request, "stored")
    bind_response(request, response)
    request.session["saved"] = {
        "consultation": consultation.slug,
        "what": f"section {section.number}" if section else "questions",
    }
    return redirect("guidance:your_response", slug=consultation.slug)


def pretend_success(request, consultation, form):
    """The honeypot was filled in: look like success to the bot, store nothing."""
    logger.warning(
        "Honeypot filled on %s: submission discarded (client %s)", request.path, ratelimit.client_fingerprint(request)
    )
    place = take_place(request, "submissions")
    if not place.taken:
        return over_limit(request, "submissions", place.until)
    request.session["confirmation"] = {
        "consultation": consultation.slug,
        "reference": new_reference(),
        "receipt": Receipt.NOT_ASKED,
        "kind": "comment" if isinstance(form, CommentForm) else "answers",
    }
    return redirect("guidance:confirmation", slug=consultation.slug)


# Public reports on comments ---------------------------------------------------------------------


@saves_what_is_sent
def report_comment(request, pk):
    """A member of the public reports a published comment (only published ones can be)."""
    comment = get_object_or_404(
        Comment.objects.published()
        .filter(consultation__in=Consultation.objects.public())
        .select_related("response", "consultation", "consultation__document", "section"),
        pk=pk,
    )
    if request.method == "POST":
        refusal = refuse_over_limit(request, "reports")
        if refusal:
            return refusal
        form = ReportForm(request.POST)
        if form.is_spam or form.is_valid():
            return receive_report(request, comment, form)
    else:
        form = ReportForm()
    return render(
        request,
        "guidance/report.html",
        {"comment": comment, "consultation": comment.consultation, "form": form, "back_url": comment.get_public_url()},
    )


def receive_report(request, comment, form):
    """Store a valid report, or discard a bot's, once it has a place under the hourly limit."""
    place = take_place(request, "reports")
    if not place.taken:
        return over_limit(request, "reports", place.until)
    if form.is_spam:
        logger.warning(
            "Honeypot filled on %s: report discarded (client %s)", request.path, ratelimit.client_fingerprint(request)
        )
    elif ratelimit.first_report_today(request, comment.pk):
        sending(request, "storing")
        decisions.report_comment(comment, form.cleaned_data["reason"], form.cleaned_data["details"])
        sending(request, "stored")
    else:
        ratelimit.give_back(place)
        logger.info(
            "Report on comment %s discarded: already reported today from client %s",
            comment.pk,
            ratelimit.client_fingerprint(request),
        )
    return report_received(request, comment)


def report_received(request, comment):
    request.session["report_sent"] = {"consultation": comment.consultation.slug, "back_url": comment.get_public_url()}
    return redirect("guidance:report_sent")


def report_sent(request):
    sent = request.session.get("report_sent")
    consultation = Consultation.objects.filter(slug=sent["consultation"]).first() if sent else None
    if not consultation:
        return redirect("guidance:consultation_list")
    return render(request, "guidance/report_sent.html", {"consultation": consultation, "back_url": sent["back_url"]})


# Error pages ---------------------------------------------------------------------------------


# Django's own error views read the form of a POST again (@requires_csrf_token), so a body that
# could not be read the first time (too large, a broken multipart, another encoding) turned the
# 400, 403 or 404 into a 500. Ours read nothing of the body.


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
    """The 400 page, saying what was wrong where we know. Like the 500 page it needs nothing of the
    request: the request is what was wrong (a host not allowed, a form that cannot be read)."""
    problem = getattr(exception, "problem", None) or BAD_REQUEST_PROBLEMS.get(type(exception), "")
    template = loader.get_template("400.html")
    return HttpResponseBadRequest(template.render({"site_name": settings.SITE_NAME, "problem": problem}))


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    """The 500 page; the 503 page, with Retry-After, when what failed was the database (unreachable,
    restarting, or too slow: a statement or lock timeout), wherever the failure was met: in a view,
    in the session or authentication middleware, or saving the session after a view had stored what
    was sent. Each says what became of what the request sent. Rendered without the database or the
    request's context: whatever broke may be one of them."""
    context = {"site_name": settings.SITE_NAME, "sent": what_became_of_what_was_sent(request)}
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        page = HttpResponse(loader.get_template("503.html").render(context), status=503)
        page["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
        page["Cache-Control"] = "no-store"
        return page
    return HttpResponseServerError(loader.get_template("500.html").render(context))

"""Reading a consultation's public pages: who may see it (a draft only as a preview), and what each
server process keeps of its pages.

What the public pages show alike to everyone (the consultation with its sections, each page of a
section's published comments, the whole section page a new visitor sees, what changed) is kept in
each process's own memory (CACHES["fragments"]) under the consultation's content_version, which
every change to what they show moves on (guidance/consultations/changed.py): the next view after
a change, on any process, reads afresh. The section pages' parts are kept under
section_pages_version instead, which moves on with it but for a decision on answers to questions
alone (a chat hour approves them every second; no section page shows them). PUBLIC_CACHE_SECONDS
bounds how long anything is kept, as a safety net. Per process rather than in the shared cache:
reading 30 kB from Redis (or the database's cache table) on every view cost more than each process
rendering each page once.
"""

import re
import threading

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.template import loader

from guidance.consultations import previews, versions
from guidance.consultations.access import Access
from guidance.models import Comment, Consultation
from guidance.outcomes.published import attach_replies
from guidance.public.form_fields import new_form_token
from guidance.public.visitors import for_this_visitor_only
from guidance.responses.text import whole_number
from guidance.staff import roles

COMMENTS_PER_PAGE = 20


NOT_KEPT = object()
# A lock per thing being computed, while it is (once_at_a_time).
COMPUTING, COMPUTING_GUARD = {}, threading.Lock()


def once_at_a_time(key, look, compute):
    """look() if it finds what is kept (anything but NOT_KEPT); otherwise compute(), which keeps what
    it computes for look() to find, by one thread of this process at a time for `key`: threads that
    miss the same thing at once (when it expires at a busy deadline, or a chat's token changes under
    300 polls) wait for the first rather than each computing it again. What is computed for one key
    may ask for another (a page for its comments), never the other way round."""
    value = look()
    if value is not NOT_KEPT:
        return value
    with COMPUTING_GUARD:
        computing = COMPUTING.setdefault(key, threading.Lock())
    try:
        with computing:
            value = look()
            if value is NOT_KEPT:
                value = compute()
    finally:
        with COMPUTING_GUARD:
            COMPUTING.pop(key, None)
    return value


def kept(consultation, name, compute, *, on_section_pages=False):
    """What the public pages show alike to everyone of this consultation, kept in this process
    under its content_version: compute() runs when it is not there, once however many threads ask.
    on_section_pages: a part of the section pages alone, kept under section_pages_version, which
    a change they do not show (answers to questions) leaves where it is."""
    version = f"s{consultation.section_pages_version}" if on_section_pages else consultation.content_version
    key = f"{name}:{consultation.pk}:{version}"
    cache = caches["fragments"]

    def computed():
        value = compute()
        cache.set(key, value, settings.PUBLIC_CACHE_SECONDS)
        return value

    return once_at_a_time(key, lambda: cache.get(key, NOT_KEPT), computed)


def visit(request, slug):
    """(Access, the consultation's sections): the consultation as this visitor may see it now.

    One small query a view, for the consultation's content_version; the consultation and its sections
    are then read only when that version is new to this process. A draft is not found, except by staff
    and by a visitor who opened a preview link to it, checked afresh at each request, so a link that
    expires or is revoked stops working at once."""
    version = Consultation.objects.filter(slug=slug).values_list("pk", "content_version").first()
    if version is None:
        raise Http404

    def read():
        consultation = Consultation.objects.select_related("document").get(pk=version[0])
        return consultation, list(consultation.document.sections.all())

    key = f"consultation:{version[0]}:{version[1]}"
    consultation, sections = caches["fragments"].get_or_set(key, read, settings.PUBLIC_CACHE_SECONDS)
    previewing = consultation.is_draft and may_preview(request, consultation)
    return Access(consultation, previewing=previewing), sections


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
    if user.is_authenticated and user.is_staff and verified and user.has_perm(roles.VIEW_CONSULTATIONS):
        return True
    try:
        link = previews.remembered_link(request.session, consultation)
    except previews.Refused as refusal:
        raise PreviewEnded(refusal) from None
    if link is None:
        raise Http404
    return True


def shown_to(access, page):
    """A page of a draft's preview is for its visitor alone: no shared cache keeps it."""
    return for_this_visitor_only(page) if access.previewing else page


def what_changed_public(consultation):
    """versions.what_changed_is_public, kept: the draft's pages ask it at every view to say that a
    new version has been published."""
    if consultation.is_draft:
        return False
    # Publishing a version moves both versions on; the section pages ask this at every view.
    return kept(
        consultation,
        "what-changed-public",
        lambda: versions.what_changed_is_public(consultation),
        on_section_pages=True,
    )


# The two values on a page that differ from one new visitor to the next.
VISITOR_TOKENS = re.compile(r'(<input type="hidden" name="(csrfmiddlewaretoken|form_token)" value=")[^"]*(")')


def page_for_new_visitor(request, consultation, name, render_page):
    """A section page that is the same for every new visitor (no session yet) but for its CSRF token and
    its form's one-time token. At a deadline most people arrive once, read a section and comment, so
    each process keeps the page rendered for the first of them and gives everyone after a copy with
    fresh tokens of their own: a tenth of the CPU of rendering it."""
    html = kept(consultation, name, lambda: render_page().content.decode(), on_section_pages=True)

    def fresh_token(match):
        token = get_token(request) if match[2] == "csrfmiddlewaretoken" else new_form_token()
        return f"{match[1]}{token}{match[3]}"

    return HttpResponse(VISITOR_TOKENS.sub(fresh_token, html))


def comments_page_number(request):
    return whole_number(request.GET.get("page") or "1") or 1


def published_comments_html(access, section, number):
    """One page of the section's published comments, as HTML: the busiest part of the busiest page
    at a deadline, kept."""
    consultation, is_open = access.consultation, access.is_open

    def render_comments():
        comments = (
            Comment.objects.published()
            .filter(consultation=consultation, section=section)
            .select_related("response")
            .order_by("-created_at", "-pk")
        )
        page = Paginator(comments, COMMENTS_PER_PAGE).get_page(number)
        attach_replies(consultation, page)
        return loader.render_to_string(
            "includes/section_comments.html",
            {"page": page, "is_open": is_open, "consultation": consultation, "section": section},
        )

    return kept(
        consultation, f"section-comments:{section.pk}:{number}:{is_open}", render_comments, on_section_pages=True
    )

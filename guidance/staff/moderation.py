"""Deciding on comments (guidance/moderation/decisions.py makes every decision).

- The moderation screen of a consultation: one comment at a time, shown whole, oldest first, with
  one button (or one key) per decision; then the next at once. Tabs for pending comments,
  published comments the public reported, and recent decisions. Each comment shown is claimed
  for its moderator for a few minutes, and a decision on a comment someone else decided since it
  was shown is refused with a message saying who decided what. "Redact and publish…" opens a
  page of its own: the comment in a text box, to replace the words to hide with "[redacted]".
- The buttons on a comment's own page and the queue's bulk decisions, each asking why on a
  second page when rejecting or marking as spam. Each page sends, for every comment it showed, the
  id of the last event in its history; a decision on a comment that changed since is refused, as
  on the screen. A decision on comments the queue did not show (a whole campaign group, or every
  comment the filters select) first lists them all on a page of their own, and covers exactly
  those.
"""

import datetime
from collections import Counter
from itertools import chain

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.decorators import permission_required
from django.db.models import Exists, OuterRef
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from guidance.analysis.quotes import quotable
from guidance.models import Comment, Consultation, Quote, Response
from guidance.moderation import by_respondent, decisions, redaction, words
from guidance.moderation.decisions import ModerationError, StaleDecision
from guidance.moderation.decisions import decide as make_decision
from guidance.privacy.personal_data import may_see_personal_data
from guidance.responses import answers
from guidance.responses.text import whole_number
from guidance.staff import roles
from guidance.staff.forms import NoteForm, ReasonForm, RedactForm, ScreenDecisionForm
from guidance.staff.site import staff_page

# What each decision is called on buttons and in messages: (button, past tense).


@require_POST
@permission_required(roles.MODERATE, raise_exception=True)
def decide(request, comment_id):
    """A decision from the buttons on a comment's page; back to that page once made, or refused.
    The page sends the id of the last event in the history it showed (seen_event_id)."""
    comment = get_object_or_404(Comment, pk=comment_id)
    to_status = request.POST.get("to_status")
    if to_status not in words.DECISIONS:
        return HttpResponseBadRequest("Unknown decision.")
    seen = whole_number(request.POST.get("seen_event_id"))
    shown = {} if seen is None else {comment.pk: seen}
    page = decide_or_ask(request, Comment.objects.filter(pk=comment.pk), Comment.Status(to_status), shown)
    if page is not None:
        return page
    return redirect("admin:guidance_comment_change", comment.pk)


def decide_from_queue(request, queryset, to_status, *, whole_groups=False):
    """A bulk decision from the queue. The list sends, for each comment it shows, the id of its last
    event (CommentAdmin.action_checkbox), and the decision is on the ticked comments: Django's
    `queryset` leaves out any that no longer match the list's filters, such as one someone else
    decided since, which check_as_shown names instead. Comments the list did not show, the rest of
    each ticked comment's group or every comment the filters select, are first listed on a page of
    their own, which sends theirs; the decision is then on exactly the comments that page listed."""
    if whole_groups or request.POST.get("select_across") == "1":
        return decide_as_listed(request, queryset, to_status)
    ticked = [pk for pk in map(whole_number, request.POST.getlist(ACTION_CHECKBOX_NAME)) if pk is not None]
    return decide_or_ask(
        request, Comment.objects.filter(pk__in=ticked), to_status, shown_on_page(request.POST), named=True
    )


def shown_on_page(data):
    """{comment id: the id of its last event the page showed} from the page's "shown" fields: each
    holds "<comment id>:<event id>" pairs, separated by spaces. Anything else is left out, so a
    comment with no pair of its own is refused as unseen."""
    shown = {}
    for pair in " ".join(data.getlist("shown")).split():
        comment_id, _, event_id = pair.partition(":")
        comment_id, event_id = whole_number(comment_id), whole_number(event_id)
        if comment_id is not None and event_id is not None:
            shown[comment_id] = event_id
    return shown


def decide_or_ask(request, queryset, to_status, shown, named=False):
    """Make the decision on comments the page showed, or first ask why on a page of its own when
    rejecting or marking as spam. Returns that page, or None once decided or refused (a message
    says which; the queue's action then shows the list again)."""
    form = reason_form(request, to_status)
    if form is not None and not form.is_valid():
        if not form.is_bound and refused(request, queryset, shown, named):
            return None  # told before they write a reason for a decision that cannot be made
        return confirmation_page(request, queryset, to_status, form)
    decide_shown(request, queryset, to_status, shown, form, named)
    return None


def decide_as_listed(request, queryset, to_status):
    """List every comment in `queryset` on a page of its own, with the id of each one's last event;
    once confirmed there, decide exactly those (or refuse, if any changed since)."""
    form = reason_form(request, to_status)
    if "confirm" not in request.POST or (form is not None and not form.is_valid()):
        return confirmation_page(request, queryset, to_status, form, list_all=True)
    shown = shown_on_page(request.POST)
    if not shown:
        messages.error(request, "Nothing was changed: the page did not say which comments it listed. Decide again.")
        return None
    decide_shown(request, Comment.objects.filter(pk__in=shown), to_status, shown, form, named=True)
    return None


def reason_form(request, to_status):
    """The reason for rejecting or marking as spam, from the confirmation page; None for other decisions."""
    if to_status not in (Comment.Status.REJECTED, Comment.Status.SPAM):
        return None
    return ReasonForm(request.POST if "confirm" in request.POST else None, to_status=to_status)


def decide_shown(request, comments, to_status, shown, form, named):
    reason_code, reason = (form.cleaned_data.get("reason_code", ""), form.cleaned_data["reason"]) if form else ("", "")
    try:
        changed = make_decision(
            comments, to_status, by=request.user, reason_code=reason_code, reason=reason, shown=shown
        )
    except ModerationError as error:
        tell_refusal(request, error, named)
        return
    noun = "comment" if changed == 1 else "comments"
    messages.success(request, f"{changed} {noun} {words.done(to_status)}.")


def refused(request, comments, shown, named):
    """True, with a message saying why, if a decision on `comments` as the page showed them would be
    refused already because one changed since."""
    try:
        decisions.check_as_shown(list(comments.values_list("pk", flat=True)), shown)
    except ModerationError as error:
        tell_refusal(request, error, named)
        return True
    return False


def tell_refusal(request, error, named):
    if isinstance(error, StaleDecision):
        messages.warning(request, error.message_for(request.user, named=named))
    else:
        messages.error(request, str(error))


def confirmation_page(request, queryset, to_status, form, list_all=False):
    """The page asking why (rejecting or marking as spam), and, for comments the queue did not show
    (list_all), listing every one with the id of its last event, to confirm any decision on them."""
    comments = decisions.with_last_event(queryset).select_related("response").order_by("created_at", "pk")
    comments = answers.with_chosen_options(comments if list_all else comments[:10])
    count = len(comments) if list_all else queryset.count()
    verb = words.button(to_status).rstrip("…")
    # Carry the selection (and, for the bulk action, the action) through to the confirmation; a
    # page that lists every comment sends what it showed of each instead of what the list did.
    left_out = {"csrfmiddlewaretoken", "index", "confirm", "reason_code", "reason", *(["shown"] if list_all else [])}
    carried = [(key, value) for key in request.POST if key not in left_out for value in request.POST.getlist(key)]
    return staff_page(
        request,
        "admin/guidance/comment/reason.html",
        {
            "title": f"{verb} {count} comment{'' if count == 1 else 's'}",
            "verb": verb,
            "opts": Comment._meta,
            "form": form,
            "carried": carried,
            "comments": comments,
            "count": count,
            "list_all": list_all,
            "shown": " ".join(f"{c.pk}:{c.last_event_id or 0}" for c in comments) if list_all else "",
            "to_status": to_status,
            "queue_url": reverse("admin:guidance_comment_changelist"),
        },
    )


# The moderation screen ----------------------------------------------------------------------

QUEUES = {"pending": "Pending", "reported": "Reported", "decided": "Recently decided"}
RECENTLY_DECIDED = 50


def queue_of(consultation, queue):
    comments = Comment.objects.filter(consultation=consultation)
    if queue == "reported":
        # Found from the few unreviewed reports first: asked for the oldest one directly,
        # PostgreSQL would walk every approved comment in date order looking for a report.
        with decisions.reading_reported():
            reported = list(comments.reported().values_list("pk", flat=True))
        return Comment.objects.filter(pk__in=reported).order_by("moderated_at", "pk")
    return comments.pending().order_by("created_at", "pk")


def queue_name(data):
    """The queue a page is for (its address, or the form sent from it): pending unless another."""
    queue = data.get("queue", "pending")
    return queue if queue in QUEUES else "pending"


def screen_url(consultation, queue):
    url = reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    return url if queue == "pending" else f"{url}?queue={queue}"


def skipped_key(consultation, queue):
    return f"moderation-skipped-{consultation.pk}-{queue}"


@permission_required(roles.MODERATE, raise_exception=True)
def screen(request, consultation_id):
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    queue = queue_name(request.GET)
    if queue == "decided":
        return decided_page(request, consultation)
    comment = decisions.claim_next(
        queue_of(consultation, queue), request.user, passed=request.session.get(skipped_key(consultation, queue), [])
    )
    return comment_page(request, consultation, queue, comment, ScreenDecisionForm(), NoteForm())


def comment_page(request, consultation, queue, comment, form, note_form, status=200):
    context = {
        "title": f"Moderate: {consultation}",
        "is_nav_sidebar_enabled": False,  # the whole width for the comment
        "consultation": consultation,
        "opts": Consultation._meta,
        "queue": queue,
        "tabs": tabs(consultation, queue),
        "form": form,
        "note_form": note_form,
        "skipped": len(request.session.get(skipped_key(consultation, queue), [])),
    }
    if comment is not None:
        context.update(comment_details(request, comment))
    return staff_page(request, "admin/guidance/moderate.html", context, status=status)


def tabs(consultation, queue):
    comments = Comment.objects.filter(consultation=consultation)
    with decisions.reading_reported():
        reported = comments.reported().count()
    counts = {"pending": comments.pending().count(), "reported": reported, "decided": None}
    return [
        {
            "name": name,
            "label": label,
            "count": counts[name],
            "url": screen_url(consultation, name),
            "current": name == queue,
        }
        for name, label in QUEUES.items()
    ]


def comment_details(request, comment):
    comment = Comment.objects.select_related("response", "section", "question", "consultation").get(pk=comment.pk)
    group_size = Comment.objects.filter(group=comment.group).count() if comment.group else 1
    events = list(comment.events.select_related("by").order_by("at", "pk"))
    notes = list(comment.notes.select_related("by").order_by("at", "pk"))
    reports = list(comment.reports.select_related("reviewed_by").order_by("created_at", "pk"))
    response = comment.response
    personal = None
    if may_see_personal_data(request.user):
        personal = [
            (Response._meta.get_field(name).verbose_name, getattr(response, name))
            for name in Response.PERSONAL_DATA_FIELDS
            if getattr(response, name)
        ]
    # A published comment (the reported tab) may be shortlisted for the report by staff who code comments.
    quote = None
    if comment.status == Comment.Status.APPROVED and request.user.has_perm(roles.MARK_QUOTABLE):
        quote = quotable(Comment.objects.filter(pk=comment.pk)).values_list("quote__id", flat=True).first()
    return {
        "comment": comment,
        "may_quote": quote is not None,
        "quoted": bool(quote),
        "group_size": group_size,
        "group_url": f"{reverse('admin:guidance_comment_changelist')}?group={comment.group}&status=all",
        "section_url": (
            reverse("guidance:section", args=[comment.consultation.slug, comment.section.slug])
            if comment.section_id
            else None
        ),
        "reports": reports,
        "unreviewed_reports": [report for report in reports if report.reviewed_at is None],
        "report_reasons": report_reasons(reports),
        "history": sorted(
            chain((("event", event.at, event) for event in events), (("note", note.at, note) for note in notes)),
            key=lambda item: item[1],
        ),
        "seen_event_id": events[-1].pk if events else 0,
        "personal": personal,
        "may_read_redacted": decisions.may_read_redacted(request.user),
        "may_redact": comment.status in decisions.MAY_REDACT,
        "hidden_from_public": response.consent == Response.Consent.DO_NOT_PUBLISH,
        # The name is published with the comment: what is approved is both.
        "published_as": by_respondent.name_to_publish(response) or "Anonymous",
        "comment_url": reverse("admin:guidance_comment_change", args=[comment.pk]),
    }


def report_reasons(reports):
    """(reason, how many reports gave it), the most given first."""
    return Counter(report.get_reason_display() for report in reports).most_common()


@require_POST
@permission_required(roles.MODERATE, raise_exception=True)
def screen_decide(request, consultation_id, comment_id):
    """A decision from the moderation screen; then the screen shows the next comment."""
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    comment = get_object_or_404(Comment, pk=comment_id, consultation=consultation)
    queue = queue_name(request.POST)
    form = ScreenDecisionForm(request.POST)
    if not form.is_valid():
        # Shown again with its errors, still claimed by this moderator.
        return comment_page(request, consultation, queue, comment, form, NoteForm(), status=400)
    decision, seen = form.cleaned_data["decision"], form.cleaned_data["seen_event_id"]
    try:
        if decision == ScreenDecisionForm.KEEP:
            decisions.keep_published(comment.pk, by=request.user, seen_event_id=seen)
            done = "kept published"
        else:
            decisions.decide_as_shown(
                comment.pk,
                decision,
                by=request.user,
                seen_event_id=seen,
                reason_code=form.cleaned_data["reason_code"],
                reason=form.cleaned_data["reason"],
            )
            done = words.done(decision)
    except StaleDecision as refusal:
        messages.warning(request, refusal.message_for(request.user))
        decisions.release_claim(comment.pk, request.user)
    except ModerationError as error:
        # Not a decision this comment allows, or not a page the portal sent: shown again, unchanged.
        form.add_error(None, str(error))
        return comment_page(request, consultation, queue, comment, form, NoteForm(), status=400)
    else:
        messages.success(request, f"Comment {comment.pk} (response {comment.response.reference}) {done}.")
    return redirect(screen_url(consultation, queue))


@permission_required(roles.MODERATE, raise_exception=True)
def screen_redact(request, consultation_id, comment_id):
    """GET: the comment in a text box, to replace the words to hide with "[redacted]", and why.
    POST: redact and publish it (guidance/moderation/decisions.py, redact_and_publish), then back
    to the screen; or this page again with the error, nothing changed."""
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    comment = get_object_or_404(Comment, pk=comment_id, consultation=consultation)
    data = request.POST if request.method == "POST" else request.GET
    queue = queue_name(data)
    # From the comment's own page, back there; from the screen, on to the next comment.
    from_comment = data.get("back") == "comment"
    back = (
        reverse("admin:guidance_comment_change", args=[comment.pk]) if from_comment else screen_url(consultation, queue)
    )
    if request.method != "POST":
        if comment.status not in decisions.MAY_REDACT:
            status = words.label(comment.status).lower()
            messages.error(
                request, f"Comment {comment.pk} is {status}: only a pending or published comment can be redacted."
            )
            return redirect(back)
        last_event = comment.events.order_by("-at", "-pk").values_list("pk", flat=True).first()
        form = RedactForm(initial={"text": comment.text, "seen_event_id": last_event or 0})
        return redact_page(request, consultation, queue, comment, form, back)
    form = RedactForm(request.POST)
    if not form.is_valid():
        return redact_page(request, consultation, queue, comment, form, back, status=400)
    try:
        decisions.redact_and_publish(
            comment.pk,
            form.cleaned_data["text"],
            by=request.user,
            seen_event_id=form.cleaned_data["seen_event_id"],
            reason_code=form.cleaned_data["reason_code"],
            reason=form.cleaned_data["reason"],
        )
    except StaleDecision as refusal:
        messages.warning(request, refusal.message_for(request.user))
        decisions.release_claim(comment.pk, request.user)
    except ModerationError as error:
        form.add_error("text" if isinstance(error, decisions.CopyRefused) else None, str(error))
        return redact_page(request, consultation, queue, comment, form, back, status=400)
    else:
        done = "redacted; it stays published" if comment.status == Comment.Status.APPROVED else "redacted and published"
        messages.success(request, f"Comment {comment.pk} (response {comment.response.reference}) {done}.")
    return redirect(back)


def redact_page(request, consultation, queue, comment, form, back, status=200):
    comment = Comment.objects.select_related("response", "section", "question").get(pk=comment.pk)
    return staff_page(
        request,
        "admin/guidance/moderate_redact.html",
        {
            "title": f"Redact comment {comment.pk}",
            "is_nav_sidebar_enabled": False,
            "consultation": consultation,
            "opts": Consultation._meta,
            "queue": queue,
            "comment": comment,
            "form": form,
            "published": comment.status == Comment.Status.APPROVED,
            "marker": redaction.MARKER,
            "screen_url": screen_url(consultation, queue),
            "back": back,
            "from_comment": back != screen_url(consultation, queue),
        },
        status=status,
    )


@require_POST
@permission_required(roles.MODERATE, raise_exception=True)
def screen_skip(request, consultation_id, comment_id):
    """Leave a comment for someone else (or for later): the next comment is shown instead."""
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    queue = queue_name(request.POST)
    key = skipped_key(consultation, queue)
    if "clear" in request.POST:
        request.session.pop(key, None)
    else:
        get_object_or_404(Comment, pk=comment_id, consultation=consultation)
        request.session[key] = [*request.session.get(key, []), comment_id][-500:]
        decisions.release_claim(comment_id, request.user)
    return redirect(screen_url(consultation, queue))


@require_POST
@permission_required(roles.MODERATE, raise_exception=True)
def screen_note(request, consultation_id, comment_id):
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    comment = get_object_or_404(Comment, pk=comment_id, consultation=consultation)
    queue = queue_name(request.POST)
    note_form = NoteForm(request.POST)
    if not note_form.is_valid():
        return comment_page(request, consultation, queue, comment, ScreenDecisionForm(), note_form, status=400)
    decisions.add_note(comment, by=request.user, text=note_form.cleaned_data["text"])
    messages.success(request, "Note added to the comment's history.")
    return redirect(screen_url(consultation, queue))


def decided_page(request, consultation):
    since = timezone.now() - datetime.timedelta(days=7)
    decided = answers.with_chosen_options(
        decisions.with_last_event(Comment.objects.filter(consultation=consultation))
        .annotate(
            quoted=Exists(Quote.objects.filter(comment=OuterRef("pk"))),
            quotable_now=Exists(quotable(Comment.objects.filter(pk=OuterRef("pk")))),
        )
        .decided()
        .filter(moderated_at__gte=since)
        .select_related("response", "section", "question", "moderated_by")
        .order_by("-moderated_at", "-pk")[:RECENTLY_DECIDED]
    )
    return staff_page(
        request,
        "admin/guidance/moderate_decided.html",
        {
            "title": f"Moderate: {consultation}",
            "is_nav_sidebar_enabled": False,  # the whole width for the comment
            "consultation": consultation,
            "opts": Consultation._meta,
            "queue": "decided",
            "tabs": tabs(consultation, "decided"),
            "decided": decided,
            "limit": RECENTLY_DECIDED,
            "may_quote": request.user.has_perm(roles.MARK_QUOTABLE),
        },
    )

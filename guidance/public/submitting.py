"""The one way a response form (a comment on a section, answers to the questions) is handled when
it is sent: checked in a preview, refused past the close or over the hourly limit, looked like a
success to a bot, saved to finish later, or added to the respondent's response
(guidance/responses/submissions.py) and on to its confirmation."""

import logging
from urllib.parse import quote

from django.shortcuts import redirect, render
from django.utils import timezone

from guidance.mail.emails import Receipt
from guidance.models import new_reference
from guidance.public.form_fields import read_form_token
from guidance.public.forms import SAVE, SOMEONE_ELSE
from guidance.public.visitors import bind_response, browser_of, forget_this_device, sending
from guidance.responses import ratelimit
from guidance.responses.submissions import FormAlreadySent, save_for_later, submit_response

logger = logging.getLogger(__name__)


def handle_sent_form(request, access, response, make_form, *, form_key, targets, kind, section=None, questions=()):
    """A response form sent to this consultation (`access`) by the browser holding `response` (or
    none). make_form(data, for_later=...) binds the form; targets(form) gives what it answers, as
    (section or question, text or answer) pairs. Returns (form, page, checked_in_preview): the page
    to answer with, or None to show the form again (with its errors, or saying what a preview did)."""
    if access.previewing:
        # A preview stores nothing: the form is checked and shown again, saying so.
        form = make_form(request.POST)
        return form, None, form.is_valid()
    saving = SAVE in request.POST
    consultation = access.consultation
    token = read_form_token(request.POST.get("form_token"))
    if not access.may_send_form(token[1] if token else None):
        context = {"consultation": consultation, **written_back(consultation, request.POST, questions)}
        return None, render(request, "guidance/not_open.html", context, status=403), False
    # Saving again a response already started takes no place under the hourly limits.
    limit = form_limit(request, response)
    refusal = None if (saving and response) else refuse_over_limit(request, *limit, consultation, questions)
    if refusal:
        return None, refusal, False
    form = make_form(request.POST, for_later=saving)
    if form.is_spam:
        return form, pretend_success(request, consultation, kind), False
    if not form.is_valid():
        return form, None, False
    if saving:
        return form, keep_for_later(request, consultation, form, response, form_key, section=section), False
    return form, accept(request, consultation, form, targets(form), response, form_key=form_key, kind=kind), False


def is_someone_else(request):
    """The form was sent with "No, I am someone else" for the details this browser remembered."""
    return request.method == "POST" and request.POST.get("same_person") == SOMEONE_ELSE


def start_again(request, sent_form):
    """Someone else at this browser: it forgets the last person (forget_this_device), and returns what
    to show in their form again: what they typed (their answers, and the name and email address they
    gave), nothing of the last person's. Nothing is stored: they check their details and send."""
    typed = sent_form.values_to_keep()
    typed.update({name: request.POST[name] for name in ("name", "email") if request.POST.get(name, "").strip()})
    forget_this_device(request)
    return typed


def form_limit(request, response):
    """(kind, who) that a response form counts against: a new response (a person) against its IP
    address's hourly limit; a form added to the response the browser holds against that response's
    own, generous one, so that a thorough respondent is not shut out by the limit on people."""
    if response is not None:
        return "response_forms", f"response-{response.pk}"
    return "submissions", ratelimit.client_fingerprint(request)


def refuse_over_limit(request, kind, who=None, consultation=None, questions=()):
    """The 429 page when `who` (by default this IP address) has no place left under its limit of
    `kind`, or None. Only a look, so that someone over the limit is told before their form is
    checked: the place itself is taken just before storing (take_place), which is what holds when
    posts arrive together."""
    blocked_until = ratelimit.blocked_until(kind, who or ratelimit.client_fingerprint(request))
    return over_limit(request, kind, blocked_until, consultation, questions) if blocked_until else None


def take_place(request, kind, who=None):
    """A place for `who` (by default this IP address) under its limit of `kind` (ratelimit.Place);
    see over_limit when none is left."""
    return ratelimit.take_place(kind, who or ratelimit.client_fingerprint(request))


def over_limit(request, kind, blocked_until, consultation=None, questions=()):
    logger.warning(
        "Submission refused (%s): rate limit reached for client %s", kind, ratelimit.client_fingerprint(request)
    )
    context = {"try_again_at": blocked_until, "kind": kind, "consultation": consultation}
    if consultation is not None:
        context.update(written_back(consultation, request.POST, questions))
    page = render(request, "429.html", context, status=429)
    page["Retry-After"] = str(max(1, int((blocked_until - timezone.now()).total_seconds())))
    return page


def accept(request, consultation, form, targets_and_texts, response=None, form_key="", kind="comment"):
    """Add what the form sent to the respondent's response (`response`, or a new one) and redirect
    to its confirmation: the 429 page when this address has used its places, or None, with an error
    on the form, when the form's one-time token was already used to send something else."""
    limit = form_limit(request, response)
    place = take_place(request, *limit)
    if not place.taken:
        return over_limit(request, limit[0], place.until, consultation, getattr(form, "questions", ()))
    sending(request, "storing")
    try:
        response, receipt, created = submit_response(
            consultation,
            form.details(),
            targets_and_texts,
            form_token=form.token_id,
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
    same saved form; only starting a response takes a place under the hourly limit."""
    if response is None:
        place = take_place(request, "submissions")
        if not place.taken:
            return over_limit(request, "submissions", place.until, consultation, getattr(form, "questions", ()))
    sending(request, "storing")
    response, _, link = save_for_later(
        consultation,
        form.details(),
        form_key,
        form.values_to_keep(),
        section=section,
        response=response,
        browser=browser_of(request),
    )
    sending(request, "stored")
    bind_response(request, response)
    request.session["saved"] = {
        "consultation": consultation.slug,
        "what": f"section {section.number}" if section else "questions",
        "link": link,
    }
    return redirect("guidance:your_response", slug=consultation.slug)


def pretend_success(request, consultation, kind):
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
        "kind": kind,
    }
    return redirect("guidance:confirmation", slug=consultation.slug)


# What a refused form held, given back ------------------------------------------------------------

# A mail program takes a mailto: link of a few thousand characters at most.
MAILTO_BODY_CHARACTERS = 1800


def written_back(consultation, data, questions=()):
    """For a page that refuses a form (the close, a limit): what the person wrote, to copy and keep,
    and a mailto: link to the organisation carrying it."""
    written = what_they_wrote(data, questions)
    text = "\n\n".join(f"{label}:\n{words}" for label, words in written)
    mailto = ""
    if consultation.contact_email and text:
        body = text if len(text) <= MAILTO_BODY_CHARACTERS else text[:MAILTO_BODY_CHARACTERS] + "\n[…]"
        subject = f"My response to {consultation.title}"
        mailto = f"mailto:{consultation.contact_email}?subject={quote(subject)}&body={quote(body)}"
    return {
        "written": written,
        "written_text": text,
        "written_mailto": mailto,
        "written_mailto_cut": len(text) > MAILTO_BODY_CHARACTERS,
    }


def what_they_wrote(data, questions=()):
    """[(label, text)] of what a sent comment or questions form held: the comment, or each question's
    chosen options, words for "Other" and explanation."""
    if "comment" in data:
        return [("Your comment", data.get("comment", ""))] if data.get("comment", "").strip() else []
    written = []
    for question in questions:
        name = f"answer_{question.pk}"
        chosen = set(data.getlist(name)) if hasattr(data, "getlist") else {data.get(name)}
        options = [option.label for option in question.options.all() if str(option.pk) in chosen]
        words = [data.get(f"{name}_other", ""), data.get(f"{name}_text" if question.has_options else name, "")]
        parts = [part.strip() for part in [*options, *words] if part and part.strip()]
        if parts:
            written.append((f"{question.number}. {question.text}", "\n".join(parts)))
    return written

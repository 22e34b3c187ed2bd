"""The respondent's own pages: their response as it stands (each comment and answer with what has
become of it, the forms they saved to finish later), and what they may change until the close.

Reached from the same browser (the session remembers their response, guidance/public/visitors.py) or from a
link to continue, emailed on request (guidance/responses/respondents.py). Every page here is for that person
only: sent with Cache-Control: private, no-store.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guidance.mail import notifications
from guidance.mail.emails import Receipt, has_mail_server, link_to_address, prints_emails, send_links_to_address
from guidance.public.form_fields import masked
from guidance.public.own_response_forms import ChangeCommentForm, ChoicesForm, LinkForm, LostLinkForm, answer_initial
from guidance.public.reading import visit
from guidance.public.visitors import (
    bind_response,
    bound_response,
    for_this_visitor_only,
    forget_response,
    forget_this_device,
    response_comments,
)
from guidance.responses import ratelimit, respondents
from guidance.responses.respondents import LinkRefused, RespondentError
from guidance.templatetags.portal import uk_datetime


def private_page(request, template, context, status=200):
    return for_this_visitor_only(render(request, template, context, status=status))


def public_access(request, slug):
    """The visitor's Access to the consultation, if it is published: a draft (even seen through a
    preview link) has no responses, so none of these pages exist for it."""
    access, _ = visit(request, slug)
    if access.consultation.is_draft:
        raise Http404
    return access


def held_response(request, slug):
    """(access, this browser's response to it), or a page saying there is none."""
    access = public_access(request, slug)
    response = bound_response(request, access.consultation)
    if response is None:
        page = private_page(request, "guidance/no_response.html", {"consultation": access.consultation}, status=404)
        return access, None, page
    return access, response, None


def closed(request, access, response):
    """Asked for a change after the close: said on a page, nothing changed."""
    return refused(request, access.consultation, response, RespondentError(respondents.CLOSED_MESSAGE))


def refused(request, consultation, response, error):
    """A change asked for after the close (RespondentError): said on a page, nothing changed."""
    return private_page(
        request,
        "guidance/response_closed.html",
        {"consultation": consultation, "response": response, "problem": str(error)},
        status=403,
    )


def your_response(request, slug):
    access, response, page = held_response(request, slug)
    if page:
        return page
    consultation = access.consultation
    saved = request.session.pop("saved", None)
    if saved and saved.get("consultation") != consultation.slug:
        saved = None
    saved_forms = list(response.saved_forms.select_related("section").order_by("form_key"))
    context = {
        "consultation": consultation,
        "response": response,
        "comments": response_comments(response),
        "saved_forms": saved_forms,
        "saved": saved,
        "is_open": access.may_change_own_response,
        "link_form": LinkForm(known=masked(response.email), main_action=bool(saved) and saved.get("link") == "none"),
        "masked_email": masked(response.email),
        "prints_emails": prints_emails(),
        "has_mail_server": has_mail_server(),
        # A link asked for is queued either way; the console (`make run`) prints it where it runs.
        "may_ask_for_link": has_mail_server() or prints_emails(),
        "kept_on_device": request.session.get("kept_on_device", False),
    }
    return private_page(request, "guidance/your_response.html", context)


def own_comment(request, slug, comment_id, may):
    """(consultation, response, one of its comments, None) while the respondent `may` act on it; or
    the page to show instead: none of theirs (404), closed (403), or not one they may (their page)."""
    access, response, page = held_response(request, slug)
    if page:
        return None, None, None, page
    comment = get_object_or_404(response.comments.select_related("section", "question", "response"), pk=comment_id)
    if not access.may_change_own_response:
        return None, None, None, closed(request, access, response)
    if not may(comment):
        return None, None, None, redirect("guidance:your_response", slug=slug)
    return access.consultation, response, comment, None


def change_comment(request, slug, comment_id):
    consultation, response, comment, page = own_comment(request, slug, comment_id, respondents.may_change)
    if page:
        return page
    if request.method == "POST":
        form = ChangeCommentForm(request.POST, comment=comment)
        if form.is_valid():
            try:
                changed = respondents.change_comment(response, comment, form.new_text())
            except RespondentError as error:
                return refused(request, consultation, response, error)
            if changed:
                messages.success(request, changed_message(comment))
            return redirect("guidance:your_response", slug=slug)
    else:
        initial = {"comment": comment.text} if comment.section_id else answer_initial(comment)
        form = ChangeCommentForm(initial=initial, comment=comment)
    context = {"consultation": consultation, "response": response, "comment": comment, "form": form}
    return private_page(request, "guidance/change_comment.html", context, status=400 if form.errors else 200)


def changed_message(comment):
    what = "comment" if comment.section_id else "answer"
    if comment.status == "pending":
        return f"Your {what} is changed. A moderator will read the new text."
    return f"Your {what} is changed. A moderator will read the new text before it is published again."


def withdraw_comment(request, slug, comment_id):
    consultation, response, comment, page = own_comment(request, slug, comment_id, respondents.may_withdraw)
    if page:
        return page
    if request.method == "POST":
        try:
            respondents.withdraw_comment(response, comment)
        except RespondentError as error:
            return refused(request, consultation, response, error)
        what = "comment" if comment.section_id else "answer"
        messages.success(request, f"Your {what} is withdrawn. It will not be published or used in the analysis.")
        return redirect("guidance:your_response", slug=slug)
    context = {"consultation": consultation, "response": response, "comment": comment}
    return private_page(request, "guidance/withdraw_comment.html", context)


def changeable_response(request, slug):
    """(consultation, this browser's response to it, None) while it may be changed; or the page to
    show instead: none held (404), or closed (403)."""
    access, response, page = held_response(request, slug)
    if page:
        return None, None, page
    if not access.may_change_own_response:
        return None, None, closed(request, access, response)
    return access.consultation, response, None


def withdraw_response(request, slug):
    consultation, response, page = changeable_response(request, slug)
    if page:
        return page
    if request.method == "POST":
        try:
            respondents.withdraw_response(response)
        except RespondentError as error:
            return refused(request, consultation, response, error)
        forget_response(request, consultation)
        request.session["withdrawn"] = {"consultation": consultation.slug, "reference": response.reference}
        return redirect("guidance:response_withdrawn", slug=slug)
    context = {"consultation": consultation, "response": response, "count": response.comments.count()}
    return private_page(request, "guidance/withdraw_response.html", context)


def response_withdrawn(request, slug):
    consultation = public_access(request, slug).consultation
    withdrawn = request.session.get("withdrawn")
    if not withdrawn or withdrawn.get("consultation") != consultation.slug:
        return redirect(consultation)
    context = {"consultation": consultation, "reference": withdrawn["reference"]}
    return private_page(request, "guidance/response_withdrawn.html", context)


def choices(request, slug):
    consultation, response, page = changeable_response(request, slug)
    if page:
        return page
    has_email = bool(response.email)
    if request.method == "POST":
        form = ChoicesForm(request.POST, has_email=has_email)
        if form.is_valid():
            try:
                respondents.change_choices(
                    response, consent=form.cleaned_data["consent"], notify=form.cleaned_data.get("notify", False)
                )
            except RespondentError as error:
                return refused(request, consultation, response, error)
            messages.success(request, "Your choices are saved.")
            return redirect("guidance:your_response", slug=slug)
    else:
        form = ChoicesForm(initial={"consent": response.consent, "notify": response.notify}, has_email=has_email)
    context = {"consultation": consultation, "response": response, "form": form}
    return private_page(request, "guidance/choices.html", context, status=400 if form.errors else 200)


@require_POST
def email_link(request, slug):
    """Email a link to continue the response on any device, to the address given (which becomes
    the response's)."""
    consultation, response, page = changeable_response(request, slug)
    if page:
        return page
    form = LinkForm(request.POST, known=masked(response.email))
    if not form.is_valid():
        context = {"consultation": consultation, "response": response, "form": form}
        return private_page(request, "guidance/email_link.html", context, status=400)
    asked = ratelimit.take_place("link_requests", ratelimit.client_fingerprint(request))
    if not asked.taken:
        messages.warning(
            request,
            "We have not sent a link: this connection has asked for as many links as we send in an hour. "
            f"You can ask again from {uk_datetime(asked.until)}.",
        )
        return redirect("guidance:your_response", slug=slug)
    link = link_to_address(response, form.cleaned_data["email"] or response.email)
    messages.add_message(request, *link_message(link, masked(response.email)))
    return redirect("guidance:your_response", slug=slug)


PRINTED_LINK = (
    "This copy of the website prints its emails in the terminal where it runs, instead of sending "
    "them: the link to your response is printed there in the next few minutes."
)


def link_message(link, address):
    """What the page says about a link asked for (a Receipt from send_link), as (level, text)."""
    return {
        Receipt.QUEUED: (messages.SUCCESS, f"We will email a link to {address} in the next few minutes."),
        Receipt.NO_MAIL_SERVER: (
            (messages.INFO, PRINTED_LINK)
            if prints_emails()
            else (messages.WARNING, "This website has no mail server, so it cannot email you a link.")
        ),
        Receipt.DAILY_LIMIT: (
            messages.WARNING,
            f"We have not sent another link: {address} has already been sent as many links as we send "
            "to one address in a day. Use a link we sent before, or try again tomorrow.",
        ),
    }[link]


def revoke_links(request, slug):
    """Asked first (GET), then done (POST): every link emailed for the response stops working."""
    access, response, page = held_response(request, slug)
    if page:
        return page
    if request.method != "POST":
        context = {"consultation": access.consultation, "response": response}
        return private_page(request, "guidance/revoke_links.html", context)
    respondents.revoke_links(response)
    # Every other browser that opened a link lets go of the response; this one keeps it.
    bind_response(request, response)
    messages.success(
        request,
        "Every link we have emailed you for this response has stopped working, and any other browser "
        "that opened one no longer shows your response.",
    )
    return redirect("guidance:your_response", slug=slug)


@require_POST
def this_device(request, slug):
    """Keep the response on this device until the consultation closes (forget_device forgets it)."""
    access, response, page = held_response(request, slug)
    if page:
        return page
    if access.may_change_own_response:
        request.session["kept_on_device"] = True
        request.session.set_expiry(access.consultation.closes_at)
        messages.success(request, "This browser will remember your response until the consultation closes.")
    return redirect("guidance:your_response", slug=slug)


def forget_device(request, slug):
    """ "Not you? Start a new response", "Forget me on this device" and "Finish and forget me on this
    device": this browser lets go of every response and detail it holds; the responses are kept as
    they are. Asked first (GET) from the response's page; done (POST), then back to the form it was
    asked from, or to a page that says it is done."""
    consultation = public_access(request, slug).consultation
    if request.method != "POST":
        context = {"consultation": consultation, "response": bound_response(request, consultation)}
        return private_page(request, "guidance/forget_device.html", context)
    forget_this_device(request)
    return_to = request.POST.get("return_to", "")
    if return_to.startswith("/") and url_has_allowed_host_and_scheme(return_to, allowed_hosts=None):
        return redirect(return_to)
    return redirect("guidance:device_forgotten", slug=slug)


def device_forgotten(request, slug):
    consultation = public_access(request, slug).consultation
    return private_page(request, "guidance/device_forgotten.html", {"consultation": consultation})


def lost_link(request, slug):
    """ "Lost your link?": links to the responses sent or saved with the address given. The page says
    the same whether or not there are any: nobody learns from it who responded."""
    consultation = public_access(request, slug).consultation
    form = LostLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        asked = ratelimit.take_place("link_requests", ratelimit.client_fingerprint(request))
        if not asked.taken:
            context = {"consultation": consultation, "form": form, "try_again_at": asked.until}
            return private_page(request, "guidance/lost_link.html", context, status=429)
        send_links_to_address(consultation, form.cleaned_data["email"])
        request.session["lost_link"] = {"consultation": consultation.slug, "to": masked(form.cleaned_data["email"])}
        return redirect("guidance:lost_link_sent", slug=slug)
    status = 400 if form.errors else 200
    return private_page(request, "guidance/lost_link.html", {"consultation": consultation, "form": form}, status)


def lost_link_sent(request, slug):
    consultation = public_access(request, slug).consultation
    sent = request.session.get("lost_link")
    if not sent or sent.get("consultation") != consultation.slug:
        return redirect("guidance:lost_link", slug=slug)
    context = {
        "consultation": consultation,
        "to": sent["to"],
        "has_mail_server": has_mail_server(),
        "prints_emails": prints_emails(),
    }
    return private_page(request, "guidance/lost_link_sent.html", context)


def continue_response(request, slug, token):
    """A link to continue: this browser takes up the response, and the address bar loses the token."""
    consultation = public_access(request, slug).consultation
    try:
        response = respondents.response_for_link(token, consultation)
    except LinkRefused as refusal:
        status = 404 if refusal.reason in (LinkRefused.BROKEN, LinkRefused.OTHER_CONSULTATION) else 410
        context = {"consultation": consultation, "reason": refusal.reason}
        return private_page(request, "guidance/link_refused.html", context, status=status)
    # A new session key for a browser that now holds the response (against session fixation).
    request.session.cycle_key()
    bind_response(request, response)
    return redirect("guidance:your_response", slug=slug)


@csrf_exempt
def unsubscribe(request, token):
    """One click: the link turns off the emails saying what happened (a mail program's own button
    posts here, RFC 8058, without a CSRF token; it carries the signed token instead). The page
    offers to turn them on again, in case a mail program that checks links opened it."""
    responses = notifications.responses_for_token(token)
    if responses is None:
        return private_page(request, "guidance/unsubscribe.html", {"broken": True}, status=404)
    resubscribe = request.method == "POST" and request.POST.get("notify") == "on"
    notifications.set_notify(responses, resubscribe)
    context = {
        "references": sorted(responses.values_list("reference", flat=True)),
        "subscribed": resubscribe,
        "action": reverse("guidance:unsubscribe", args=[token]),
        "now": timezone.now(),
    }
    return private_page(request, "guidance/unsubscribe.html", context)

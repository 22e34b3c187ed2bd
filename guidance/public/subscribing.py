"""Subscribing by email to hear when something happens to consultations (guidance/subscriptions/):
the form, "check your email", the confirmation link, the page listing an address's subscriptions,
and the link that stops them all (one click from the mail program too, RFC 8058).

Every page here is for one person (an address, a token in the link): sent with Cache-Control:
private, no-store. The "check your email" page says the same whether or not the address was
subscribed already: nobody learns from it who is.
"""

import logging

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from guidance.mail.emails import has_mail_server, prints_emails
from guidance.models import Consultation
from guidance.public.form_fields import masked
from guidance.public.subscription_forms import SubscribeForm, choices_for
from guidance.public.visitors import for_this_visitor_only
from guidance.responses import ratelimit
from guidance.subscriptions import subscribing

logger = logging.getLogger(__name__)


def private_page(request, template, context, status=200):
    return for_this_visitor_only(render(request, template, context, status=status))


def subscribe(request):
    """The form: `?consultation=<slug>` offers that consultation alone or all of its organisation's."""
    public = Consultation.objects.public()
    slug = request.GET.get("consultation", "")
    consultation = get_object_or_404(public, slug=slug) if slug else None
    organisations = sorted(set(public.values_list("organisation", flat=True)), key=str.casefold)
    choices = choices_for(consultation, organisations)
    form = SubscribeForm(request.POST or None, choices=choices)
    context = {"consultation": consultation, "form": form, "action": request.get_full_path()}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        for kind, who in [
            ("subscription_requests", ratelimit.client_fingerprint(request)),
            ("subscriptions", ratelimit.recipient_fingerprint(email)),
        ]:
            place = ratelimit.take_place(kind, who)
            if not place.taken:
                logger.warning("Subscription refused: the %s limit reached", kind)
                page = private_page(
                    request,
                    "guidance/subscribe_limit.html",
                    {**context, "kind": kind, "try_again_at": place.until},
                    429,
                )
                page["Retry-After"] = str(max(1, int((place.until - timezone.now()).total_seconds())))
                return page
        what, _, value = form.cleaned_data["about"].partition(":")
        if what == "one":
            subscribing.ask(email, consultation=consultation)
        else:
            subscribing.ask(email, organisation=value)
        request.session["subscribed_to"] = masked(email)
        return redirect("guidance:subscribe_check_email")
    return private_page(request, "guidance/subscribe.html", context, 400 if form.errors else 200)


def check_email(request):
    to = request.session.get("subscribed_to")
    if not to:
        return redirect("guidance:subscribe")
    context = {"to": to, "has_mail_server": has_mail_server(), "prints_emails": prints_emails()}
    return private_page(request, "guidance/subscribe_check_email.html", context)


def broken_link(request):
    return private_page(request, "guidance/subscription_link_broken.html", {}, status=404)


def confirm(request, token):
    """GET shows a button, POST confirms: a scanner opening the link confirms nothing."""
    subscription = subscribing.pending(token)
    if subscription is None:
        return broken_link(request)
    if request.method == "POST":
        if subscribing.confirm(subscription):
            messages.success(request, f"You are subscribed to: {subscription.describe()}.")
        return redirect("guidance:subscriptions", token=subscription.subscriber.token)
    return private_page(request, "guidance/subscribe_confirm.html", {"subscription": subscription})


def manage(request, token):
    """Every subscription of the address, each with a button to end it, and one to end them all."""
    subscriber = subscribing.subscriber_for_token(token)
    if subscriber is None:
        return broken_link(request)
    if request.method == "POST":
        ending = request.POST.get("end", "")
        if ending == "all":
            subscribing.end_all(subscriber, reason="ended on the subscriptions page")
            return redirect("guidance:subscriptions_ended")
        if not ending.isdigit():
            return private_page(
                request, "guidance/subscriptions.html", manage_context(subscriber, problem=True), status=400
            )
        ended = subscribing.end(subscriber, [int(ending)], reason="ended on the subscriptions page")
        if not subscribing.subscriber_for_token(token):
            return redirect("guidance:subscriptions_ended")
        if ended:
            messages.success(request, "That subscription has ended. We will not email you about it again.")
        return redirect("guidance:subscriptions", token=token)
    return private_page(request, "guidance/subscriptions.html", manage_context(subscriber))


def manage_context(subscriber, problem=False):
    return {
        "subscriber": subscriber,
        "to": masked(subscriber.email),
        "subscriptions": subscribing.listed(subscriber),
        "action": reverse("guidance:subscriptions", args=[subscriber.token]),
        "problem": problem,
    }


@csrf_exempt
def stop(request, token):
    """Stop every email to the address: a mail program's one-click button posts here without a CSRF
    token (RFC 8058); the token in the link is what authenticates. A GET shows a button, so a scanner
    opening the link stops nothing."""
    subscriber = subscribing.subscriber_for_token(token)
    if subscriber is None:
        return broken_link(request)
    if request.method == "POST":
        subscribing.end_all(subscriber, reason="stopped from an email's link")
        return private_page(request, "guidance/subscriptions_ended.html", {})
    context = {"to": masked(subscriber.email), "action": reverse("guidance:subscriptions_stop", args=[token])}
    return private_page(request, "guidance/subscriptions_stop.html", context)


def ended(request):
    return private_page(request, "guidance/subscriptions_ended.html", {})

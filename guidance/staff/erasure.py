"""Finding a response by its reference or the respondent's email address, and erasing its
personal data (and, if asked, its text) on request (guidance/privacy/retention.py does the erasing);
with an email address, the person's sign-ups to events too, deleted on request.

Who may: staff with both "Can see respondents' personal data" (guidance.view_personal_data)
and "Can change response" (guidance.change_response). Finding by email address shows personal
data, and erasing changes a response, so each needs its own permission.

An email address also finds the address's email subscriptions (guidance/subscriptions/), which
are erased, with the address, with one button.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from guidance.models import Response, Subscriber
from guidance.privacy import retention
from guidance.privacy.retention import erase_response, find_responses
from guidance.responses import answers
from guidance.staff import roles
from guidance.staff.forms import EraseForm, FindResponseForm
from guidance.staff.site import staff_page
from guidance.subscriptions import subscribing


@permission_required(roles.ERASE, raise_exception=True)
def find(request):
    form = FindResponseForm(request.GET or None)
    responses = find_responses(form.cleaned_data["query"]) if form.is_valid() else None
    subscriber = subscribing.find(form.cleaned_data["query"]) if form.is_valid() else None
    signups = retention.find_signups(form.cleaned_data["query"]) if form.is_valid() else None
    return staff_page(
        request,
        "admin/guidance/erase_find.html",
        {
            "title": "Find a response to erase",
            "opts": Response._meta,
            "form": form,
            "responses": responses,
            "subscriber": subscriber,
            "signups": signups,
        },
    )


@require_POST
@permission_required(roles.ERASE, raise_exception=True)
def erase_signups(request):
    """Delete every sign-up to an event made with the email address found."""
    form = FindResponseForm(request.POST)
    if not form.is_valid():
        return redirect("admin:guidance_response_erase_find")
    query = form.cleaned_data["query"]
    deleted = retention.erase_signups(query, by=request.user, reason="On request.")
    messages.success(request, f"Deleted {deleted} sign-up{'' if deleted == 1 else 's'} to events.")
    return redirect(f"{reverse('admin:guidance_response_erase_find')}?{urlencode({'query': query})}")


@permission_required(roles.ERASE, raise_exception=True)
@require_POST
def erase_subscriptions(request, subscriber_id):
    subscriber = get_object_or_404(Subscriber, pk=subscriber_id)
    subscribing.erase(subscriber, by=request.user)
    messages.success(request, "Erased the email subscriptions of that address, and the address.")
    return redirect("admin:guidance_response_erase_find")


@permission_required(roles.ERASE, raise_exception=True)
def confirm(request, response_id):
    response = get_object_or_404(Response.objects.select_related("consultation"), pk=response_id)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        erase_response(
            response,
            by=request.user,
            include_text=form.cleaned_data["include_text"],
            reason=form.cleaned_data["reason"],
        )
        what = "personal data and text" if form.cleaned_data["include_text"] else "personal data"
        messages.success(request, f"Erased the {what} of response {response.reference}.")
        return redirect("admin:guidance_response_erase_find")
    return staff_page(
        request,
        "admin/guidance/erase_confirm.html",
        {
            "title": f"Erase response {response.reference}",
            "opts": Response._meta,
            "response_obj": response,
            "comments": answers.with_chosen_options(
                response.comments.select_related("section", "question").order_by("created_at")
            ),
            "form": form,
        },
    )

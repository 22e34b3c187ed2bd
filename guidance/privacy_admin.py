"""Admin pages where a consultation manager finds a response by its reference or the
respondent's email address and erases its personal data (and, if asked, its text).

Who may: staff with both "Can see respondents' personal data" (guidance.view_personal_data)
and "Can change response" (guidance.change_response). Finding by email address shows personal
data, and erasing changes a response, so each needs its own permission.
Wired in by ResponseAdmin.get_urls (guidance/admin.py).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from guidance.models import REFERENCE_ALPHABET, REFERENCE_LENGTH, Response
from guidance.retention import REMOVED_TEXT, erase_response

REQUIRED_PERMISSIONS = ("guidance.view_personal_data", "guidance.change_response")


class FindResponseForm(forms.Form):
    query = forms.CharField(
        label="Reference or email address",
        max_length=254,
        help_text="A reference such as K7MC-4XPA (with or without the hyphen), or the email address the person gave.",
    )


class EraseForm(forms.Form):
    include_text = forms.BooleanField(
        required=False,
        label="Also remove what they wrote",
        help_text=f"Each of their comments and answers is replaced with “{REMOVED_TEXT}”.",
    )
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the audit trail. For example: “Asked by email on 3 March 2027”.",
    )


def normalise_reference(text):
    """'k7mc 4xpa', 'K7MC4XPA' and 'K7MC-4XPA' all mean K7MC-4XPA; anything else is not a reference."""
    chars = "".join(char for char in text.upper() if char not in " -")
    if len(chars) != REFERENCE_LENGTH or any(char not in REFERENCE_ALPHABET for char in chars):
        return None
    return f"{chars[:4]}-{chars[4:]}"


def find_responses(query):
    query = query.strip()
    if "@" in query:
        found = Response.objects.filter(email__iexact=query)
    else:
        reference = normalise_reference(query)
        found = Response.objects.filter(reference=reference) if reference else Response.objects.none()
    return found.select_related("consultation").order_by("-submitted_at")


def require_permissions(request):
    if not request.user.has_perms(REQUIRED_PERMISSIONS):
        raise PermissionDenied


def erase_find(request, admin_site):
    require_permissions(request)
    form = FindResponseForm(request.GET or None)
    responses = find_responses(form.cleaned_data["query"]) if form.is_valid() else None
    context = {
        **admin_site.each_context(request),
        "title": "Find a response to erase",
        "opts": Response._meta,
        "form": form,
        "responses": responses,
    }
    return TemplateResponse(request, "admin/guidance/erase_find.html", context)


def erase_confirm(request, pk, admin_site):
    require_permissions(request)
    response = get_object_or_404(Response.objects.select_related("consultation"), pk=pk)
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
    context = {
        **admin_site.each_context(request),
        "title": f"Erase response {response.reference}",
        "opts": Response._meta,
        "response_obj": response,
        "comments": response.comments.select_related("section", "question").order_by("created_at"),
        "form": form,
    }
    return TemplateResponse(request, "admin/guidance/erase_confirm.html", context)


def privacy_urls(admin_site):
    """URLs under the Response admin: erase/ (find) and erase/<pk>/ (confirm)."""
    return [
        path(
            "erase/",
            admin_site.admin_view(lambda request: erase_find(request, admin_site)),
            name="guidance_response_erase_find",
        ),
        path(
            "erase/<int:pk>/",
            admin_site.admin_view(lambda request, pk: erase_confirm(request, pk, admin_site)),
            name="guidance_response_erase",
        ),
    ]

"""A consultation's publishing page: its stage, preview links for colleagues without a login,
publishing it and later its outcome (consultations/publishing.py and consultations/previews.py do the work),
and its supporting documents (guidance/consultations/supporting.py). Before the outcome is published
the page links to its preview (guidance/staff/outcome_previews.py) and says how many people will be
emailed, and when."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from guidance.consultations import previews, publishing, supporting, versions
from guidance.mail import emails, notifications
from guidance.models import Consultation, PreviewLink, SupportingDocument
from guidance.staff import roles
from guidance.staff.authoring_forms import PublishForm, SupportingDocumentForm
from guidance.staff.site import staff_page


def _consultation(consultation_id):
    return get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)


@permission_required(roles.VIEW_CONSULTATIONS, raise_exception=True)
def publish_page(request, consultation_id):
    """The stage the consultation is at, and the next step: publishing it, or its outcome."""
    consultation = _consultation(consultation_id)
    if consultation.is_draft:
        warnings, action = publishing.warnings(consultation), "publish"
    elif consultation.publication == Consultation.Publication.PUBLISHED:
        warnings, action = publishing.outcome_warnings(consultation), "outcome"
    else:
        warnings, action = [], ""
    form = PublishForm(request.POST if request.method == "POST" else None, warnings=warnings)
    if request.method == "POST":
        if not request.user.has_perm(roles.PUBLISH):
            messages.error(request, "Publishing needs the permission to publish consultations (Consultation managers).")
            return redirect("admin:guidance_consultation_publish", consultation_id=consultation.pk)
        if form.is_valid() and action:
            step = publishing.publish if action == "publish" else publishing.publish_outcome
            try:
                step(consultation, by=request.user)
            except publishing.NotAllowed as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(
                    request,
                    f"“{consultation}” is published." if action == "publish" else "Its outcome is published.",
                )
            return redirect("admin:guidance_consultation_publish", consultation_id=consultation.pk)
    links = [
        (link, request.build_absolute_uri(preview_path(consultation, link)))
        for link in consultation.preview_links.select_related("created_by", "revoked_by")
    ]
    outcome = _outcome_step(consultation) if action == "outcome" else None
    return staff_page(
        request,
        "admin/guidance/publish.html",
        {
            "consultation": consultation,
            "opts": Consultation._meta,
            "title": f"Publish: {consultation}",
            "action": action,
            "warnings": warnings,
            "form": form,
            "may_publish": request.user.has_perm(roles.PUBLISH),
            "may_share": request.user.has_perm(roles.SHARE_PREVIEWS),
            "links": links,
            "closed": consultation.state == Consultation.State.CLOSED,
            "link_days": settings.PREVIEW_LINK_DAYS,
            "outcome": outcome,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _outcome_step(consultation):
    """What the Publish page says before the outcome is published: where to preview it, and who
    will be emailed and when (guidance/mail/notifications.py: the worker's daily round)."""
    people, told_today = notifications.outcome_recipients(consultation)
    first_round, next_day = notifications.rounds()
    return {
        "preview_url": reverse("admin:guidance_consultation_outcome_preview", args=[consultation.pk]),
        "what_changed_preview_url": reverse(
            "admin:guidance_consultation_outcome_preview_what_changed", args=[consultation.pk]
        )
        if versions.next_version(consultation) is not None
        else "",
        "people": people,
        "told_today": told_today,
        "at_once": first_round <= timezone.now(),
        "first_round": first_round,
        "next_day": next_day,
        "mail_server": emails.has_mail_server(),
    }


def preview_path(consultation, link):
    return reverse("guidance:preview_link", args=[consultation.slug, previews.token_for(link)])


@require_POST
@permission_required(roles.SHARE_PREVIEWS, raise_exception=True)
def make_preview_link(request, consultation_id):
    consultation = _consultation(consultation_id)
    if not consultation.is_draft:
        messages.warning(request, "This consultation is published: share its public page instead.")
    else:
        link = previews.make_link(consultation, by=request.user)
        until = timezone.localtime(link.expires_at)
        messages.success(request, f"Made a preview link that works until {until:%d %B %Y %H:%M}. Copy it below.")
    return redirect("admin:guidance_consultation_publish", consultation_id=consultation.pk)


@require_POST
@permission_required(roles.STOP_PREVIEWS, raise_exception=True)
def revoke_preview_link(request, consultation_id, link_id):
    consultation = _consultation(consultation_id)
    link = get_object_or_404(PreviewLink, pk=link_id, consultation=consultation)
    if previews.revoke(link, by=request.user):
        messages.success(request, "The preview link is withdrawn: it no longer opens the draft.")
    return redirect("admin:guidance_consultation_publish", consultation_id=consultation.pk)


@permission_required(roles.VIEW_SUPPORTING_DOCUMENTS, raise_exception=True)
def documents(request, consultation_id):
    consultation = _consultation(consultation_id)
    may_add = request.user.has_perm(roles.ADD_SUPPORTING_DOCUMENTS)
    form = SupportingDocumentForm(request.POST or None, request.FILES or None) if may_add else None
    if request.method == "POST":
        if not may_add:
            messages.error(request, "Adding documents needs the permission to add supporting documents.")
        elif form.is_valid():
            try:
                document = supporting.attach(
                    consultation, form.cleaned_data["title"], form.cleaned_data["file"], by=request.user
                )
            except supporting.FileRefused as refusal:
                form.add_error("file", str(refusal))
            else:
                messages.success(request, f"Added “{document.title}” ({document.type_label}, {document.size:,} bytes).")
                return redirect("admin:guidance_consultation_documents", consultation_id=consultation.pk)
    return staff_page(
        request,
        "admin/guidance/supporting_documents.html",
        {
            "consultation": consultation,
            "opts": Consultation._meta,
            "title": f"Documents: {consultation}",
            "documents": consultation.supporting_documents.all(),
            "form": form,
            "may_delete": request.user.has_perm(roles.DELETE_SUPPORTING_DOCUMENTS),
            "max_mb": settings.SUPPORTING_DOCUMENT_MAX_MB,
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@require_POST
@permission_required(roles.DELETE_SUPPORTING_DOCUMENTS, raise_exception=True)
def remove_document(request, consultation_id, document_id):
    consultation = _consultation(consultation_id)
    document = get_object_or_404(SupportingDocument, pk=document_id, consultation=consultation)
    supporting.remove(document)
    messages.success(request, f"Removed “{document.title}”.")
    return redirect("admin:guidance_consultation_documents", consultation_id=consultation.pk)

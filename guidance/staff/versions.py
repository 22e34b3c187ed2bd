"""A consultation's "Next version" pages: the version consulted on and any next version of it,
starting one (a copy of the consulted version, or a Word or Markdown file read as a draft is, in
two steps: upload, then check and save), and confirming where each of its sections comes from.
guidance/consultations/versions.py does the work; the new version's sections are edited on the document's own
pages (guidance/staff/drafts.py). The public sees none of it before the outcome is published."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from guidance.consultations import draft_import, versions
from guidance.models import Consultation, Document
from guidance.responses.text import whole_number
from guidance.staff import roles, uploads
from guidance.staff.authoring_forms import SectionLinksForm, VersionLabelForm, VersionUploadForm
from guidance.staff.site import staff_page

# Making a version adds a document and its sections; confirming its links changes what its
# sections say of themselves.


def _consultation(consultation_id):
    return get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)


@permission_required(roles.VIEW_DOCUMENTS, raise_exception=True)
def overview(request, consultation_id):
    return _overview(request, _consultation(consultation_id), VersionLabelForm())


def _overview(request, consultation, copy_form, status=200):
    consulted = consultation.document
    found = (
        Document.objects.filter(revises=consulted)
        .select_related("links_confirmed_by")
        .annotate(n_sections=Count("sections"))
        .order_by("-pk")
    )
    return staff_page(
        request,
        "admin/guidance/version_overview.html",
        {
            "consultation": consultation,
            "opts": Consultation._meta,
            "title": f"Next version: {consultation}",
            "consulted": consulted,
            "consulted_sections": consulted.sections.count(),
            "versions": list(found),
            "waiting": versions.unconfirmed_version(consulted),
            "next_version": versions.next_version(consultation),
            "public": versions.what_changed_is_public(consultation),
            "may_manage": request.user.has_perms(roles.START_A_VERSION),
            "copy_form": copy_form,
        },
        status=status,
    )


@require_POST
@permission_required(roles.START_A_VERSION, raise_exception=True)
def copy(request, consultation_id):
    consultation = _consultation(consultation_id)
    form = VersionLabelForm(request.POST)
    if not form.is_valid():
        return _overview(request, consultation, form, status=400)
    try:
        version = versions.copy_version(consultation.document, version_label=form.cleaned_data["version_label"])
    except versions.VersionRefused as refusal:
        messages.error(request, f"Nothing was made. {refusal}")
    else:
        messages.success(
            request,
            f"Made “{version.version_label}”, a copy of the version consulted on with its "
            f"{version.sections.count()} sections. Edit its sections, then confirm where each comes from.",
        )
    return redirect("admin:guidance_consultation_versions", consultation_id=consultation.pk)


@permission_required(roles.START_A_VERSION, raise_exception=True)
def import_upload(request, consultation_id):
    consultation = _consultation(consultation_id)
    form = VersionUploadForm(request.POST, request.FILES) if request.method == "POST" else VersionUploadForm()
    if form.is_bound and form.is_valid():
        try:
            read = uploads.read_draft(form.cleaned_data["file"])
        except draft_import.DraftRefused as refusal:
            form.add_error("file", f"Nothing was imported. {refusal}")
        else:
            uploads.keep(
                request, "version", consultation, {**read, "version_label": form.cleaned_data["version_label"]}
            )
            return redirect("admin:guidance_consultation_version_import_preview", consultation_id=consultation.pk)
    return staff_page(
        request,
        "admin/guidance/version_import.html",
        {
            "consultation": consultation,
            "opts": Consultation._meta,
            "title": f"Import the next version: {consultation}",
            "form": form,
            "waiting": versions.unconfirmed_version(consultation.document),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@permission_required(roles.START_A_VERSION, raise_exception=True)
def import_preview(request, consultation_id):
    consultation = _consultation(consultation_id)
    upload_url = reverse("admin:guidance_consultation_version_import", args=[consultation.pk])
    stored = uploads.kept(request, "version", consultation)
    if stored is None:
        return uploads.upload_first(request, "the new version", upload_url)
    if request.method == "POST" and "cancel" in request.POST:
        return uploads.cancelled(request, "version", consultation, upload_url)
    found = uploads.draft_sections(stored)
    if request.method == "POST" and "save" in request.POST:
        try:
            version = versions.create_version(
                consultation.document, found, version_label=stored["version_label"], title=stored["title"]
            )
        except versions.VersionRefused as refusal:
            messages.error(request, f"Nothing was saved. {refusal}")
        else:
            uploads.forget(request, "version", consultation)
            messages.success(
                request,
                f"Saved “{version.version_label}” with {len(found)} sections from {stored['file_name']}. "
                "Check where each section comes from, then confirm.",
            )
            return redirect("admin:guidance_consultation_version_links", consultation.pk, version.pk)
    return staff_page(
        request,
        "admin/guidance/version_import_preview.html",
        {
            "consultation": consultation,
            "opts": Consultation._meta,
            "title": f"Check the new version: {stored['file_name']}",
            "stored": stored,
            "sections": found,
            "renumbered": [section for section in found if section.renumbered],
            "waiting": versions.unconfirmed_version(consultation.document),
        },
    )


@permission_required(roles.VIEW_DOCUMENTS, raise_exception=True)
def links(request, consultation_id, document_id):
    """One row per section of the new version, ticking the consulted sections it comes from: as
    confirmed, or as proposed until then. Saving confirms them all."""
    if request.method == "POST" and not request.user.has_perms(roles.START_A_VERSION):
        raise PermissionDenied
    consultation = _consultation(consultation_id)
    version = get_object_or_404(
        Document.objects.select_related("links_confirmed_by"), pk=document_id, revises=consultation.document
    )
    earlier_sections = list(consultation.document.sections.all())
    later_sections = list(version.sections.all())
    form = SectionLinksForm(later_sections, earlier_sections, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            versions.confirm_links(version, form.links(), by=request.user)
        except versions.VersionRefused as refusal:
            form.add_error(None, f"Nothing was saved. {refusal}")
        else:
            new = sum(1 for earlier_ids in form.links().values() if not earlier_ids)
            messages.success(
                request,
                f"Confirmed where each of the {len(later_sections)} sections of “{version.version_label or version}” "
                f"comes from ({new} new).",
            )
            return redirect("admin:guidance_consultation_versions", consultation_id=consultation.pk)
    comparison = versions.compare_sections(earlier_sections, later_sections)
    if form.is_bound:
        ticked = {section.pk: _ids(form.data.getlist(form.field_name(section))) for section in later_sections}
    elif version.links_confirmed_at:
        ticked = versions.confirmed_links(version)
    else:
        ticked = {
            later_id: [likeness.earlier_id for likeness in found] for later_id, found in comparison.proposed.items()
        }
    rows = [_row(form, comparison, section, earlier_sections, ticked.get(section.pk, [])) for section in later_sections]
    linked = {pk for earlier_ids in ticked.values() for pk in earlier_ids}
    return staff_page(
        request,
        "admin/guidance/version_links.html",
        {
            "consultation": consultation,
            "opts": Consultation._meta,
            "title": f"Where each section comes from: {version.version_label or version}",
            "version": version,
            "form": form,
            "rows": rows,
            "new": [row["section"] for row in rows if not row["ticked"]],
            "removed": [section for section in earlier_sections if section.pk not in linked],
            "may_manage": request.user.has_perms(roles.START_A_VERSION),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _ids(values):
    return [number for number in map(whole_number, values) if number is not None]


def _row(form, comparison, later, earlier_sections, ticked):
    """A section of the new version with, as checkboxes, the consulted sections alike enough to
    consider (`likely`) and the others (`others`, folded away)."""
    likely, others = [], []
    proposed = {likeness.earlier_id for likeness in comparison.proposed[later.pk]}
    for earlier in earlier_sections:
        likeness = comparison.pairs[later.pk, earlier.pk]
        choice = {
            "section": earlier,
            "id": f"from-{later.pk}-{earlier.pk}",
            "said": likeness.in_words(),
            "proposed": earlier.pk in proposed,
            "checked": earlier.pk in ticked,
        }
        shown = choice["proposed"] or choice["checked"] or likeness.worth_showing
        (likely if shown else others).append(choice)
    return {
        "section": later,
        "name": form.field_name(later),
        "errors": form.errors.get(form.field_name(later)) if form.is_bound else None,
        "ticked": ticked,
        "likely": likely,
        "others": others,
    }

"""A document's pages: its sections (edit, preview, renumber and reorder all at once, move one,
add, remove) and importing the draft from a Word document or Markdown file
(consultations/draft_import.py reads and saves it, through the one upload flow of
staff/uploads.py). What the record forbids once a consultation on the document has opened or
closed is consultations/sections.py's to say; the page says it before anything is tried."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from guidance.consultations import draft_import, sections
from guidance.models import Document, Section
from guidance.responses.text import whole_number
from guidance.staff import roles, uploads
from guidance.staff.authoring_forms import DraftUploadForm, SectionNumbersForm
from guidance.staff.site import staff_page


def section_list(request, document_id):
    document = get_object_or_404(Document.objects.select_related("revises"), pk=document_id)
    return _section_list(request, document, SectionNumbersForm(sections=document.sections.all()))


def _section_list(request, document, numbers_form, status=200):
    return staff_page(
        request,
        "admin/guidance/document_sections.html",
        {
            "document": document,
            "opts": Document._meta,
            "title": f"Sections: {document}",
            "sections": numbers_form.sections,
            "numbers_form": numbers_form,
            "consultations": list(document.consultations.all()),
            # A new version's links are confirmed on the page of a consultation on the version it revises.
            "consulted_in": list(document.revises.consultations.all()) if document.revises_id else [],
            "change_refusal": sections.change_refusal(document),
            "removal_refusal": sections.removal_refusal(document),
        },
        status=status,
    )


@require_POST
@permission_required(roles.CHANGE_SECTIONS, raise_exception=True)
def renumber_sections(request, document_id):
    """Every section's number at once, from the Sections page: checked as a whole, saved together."""
    document = get_object_or_404(Document.objects.select_related("revises"), pk=document_id)
    refusal = sections.change_refusal(document)
    form = SectionNumbersForm(request.POST, sections=document.sections.all())
    if not refusal and form.is_valid():
        try:
            moved = sections.renumber(document, form.numbers())
        except sections.RecordHolds as held:
            refusal = str(held)
        except sections.NumbersRefused as refused:
            for problem in refused.problems:
                form.add_problem(problem)
        else:
            if moved:
                messages.success(request, f"Saved the new numbers of {moved} section{pluralize(moved)}.")
            else:
                messages.info(request, "No number was changed.")
            return redirect("admin:guidance_document_sections", document_id=document.pk)
    if refusal:
        messages.error(request, f"Nothing was changed. {refusal}")
        return redirect("admin:guidance_document_sections", document_id=document.pk)
    return _section_list(request, document, form, status=400)


@require_POST
@permission_required(roles.CHANGE_SECTIONS, raise_exception=True)
def move_section(request, document_id):
    document = get_object_or_404(Document, pk=document_id)
    # Each button sends "<section id> up" or "<section id> down".
    section_id, _, direction = request.POST.get("move", "").partition(" ")
    section = get_object_or_404(Section, pk=whole_number(section_id) or 0, document=document)
    if direction not in ("up", "down"):
        messages.error(request, "Choose to move the section up or down.")
    else:
        try:
            sections.move(section, direction)
        except sections.CannotMove as refusal:
            messages.warning(request, str(refusal))
        except sections.RecordHolds as refusal:
            messages.error(request, f"Nothing was changed. {refusal}")
        else:
            messages.success(request, f"Moved “{section.title}” {direction}: it is now section {section.number}.")
    return redirect("admin:guidance_document_sections", document_id=document.pk)


@permission_required(roles.EDIT_A_DRAFT, raise_exception=True)
def import_upload(request, document_id):
    document = get_object_or_404(Document, pk=document_id)
    form = DraftUploadForm(request.POST, request.FILES) if request.method == "POST" else DraftUploadForm()
    if form.is_bound and form.is_valid():
        try:
            uploads.keep(request, "draft", document, uploads.read_draft(form.cleaned_data["file"]))
        except draft_import.DraftRefused as refusal:
            form.add_error("file", f"Nothing was imported. {refusal}")
        else:
            return redirect("admin:guidance_document_import_preview", document_id=document.pk)
    return staff_page(
        request,
        "admin/guidance/draft_upload.html",
        {
            "document": document,
            "opts": Document._meta,
            "title": f"Import the draft: {document}",
            "form": form,
            "refusal": draft_import.replace_refusal(document),
            "max_mb": settings.DRAFT_IMPORT_MAX_MB,
        },
    )


@permission_required(roles.EDIT_A_DRAFT, raise_exception=True)
def import_preview(request, document_id):
    document = get_object_or_404(Document, pk=document_id)
    upload_url = reverse("admin:guidance_document_import", args=[document.pk])
    stored = uploads.kept(request, "draft", document)
    if stored is None:
        return uploads.upload_first(request, "the draft", upload_url)
    if request.method == "POST" and "cancel" in request.POST:
        return uploads.cancelled(request, "draft", document, upload_url)
    found = uploads.draft_sections(stored)
    refusal = draft_import.replace_refusal(document)
    if request.method == "POST" and "save" in request.POST:
        try:
            count = draft_import.save_sections(document, found)
        except draft_import.DraftRefused as error:
            messages.error(request, f"Nothing was saved. {error}")
        else:
            uploads.forget(request, "draft", document)
            messages.success(request, f"Saved {count} sections from {stored['file_name']}.")
            return redirect("admin:guidance_document_sections", document_id=document.pk)
    return staff_page(
        request,
        "admin/guidance/draft_preview.html",
        {
            "document": document,
            "opts": Document._meta,
            "title": f"Check the sections: {stored['file_name']}",
            "stored": stored,
            "sections": found,
            "renumbered": [section for section in found if section.renumbered],
            "existing": document.sections.count(),
            "refusal": refusal,
        },
    )


@permission_required(roles.VIEW_SECTIONS, raise_exception=True)
def section_preview(request, section_id):
    """A section as the public will see it, in the public pages' design, marked as a preview."""
    section = get_object_or_404(Section.objects.select_related("document"), pk=section_id)
    return render(request, "guidance/section_preview.html", {"section": section, "document": section.document})

"""A document's pages: its sections (edit, preview, reorder, add, remove) and importing the draft
from a Word document or Markdown file (guidance/consultations/draft_import.py reads and saves it; the preview
waits in the session between the two steps, so nothing is saved before it is seen)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from guidance.consultations import draft_import, sections
from guidance.models import Document, Section
from guidance.responses.text import whole_number
from guidance.staff import roles
from guidance.staff.forms import DraftUploadForm
from guidance.staff.site import staff_page

# Importing replaces the document's sections.


def _session_key(document):
    return f"guidance-draft-import-{document.pk}"


@permission_required(roles.VIEW_SECTIONS, raise_exception=True)
def section_list(request, document_id):
    document = get_object_or_404(Document.objects.select_related("revises"), pk=document_id)
    return staff_page(
        request,
        "admin/guidance/document_sections.html",
        {
            "document": document,
            "opts": Document._meta,
            "title": f"Sections: {document}",
            "sections": list(document.sections.all()),
            "consultations": list(document.consultations.all()),
            # A new version's links are confirmed on the page of a consultation on the version it revises.
            "consulted_in": list(document.revises.consultations.all()) if document.revises_id else [],
        },
    )


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
        else:
            messages.success(request, f"Moved “{section.title}” {direction}: it is now section {section.number}.")
    return redirect("admin:guidance_document_sections", document_id=document.pk)


def read_upload(upload):
    """The DraftPreview of an uploaded file, refusing one over the size cap before reading it."""
    if upload.size > settings.DRAFT_IMPORT_MAX_MB * 1024 * 1024:
        raise draft_import.DraftRefused(
            f"The file is larger than {settings.DRAFT_IMPORT_MAX_MB} MB. "
            "Take the pictures out of it (they are not imported)."
        )
    return draft_import.read_draft(upload.name, upload.read())


def stored_preview(preview):
    """What the session keeps of a DraftPreview between the upload and the save."""
    return {
        "file_name": preview.file_name,
        "kind": preview.kind,
        "title": preview.title,
        "notes": preview.notes,
        "sections": [{**section.as_dict(), "start": section.start} for section in preview.sections],
    }


@permission_required(roles.EDIT_A_DRAFT, raise_exception=True)
def import_upload(request, document_id):
    document = get_object_or_404(Document, pk=document_id)
    form = DraftUploadForm(request.POST, request.FILES) if request.method == "POST" else DraftUploadForm()
    if form.is_bound and form.is_valid():
        try:
            preview = read_upload(form.cleaned_data["file"])
        except draft_import.DraftRefused as refusal:
            form.add_error("file", f"Nothing was imported. {refusal}")
        else:
            request.session[_session_key(document)] = stored_preview(preview)
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
    stored = request.session.get(_session_key(document))
    if stored is None:
        messages.warning(request, "Upload the draft first.")
        return redirect("admin:guidance_document_import", document_id=document.pk)
    found = [draft_import.DraftSection(**section) for section in stored["sections"]]
    refusal = draft_import.replace_refusal(document)
    if request.method == "POST" and "save" in request.POST:
        try:
            count = draft_import.save_sections(document, found)
        except draft_import.DraftRefused as error:
            messages.error(request, f"Nothing was saved. {error}")
        else:
            del request.session[_session_key(document)]
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
            "existing": document.sections.count(),
            "refusal": refusal,
        },
    )


@permission_required(roles.VIEW_SECTIONS, raise_exception=True)
def section_preview(request, section_id):
    """A section as the public will see it, in the public pages' design, marked as a preview."""
    section = get_object_or_404(Section.objects.select_related("document"), pk=section_id)
    return render(request, "guidance/section_preview.html", {"section": section, "document": section.document})

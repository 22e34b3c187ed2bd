"""Importing responses received elsewhere (guidance/analysis/imports.py reads and saves them): upload,
then a preview where rows the file leaves unmapped get a target, then confirm or cancel. The
uploaded file waits in private storage between the steps, the session holding only a signed
reference to it (guidance/analysis/imports.py, keep_upload), so the preview can be corrected and confirmed
without uploading it again."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from guidance.analysis import imports
from guidance.analysis.imports import ImportRefused, read_import, run_import, target_choices
from guidance.models import Consultation
from guidance.responses.text import whole_number
from guidance.staff import roles
from guidance.staff.forms import ImportUploadForm
from guidance.staff.site import staff_page

# An import adds responses with their comments.


def _session_key(consultation):
    return f"guidance-import-{consultation.pk}"


def _kept(request, consultation, stored):
    """The uploaded file's bytes, if the session's reference opens it."""
    if not isinstance(stored, dict) or not isinstance(stored.get("name"), str):
        return None
    return imports.kept_upload(stored.get("file"), consultation, request.user)


def _discard(request, consultation):
    stored = request.session.pop(_session_key(consultation), None)
    if isinstance(stored, dict):
        imports.discard_upload(stored.get("file"), consultation, request.user)


@permission_required(roles.IMPORT_RESPONSES, raise_exception=True)
def upload(request, consultation_id):
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if form.is_bound and form.is_valid():
        file = form.cleaned_data["file"]
        _discard(request, consultation)
        request.session[_session_key(consultation)] = {
            "name": file.name,
            "file": imports.keep_upload(consultation, request.user, file),
        }
        return redirect("admin:guidance_consultation_import_preview", consultation_id=consultation.pk)
    return staff_page(
        request,
        "admin/guidance/import_upload.html",
        {"consultation": consultation, "title": f"Import responses: {consultation}", "form": form},
    )


@permission_required(roles.IMPORT_RESPONSES, raise_exception=True)
def preview(request, consultation_id):
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    stored = request.session.get(_session_key(consultation))
    data = _kept(request, consultation, stored)
    if data is None:
        request.session.pop(_session_key(consultation), None)
        messages.warning(request, "Upload the file to import first.")
        return redirect("admin:guidance_consultation_import", consultation_id=consultation.pk)
    if request.method == "POST" and "cancel" in request.POST:
        _discard(request, consultation)
        messages.success(request, "Nothing was imported: the file is deleted.")
        return redirect("admin:guidance_consultation_import", consultation_id=consultation.pk)
    choices = target_choices(consultation)
    valid_targets = {value for value, _ in choices}
    targets = {}
    if request.method == "POST":
        for key, value in request.POST.items():
            row = whole_number(key.removeprefix("target-")) if key.startswith("target-") else None
            if row is not None and value in valid_targets:
                targets[row] = value
    rows = read_import(consultation, data, targets=targets)

    if request.method == "POST" and "import" in request.POST:
        try:
            added = run_import(rows, by=request.user)
        except ImportRefused:
            messages.error(request, "Nothing was imported yet: correct the problems below, then import again.")
        else:
            _discard(request, consultation)
            skipped = len(rows.rows) - added
            messages.success(
                request,
                f"Imported {added} response(s) from {stored['name']}, each with one comment awaiting moderation."
                + (f" {skipped} row(s) had been imported before and were skipped." if skipped else ""),
            )
            return HttpResponseRedirect(
                reverse("admin:guidance_comment_changelist") + f"?consultation__id__exact={consultation.pk}"
            )
    return staff_page(
        request,
        "admin/guidance/import_preview.html",
        {
            "consultation": consultation,
            "title": f"Check the import: {stored['name']}",
            "preview": rows,
            "choices": choices,
            "targets": targets,
            "file_name": stored["name"],
        },
        # A file that cannot be imported as it is (a bad row, a NUL byte, not UTF-8) is a bad
        # request: the page lists what is wrong.
        status=400 if rows.errors else 200,
    )

"""Importing responses received elsewhere (analysis/imports.py reads and saves them), through the
one upload flow (staff/uploads.py): upload, a preview where rows the file leaves unmapped get a
target, then import or cancel. The file waits in private storage between the steps, the session
keeping only a signed reference to it (kept_uploads.keep_upload), so the preview can be corrected and
confirmed without uploading it again."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from guidance.analysis import kept_uploads
from guidance.analysis.imports import ImportRefused, read_import, run_import, target_choices
from guidance.models import Consultation
from guidance.responses.text import whole_number
from guidance.staff import roles, uploads
from guidance.staff.forms import ImportUploadForm
from guidance.staff.site import staff_page
from guidance.stories.transcripts import import_as_messages


def _kept(request, consultation):
    """(what the session keeps of the upload, the file's bytes), if its reference still opens it."""
    stored = uploads.kept(request, "responses", consultation)
    if not isinstance(stored, dict) or not isinstance(stored.get("name"), str):
        return stored, None
    return stored, kept_uploads.kept_upload(stored.get("file"), consultation, request.user)


def _discard(request, consultation):
    stored = uploads.forget(request, "responses", consultation)
    if isinstance(stored, dict):
        kept_uploads.discard_upload(stored.get("file"), consultation, request.user)


@permission_required(roles.IMPORT_RESPONSES, raise_exception=True)
def upload(request, consultation_id):
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    events = consultation.events.all()
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES, events=events)
    else:
        form = ImportUploadForm(events=events)
    if form.is_bound and form.is_valid():
        file = form.cleaned_data["file"]
        event = form.cleaned_data.get("event")
        _discard(request, consultation)
        kept = {"name": file.name, "file": kept_uploads.keep_upload(consultation, request.user, file)}
        kept["event"] = event.pk if event else None
        uploads.keep(request, "responses", consultation, kept)
        return redirect("admin:guidance_consultation_import_preview", consultation_id=consultation.pk)
    return staff_page(
        request,
        "admin/guidance/import_upload.html",
        {"consultation": consultation, "title": f"Import responses: {consultation}", "form": form},
    )


@permission_required(roles.IMPORT_RESPONSES, raise_exception=True)
def preview(request, consultation_id):
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    upload_url = reverse("admin:guidance_consultation_import", args=[consultation.pk])
    stored, data = _kept(request, consultation)
    if data is None:
        uploads.forget(request, "responses", consultation)
        return uploads.upload_first(request, "the file to import", upload_url)
    if request.method == "POST" and "cancel" in request.POST:
        _discard(request, consultation)
        messages.success(request, "Nothing was imported: the file is deleted.")
        return redirect(upload_url)
    choices = target_choices(consultation)
    valid_targets = {value for value, _ in choices}
    targets = {}
    if request.method == "POST":
        for key, value in request.POST.items():
            row = whole_number(key.removeprefix("target-")) if key.startswith("target-") else None
            if row is not None and value in valid_targets:
                targets[row] = value
    rows = read_import(consultation, data, targets=targets)
    event = consultation.events.filter(pk=stored.get("event")).first() if stored.get("event") else None

    if request.method == "POST" and "import" in request.POST:
        try:
            if event is not None:
                added = import_as_messages(rows, event, by=request.user)
            else:
                added = run_import(rows, by=request.user)
        except ImportRefused:
            messages.error(request, "Nothing was imported yet: correct the problems below, then import again.")
        else:
            _discard(request, consultation)
            skipped = len(rows.rows) - added
            messages.success(
                request,
                f"Imported {added} response(s) from {stored['name']}, each with one comment awaiting moderation."
                + (f" Each is also a message of the event “{event}”." if event is not None and added else "")
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
            "event": event,
        },
        # A file that cannot be imported as it is (a bad row, a NUL byte, not UTF-8) is a bad
        # request: the page lists what is wrong.
        status=400 if rows.errors else 200,
    )

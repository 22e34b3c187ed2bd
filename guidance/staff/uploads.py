"""The one way staff bring a file in: upload it, check what it holds on a preview page, then save
it or cancel. Nothing is saved before it is seen. What waits between the two steps (a draft's
sections as read, or an imported CSV's reference in private storage, guidance/analysis/imports.py)
is kept in the staff member's session under a key of its kind and record: a preview page without it
sends them back to upload, and cancelling forgets it.

The three imports: a document's draft (drafts.py), a consultation's next version (versions.py) and
responses received elsewhere (importing.py).
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect

from guidance.consultations import draft_import


def _key(kind, record):
    return f"staff-upload-{kind}-{record.pk}"


def keep(request, kind, record, value):
    """Keep what was read of an upload (JSON-serialisable) until it is saved or cancelled."""
    request.session[_key(kind, record)] = value


def kept(request, kind, record):
    """What keep() kept for this kind of upload to this record, or None."""
    return request.session.get(_key(kind, record))


def forget(request, kind, record):
    """Forget what was kept (saved, or cancelled); returns it, or None."""
    return request.session.pop(_key(kind, record), None)


def upload_first(request, what, upload_url):
    """The preview page's answer when nothing waits: back to the upload page, saying so."""
    messages.warning(request, f"Upload {what} first.")
    return redirect(upload_url)


def cancelled(request, kind, record, upload_url):
    """The preview page's answer to "Cancel": nothing is saved, the upload is forgotten."""
    forget(request, kind, record)
    messages.success(request, "Nothing was saved.")
    return redirect(upload_url)


# A draft, for a document or a next version --------------------------------------------------------


def read_draft(upload):
    """A draft's DraftPreview, as keep() keeps it: refused (DraftRefused) over the size cap before
    it is read."""
    if upload.size > settings.DRAFT_IMPORT_MAX_MB * 1024 * 1024:
        raise draft_import.DraftRefused(
            f"The file is larger than {settings.DRAFT_IMPORT_MAX_MB} MB. "
            "Take the pictures out of it (they are not imported)."
        )
    preview = draft_import.read_draft(upload.name, upload.read())
    return {
        "file_name": preview.file_name,
        "kind": preview.kind,
        "title": preview.title,
        "notes": preview.notes,
        "sections": [
            {**section.as_dict(), "start": section.start, "typed": section.typed, "renumbered": section.renumbered}
            for section in preview.sections
        ],
    }


def draft_sections(stored):
    """The sections of a draft kept by keep()."""
    return [draft_import.DraftSection(**section) for section in stored["sections"]]

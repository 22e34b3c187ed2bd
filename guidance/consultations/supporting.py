"""Supporting documents: files that go with a consultation (the full draft as a PDF, an easy-read
version, an impact assessment), listed on its overview as "Full draft (PDF, 1.2 MB)".

A file is accepted by what it is, never by its name: guidance/consultations/supporting_checks.py reads its
content and knows four types, each by the structure its format requires, which is stricter than
a "magic number" alone (a PDF's header must be at its very start, and pypdf must read its
structure), and refuses a Word or OpenDocument file that would make a word processor fetch
something from elsewhere when it is opened (an attached template, a linked picture: the portal
offers these files to the public). PDFs and ZIP packages are read in a child process limited in
CPU time and memory (guidance/consultations/limited.py), within bounds on what a package unpacks to
(guidance/consultations/packages.py). Anything else (an image, a spreadsheet, an old .doc, a ZIP of something
else, an HTML page, a renamed executable) is refused with a message saying which types are taken.
Four types with fixed structures do not need libmagic (a C library in the image and a database
of thousands of patterns, which names a file by its first bytes only).

The file is stored through Django's storage API (settings.STORAGES["default"]: local files under
MEDIA_ROOT by default, an S3-compatible bucket with django-storages by configuration) under a
random name with the extension of its checked type. The portal serves it itself
(guidance/public/pages.py supporting_document) as an attachment with a name made from its title, its
checked type's Content-Type and a policy that lets nothing in it run, so a file is never served
from the store's own address and a draft's files stay private.
"""

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils.text import slugify

from guidance.consultations import limited
from guidance.consultations.supporting_checks import FileRefused, checked_type
from guidance.models import SupportingDocument

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain; charset=utf-8",
}


def max_bytes():
    return settings.SUPPORTING_DOCUMENT_MAX_MB * 1024 * 1024


def file_type(data):
    """ "pdf", "docx", "odt" or "txt" for what the file's bytes are, or FileRefused. A PDF or a ZIP
    package is read in a limited child process; text is checked here, in one quick pass."""
    if data.startswith((b"%PDF-", b"PK\x03\x04")):
        try:
            return limited.run("supporting", data)
        except FileRefused:
            raise
        except limited.Refused as refusal:
            raise FileRefused(str(refusal)) from None
    return checked_type(data)


def check_upload(upload):
    """The checked type of an uploaded file (a Django UploadedFile), or FileRefused."""
    if upload.size == 0:
        raise FileRefused("The file is empty.")
    if upload.size > max_bytes():
        raise FileRefused(
            f"The file is larger than {settings.SUPPORTING_DOCUMENT_MAX_MB} MB. Make it smaller (for a PDF, "
            "save it with smaller pictures) or put it on another website and link to it."
        )
    upload.seek(0)
    kind = file_type(upload.read())
    upload.seek(0)
    return kind


def attach(consultation, title, upload, *, by):
    """Check the upload and store it as one of the consultation's supporting documents. The check
    comes first, outside the transaction: reading a file may take seconds, and a transaction left
    open so long would hold up everyone else's writes."""
    kind = check_upload(upload)
    with transaction.atomic():
        document = SupportingDocument(consultation=consultation, title=title, file_type=kind, size=upload.size)
        document.uploaded_by = by
        document.file.save("upload", File(upload), save=False)
        document.save()
    return document


def remove(document):
    """Delete the record, then the file: a file left behind is harmless, a record without its file is not."""
    name, storage = document.file.name, document.file.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


def download_name(document):
    """The file name it is downloaded as: its title in safe letters, with its type's extension."""
    return f"{slugify(document.title)[:80] or 'document'}.{document.file_type}"


def open_for_download(document):
    """The stored file, opened for reading, and its Content-Type."""
    return document.file.storage.open(document.file.name, "rb"), CONTENT_TYPES[document.file_type]

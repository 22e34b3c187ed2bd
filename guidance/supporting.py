"""Supporting documents: files that go with a consultation (the full draft as a PDF, an easy-read
version, an impact assessment), listed on its overview as "Full draft (PDF, 1.2 MB)".

A file is accepted by what it is, never by its name: file_type() reads its content and knows four
types, each by the structure its format requires, which is stricter than a "magic number" alone:

- PDF: "%PDF-" in the first 1,024 bytes (where readers look for it) and "%%EOF" in the last
  1,024 (a PDF ends with it; a file cut short does not).
- Word (.docx): a ZIP file holding [Content_Types].xml that declares the main part of a
  WordprocessingML document (a macro-enabled .docm declares another type and is refused) and
  holding that part, word/document.xml.
- OpenDocument text (.odt): a ZIP file whose "mimetype" member says
  application/vnd.oasis.opendocument.text, as ODF requires, with its content.xml.
- Plain text: UTF-8 (with or without a byte-order mark) with no control character but tab, line
  feed, form feed and carriage return, and not markup (a text starting with an HTML, SVG or XML tag
  is refused): what is served as text/plain must read as text.

Anything else (an image, a spreadsheet, an old .doc, a ZIP of something else, a renamed
executable) is refused with a message saying which types are taken. Only the ZIP directory and the
two small members named above are read, so a ZIP made to expand enormously costs nothing.
Four types with fixed structures do not need libmagic (a C library in the image and a database of
thousands of patterns, which names a file by its first bytes only); checking the structure is both
stricter and a few lines.

The file is stored through Django's storage API (settings.STORAGES["default"]: local files under
MEDIA_ROOT by default, an S3-compatible bucket with django-storages by configuration) under a
random name with the extension of its checked type. The portal serves it itself
(guidance/views.py supporting_document) as an attachment with a name made from its title, its
checked type's Content-Type and a policy that lets nothing in it run, so a file is never served
from the store's own address and a draft's files stay private.
"""

import io
import re
import zipfile

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils.text import slugify

from guidance.models import SupportingDocument

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain; charset=utf-8",
}
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
MARKUP_START = re.compile(rb"^\s*<(!doctype|html|svg|\?xml|script|head|body|iframe|object)", re.IGNORECASE)
ALLOWED_TYPES_TEXT = "a PDF, a Word document (.docx), an OpenDocument text (.odt) or a plain text file (UTF-8)"


class FileRefused(Exception):
    """The file is not one the portal takes; the message says why, for the person uploading it."""


def max_bytes():
    return settings.SUPPORTING_DOCUMENT_MAX_MB * 1024 * 1024


def file_type(head, tail, opened):
    """ "pdf", "docx", "odt" or "txt" for what the file is, or FileRefused. head and tail are its
    first and last 1,024 bytes (at most); opened is the whole file, seekable, for the ZIP types."""
    if b"%PDF-" in head:
        if b"%%EOF" not in tail:
            raise FileRefused("This PDF is incomplete (it does not end as a PDF must). Save it again and upload it.")
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(opened)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            f"This looks like an older Office file (such as .doc) or one protected with a password. Upload "
            f"{ALLOWED_TYPES_TEXT}: in Word, save it as a .docx without a password, or as a PDF."
        )
    return _text_type(opened)


def _zip_type(opened):
    try:
        with zipfile.ZipFile(opened) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.open("mimetype").read(100).strip()
                if mimetype == ODT_MIMETYPE and "content.xml" in names:
                    return "odt"
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                types = archive.open("[Content_Types].xml").read(1_000_000)
                if DOCX_MAIN.encode() in types:
                    return "docx"
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):
        raise FileRefused("This file is damaged: it starts like a ZIP file but cannot be read.") from None
    raise FileRefused(f"This file is a ZIP file of another kind. Upload {ALLOWED_TYPES_TEXT}.")


def _text_type(opened):
    opened.seek(0)
    data = opened.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused(f"This file is not {ALLOWED_TYPES_TEXT}.") from None
    if TEXT_CONTROL.search(data) or MARKUP_START.match(data):
        raise FileRefused(f"This file is not {ALLOWED_TYPES_TEXT}.")
    if not data.strip():
        raise FileRefused("The file is empty.")
    return "txt"


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
    head = upload.read(1024)
    upload.seek(max(0, upload.size - 1024))
    tail = upload.read(1024)
    upload.seek(0)
    kind = file_type(head, tail, upload)
    upload.seek(0)
    return kind


@transaction.atomic
def attach(consultation, title, upload, *, by):
    """Check the upload and store it as one of the consultation's supporting documents."""
    kind = check_upload(upload)
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


def read_head_and_tail(data):
    """For tests and the command line: file_type() of bytes in memory."""
    return file_type(data[:1024], data[-1024:], io.BytesIO(data))

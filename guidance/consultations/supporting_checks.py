"""What a supporting document is, from its content: checked_type() (guidance/consultations/supporting.py says
which types are taken and why). A PDF or a ZIP package is read in a limited child process
(guidance/consultations/limited.py), so this module needs no settings and no database.

- PDF: the header "%PDF-1.x" (or "%PDF-2.0") at the very start, as the PDF standard (ISO 32000)
  requires, not merely somewhere in the first kilobyte as some readers tolerate: a file that
  starts as anything else (an HTML page with "%PDF-" in a comment) is not a PDF, whatever a
  lenient reader would make of it. Then "startxref", the offset of its cross-reference table,
  and "%%EOF" at its end (a file cut short has neither), and pypdf (a maintained PDF library)
  must read its trailer, catalogue and page tree: a file merely dressed as a PDF is refused. A
  PDF that needs a password to open is refused too: the public could not read it.
- Word (.docx): a ZIP package holding [Content_Types].xml that declares the main part of a
  WordprocessingML document (a macro-enabled .docm declares another type and is refused) and that
  part, word/document.xml.
- OpenDocument text (.odt): a ZIP package whose "mimetype" member says
  application/vnd.oasis.opendocument.text, as ODF requires, with its content.xml.
- Plain text: UTF-8 (with or without a byte-order mark) with no control character but tab, line
  feed, form feed and carriage return, and not markup (a text starting with a tag, a comment or a
  declaration, as HTML, SVG and XML do, is refused): what is served as text/plain must read as text.

A package is read within guidance/consultations/packages.py's bounds (what it unpacks to, its ratio, elements,
depth, no DOCTYPE), higher than a draft import's, as it is only read through once here, and a
Word or OpenDocument file that makes a word processor fetch something from elsewhere when it is
opened is refused, as the portal offers these files to the public and such a link reports who
opens them (their address, and on Windows their network credentials) or replaces what they see:

- .docx: a relationship with TargetMode="External" (an attached template, a linked picture, a
  linked object or frame, a sub-document) other than a hyperlink, and a field that fetches or
  runs something (INCLUDEPICTURE, INCLUDETEXT, LINK, DDE, DDEAUTO);
- .odt: an xlink:href that leaves the package (an address, an absolute path, "../", a macro's
  vnd.sun.star.script:) on anything but a hyperlink (text:a, draw:a).

Hyperlinks stay: a word processor follows one only when the reader clicks it, as on a web page.
"""

import io
import re

import pypdf
from pypdf.errors import DependencyError

from guidance.consultations import packages
from guidance.consultations.limited import Refused

ALLOWED_TYPES_TEXT = "a PDF, a Word document (.docx), an OpenDocument text (.odt) or a plain text file (UTF-8)"
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
MARKUP_START = re.compile(rb"^\s*<[!?/a-zA-Z]")
PDF_HEADER = re.compile(rb"%PDF-(?:1\.[0-7]|2\.0)[ \t]*[\r\n]")
PDF_END = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
# A supporting document is read through once, never converted: higher bounds than a draft's.
MAX_UNPACKED_MB = 200
MAX_ELEMENTS = 5_000_000

RELATIONSHIP = "http://schemas.openxmlformats.org/package/2006/relationships Relationship"
HYPERLINK_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
RELATIONSHIP_NAMES = {
    "attachedTemplate": "an attached template",
    "image": "a linked picture",
    "oleObject": "a linked object",
    "package": "a linked object",
    "frame": "a frame",
    "subDocument": "a sub-document",
}
WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FETCHING_FIELD = re.compile(r"\s*(INCLUDEPICTURE|INCLUDETEXT|LINK|DDEAUTO|DDE)\b", re.IGNORECASE)
XLINK_HREF = "http://www.w3.org/1999/xlink href"
ODF_HYPERLINKS = {
    "urn:oasis:names:tc:opendocument:xmlns:text:1.0 a",
    "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0 a",
}
LEAVES_PACKAGE = re.compile(r"\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/|\\|\.\./)")


class FileRefused(Refused):
    """The file is not one the portal takes; the message says why, for the person uploading it."""


def checked_type(data):
    """ "pdf", "docx", "odt" or "txt" for what the file is, or FileRefused."""
    if not data:
        raise FileRefused("The file is empty.")
    if data.startswith(b"%PDF-"):
        return _pdf(data)
    if data.startswith(b"PK\x03\x04"):
        return _package_type(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            f"This looks like an older Office file (such as .doc) or one protected with a password. Upload "
            f"{ALLOWED_TYPES_TEXT}: in Word, save it as a .docx without a password, or as a PDF."
        )
    return _text_type(data)


def _pdf(data):
    if not PDF_HEADER.match(data):
        raise FileRefused(
            "This file starts like a PDF but not with a PDF version (such as %PDF-1.7) on its first line. "
            "Save it again as a PDF and upload it."
        )
    end = PDF_END.search(data[-1024:])
    if end is None or int(end[1]) >= len(data):
        raise FileRefused("This PDF is incomplete (it does not end as a PDF must). Save it again and upload it.")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise FileRefused(
                        "This PDF is protected with a password, so the public could not open it. Save it again "
                        "without a password and upload it."
                    )
            except DependencyError:
                return "pdf"  # encrypted in a way checked only with more libraries: its structure was read
        if reader.trailer["/Root"]["/Type"] != "/Catalog" or len(reader.pages) < 1:
            raise ValueError("no catalogue or no pages")
    except (FileRefused, MemoryError):
        raise
    except Exception:  # pypdf raises many kinds on a damaged file; each is a refusal
        raise FileRefused("This PDF is damaged: its structure cannot be read. Save it again and upload it.") from None
    return "pdf"


def _package_type(data):
    archive = packages.open_package(data, max_unpacked_mb=MAX_UNPACKED_MB)
    names = set(archive.namelist())
    kind = None
    try:
        if "mimetype" in names:
            with archive.open("mimetype") as member:
                if member.read(100).strip() == ODT_MIMETYPE and "content.xml" in names:
                    kind = "odt"
        if kind is None and "[Content_Types].xml" in names and "word/document.xml" in names:
            with archive.open("[Content_Types].xml") as member:
                if DOCX_MAIN in member.read(1_000_000):
                    kind = "docx"
    except Exception:  # zipfile and zlib raise many kinds on a damaged member
        raise FileRefused("This file is damaged: it starts like a ZIP file but cannot be read.") from None
    if kind is None:
        raise FileRefused(f"This file is a ZIP file of another kind. Upload {ALLOWED_TYPES_TEXT}.")
    fetched = []
    if kind == "docx":
        _scan_word(archive, fetched)
    else:
        packages.scan(archive, max_elements=MAX_ELEMENTS, on_element=_odf_element(fetched))
    if fetched:
        what = "; ".join(dict.fromkeys(fetched[:3]))
        raise FileRefused(
            f"This document makes a word processor fetch something from elsewhere when it is opened ({what}). "
            "The portal does not offer such files to the public, as the fetching tells the other site who opens "
            "them. Remove it (in Word, insert pictures rather than link them, and detach any template), save "
            "the document and upload it again. Hyperlinks are fine."
        )
    return kind


def _scan_word(archive, fetched):
    fields = []  # the instructions of the fields being read, innermost last

    def element(part, name, attributes):
        if name == RELATIONSHIP and attributes.get("TargetMode") == "External":
            kind = attributes.get("Type", "")
            if kind != HYPERLINK_TYPE:
                described = RELATIONSHIP_NAMES.get(kind.rsplit("/", 1)[-1], "a linked file")
                fetched.append(f"{described} at {shorten(attributes.get('Target', ''))}")
        elif name == f"{WORD} fldChar":
            state = attributes.get(f"{WORD} fldCharType")
            if state == "begin":
                fields.append([])
            elif state == "separate" and fields and fields[-1] is not None:
                check_field("".join(fields[-1]))
                fields[-1] = None  # what follows, up to the end, is the field's result
            elif state == "end" and fields:
                instruction = fields.pop()
                if instruction is not None:
                    check_field("".join(instruction))
        elif name == f"{WORD} fldSimple":
            check_field(attributes.get(f"{WORD} instr", ""))

    def text(part, name, words):
        if fields and fields[-1] is not None:
            fields[-1].append(words)

    def check_field(instruction):
        if match := FETCHING_FIELD.match(instruction):
            fetched.append(f"a {match[1].upper()} field")

    packages.scan(archive, max_elements=MAX_ELEMENTS, on_element=element, on_text=text, text_of={f"{WORD} instrText"})


def _odf_element(fetched):
    def element(part, name, attributes):
        href = attributes.get(XLINK_HREF)
        if href and name not in ODF_HYPERLINKS and LEAVES_PACKAGE.match(href):
            fetched.append(f"a link to {shorten(href)}")

    return element


def shorten(words, most=80):
    return words if len(words) <= most else words[: most - 1] + "…"


def _text_type(data):
    if b"%PDF-" in data[:1024]:
        raise FileRefused(
            "This file has a PDF's header (%PDF-) but not at its very start, where the PDF standard puts it. "
            "Save it again as a PDF and upload it."
        )
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

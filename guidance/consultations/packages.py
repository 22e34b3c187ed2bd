"""Word (.docx) and OpenDocument (.odt) files are ZIP packages of XML parts: checked here against
bounds before anything parses them properly (mammoth for a draft, the checks of a supporting
document).

A ZIP member can expand a thousandfold, and XML can hold millions of elements or nest them
thousands deep; mammoth builds a DOM of the whole document, element by element, and walks it
recursively. So open_package() refuses,
from the ZIP's directory alone:

- more than MAX_MEMBERS members (Word writes about 15, and one per picture);
- more than MAX_UNPACKED_MB unpacked, all members together, as their sizes are declared;
- a member over 1 MB declared to unpack to more than MAX_RATIO times its packed size (text
  compresses about tenfold, Word's XML up to thirtyfold; a ZIP bomb a thousandfold);

and scan() reads every member once, in small pieces, counting what it really unpacks to (never
more than declared), and streams each XML part through expat, a C parser that builds nothing,
refusing:

- more than MAX_ELEMENTS elements in all the XML parts together (a 300-page report has about
  100,000);
- elements nested more than MAX_DEPTH deep (Word's deepest, a table in a table in a text box,
  is about 40);
- a document type declaration (DOCTYPE): Word and LibreOffice never write one, and it is what
  entity expansion attacks ("billion laughs") and external entities need.

Each refusal says which bound and the figure. Files taken whole are read in a limited child
process too (guidance/consultations/limited.py), so anything these bounds let through still costs little.
"""

import io
import zipfile
import zlib
from xml.parsers import expat

from guidance.consultations.limited import Refused

MAX_MEMBERS = 1_000
MAX_UNPACKED_MB = 50
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024
MAX_ELEMENTS = 200_000
MAX_DEPTH = 64
CHUNK = 64 * 1024


def open_package(data, max_unpacked_mb=MAX_UNPACKED_MB):
    """A zipfile.ZipFile of the bytes, its directory within the bounds, or Refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise Refused("The file is damaged: it starts like a ZIP file but cannot be read.") from None
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise Refused(f"The file holds {len(members):,} parts; the most the portal reads is {MAX_MEMBERS:,}.")
    unpacked = sum(member.file_size for member in members)
    if unpacked > max_unpacked_mb * 1024 * 1024:
        raise Refused(
            f"The file unpacks to {unpacked / 1024 / 1024:,.0f} MB; the most the portal reads is {max_unpacked_mb} MB."
        )
    for member in members:
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
            raise Refused(
                f"A part of the file ({member.filename[:80]}) unpacks to {ratio:,} times its size; the most the "
                f"portal reads is {MAX_RATIO} times, as no document compresses so well."
            )
    return archive


class _Scan:
    def __init__(self, max_elements, on_element, on_text, text_of):
        self.max_elements = max_elements
        self.elements = 0
        self.depth = 0
        self.on_element = on_element
        self.on_text = on_text
        self.text_of = text_of
        self.part = ""
        self.text = None

    def parser(self, part):
        self.part, self.depth, self.text = part, 0, None
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.doctype
        return parser

    def start(self, name, attributes):
        self.elements += 1
        self.depth += 1
        if self.elements > self.max_elements:
            raise Refused(
                f"The file has more than {self.max_elements:,} elements (paragraphs, runs of text, table cells and "
                "the like); the most the portal reads is that. Split it into smaller files."
            )
        if self.depth > MAX_DEPTH:
            raise Refused(
                f"The file has elements (such as tables in tables) more than {MAX_DEPTH} deep inside each other, "
                f"in {self.part[:80]}; the most the portal reads is {MAX_DEPTH}."
            )
        if self.on_element:
            self.on_element(self.part, name, attributes)
        if name in self.text_of:
            self.text = []

    def characters(self, data):
        if self.text is not None:
            self.text.append(data)

    def end(self, name):
        self.depth -= 1
        if self.text is not None and name in self.text_of:
            self.on_text(self.part, name, "".join(self.text))
            self.text = None

    def doctype(self, *args):
        raise Refused(
            f"A part of the file ({self.part[:80]}) has a document type declaration, which Word and LibreOffice "
            "never write. Save it again in Word or LibreOffice and upload it."
        )


def scan(archive, max_elements=MAX_ELEMENTS, on_element=None, on_text=None, text_of=()):
    """Read every member of the package within the bounds, or Refused. on_element(part, name,
    attributes) is called for each XML element (names are "namespace local"), and on_text(part,
    name, text) with the text of each element named in text_of."""
    scanner = _Scan(max_elements, on_element, on_text, set(text_of))
    for member in archive.infolist():
        if member.is_dir():
            continue
        parser = None
        unpacked = 0
        try:
            with archive.open(member) as part:
                while chunk := part.read(CHUNK):
                    unpacked += len(chunk)
                    if unpacked > member.file_size:
                        raise Refused(
                            f"A part of the file ({member.filename[:80]}) unpacks to more than it says it does. "
                            "The file is damaged."
                        )
                    if parser is None and unpacked == len(chunk) and looks_like_xml(chunk):
                        parser = scanner.parser(member.filename)
                    if parser is not None:
                        parser.Parse(chunk, False)
                if parser is not None:
                    parser.Parse(b"", True)
        except expat.ExpatError:
            raise Refused(f"A part of the file ({member.filename[:80]}) is damaged: it is not proper XML.") from None
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error):
            raise Refused("The file is damaged: a part of it cannot be unpacked.") from None
    return scanner.elements


def looks_like_xml(start):
    """Whether a part's first bytes are XML's: "<" after a byte-order mark and spaces, or UTF-16."""
    return start.startswith((b"\xff\xfe", b"\xfe\xff")) or start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")

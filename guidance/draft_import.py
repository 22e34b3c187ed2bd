"""Importing a draft document's sections from a Word document (.docx) or a Markdown file.

Two steps, so nothing is saved before someone has seen what will happen: read_draft() turns the
file into a DraftPreview (its sections, what was dropped, or why the file cannot be used), and
save_sections() replaces the document's sections with them, in one transaction. The admin's
"Import the draft" page (guidance/staff/drafts.py) and `manage.py import_document` both use them.

How a file becomes sections:

1. To HTML: a .docx with mammoth (which keeps headings, paragraphs, lists, bold and italic, links
   and tables, and reports what it did not understand); Markdown with Python-Markdown, as section
   bodies are rendered. What a file is comes from its content, not its name: a ZIP holding
   word/document.xml is a Word document, UTF-8 text is Markdown.
2. Cleaned with the same allow-list as every page (guidance/markdown.py): images, scripts, styles,
   frames, forms, event handlers and links to anything but http, https and mailto addresses are
   dropped, and the preview lists what was dropped.
3. Cut at the headings. The file's Word "Title" paragraph, or a first heading that is the only one
   at its level in a file with other headings, is the document's title, not a section. Then the
   top heading level makes sections (1, 2, 3, …) and the next level sub-sections (2.1, 2.2, …).
   A top-level heading with no text of its own that is followed straight away by a heading one
   level down groups sections: it becomes their part (as "Key principles" groups sections 2 to 6
   of the demo), and the headings under it are sections, the level below those sub-sections.
   Headings deeper still stay in the section's text. Numbers at the start of a heading ("2.3 Payment")
   are dropped, as the portal numbers sections itself; text before the first heading is left out,
   with a note.
4. Each section's HTML back to Markdown (markdownify), the format section bodies are edited in.
"""

import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import mammoth
import markdown
import markdownify
import nh3
from bs4 import BeautifulSoup
from django.conf import settings
from django.db import transaction
from django.utils.text import Truncator, slugify

from guidance import text as text_rules
from guidance.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES
from guidance.models import Comment, Outcome, Section

HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
# Kept while the file is cut into sections; headings left in a section's text become h3 and h4.
CLEAN_TAGS = ALLOWED_TAGS | set(HEADINGS)
MAX_SECTIONS = 300
TITLE_MAX = Section._meta.get_field("title").max_length
PART_MAX = Section._meta.get_field("part").max_length
SLUG_MAX = Section._meta.get_field("slug").max_length
LEADING_NUMBER = re.compile(r"^\s*(?:section\s+)?\d+(?:\.\d+)*[.):]?\s+", re.IGNORECASE)
START_WORDS = 30
# Word's "Title" paragraph: the document's title. mammoth knows no mapping for it by default.
STYLE_MAP = "p[style-name='Title'] => p.portal-document-title:fresh\np[style-name='Subtitle'] => p:fresh"
DROPPED_NAMES = {
    "img": "image",
    "svg": "image",
    "script": "script",
    "style": "style sheet",
    "iframe": "embedded frame",
    "object": "embedded object",
    "embed": "embedded object",
    "form": "form",
    "input": "form field",
    "video": "video",
    "audio": "sound",
}


class DraftRefused(Exception):
    """The file cannot be imported; the message says why and what to do."""


@dataclass
class DraftSection:
    major: int
    minor: int
    part: str
    title: str
    slug: str
    body: str

    # Numbered as a saved section is.
    number = Section.number
    is_subsection = Section.is_subsection

    @property
    def start(self):
        """The first words of its text, as plain text, for the preview."""
        plain = BeautifulSoup(markdown.markdown(self.body, extensions=["tables"]), "html.parser").get_text(" ")
        # get_text puts a space after each element: "**power**." reads "power ."
        plain = re.sub(r"\s+([.,;:!?)])", r"\1", " ".join(plain.split()))
        return Truncator(plain).words(START_WORDS)

    def as_dict(self):
        return {name: getattr(self, name) for name in ["major", "minor", "part", "title", "slug", "body"]}


@dataclass
class DraftPreview:
    file_name: str
    kind: str = ""  # "Word document" or "Markdown"
    title: str = ""
    sections: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def read_draft(file_name, data):
    """The DraftPreview of a file's bytes, or DraftRefused saying what is wrong with it."""
    cap = settings.DRAFT_IMPORT_MAX_MB
    if not data:
        raise DraftRefused("The file is empty.")
    if len(data) > cap * 1024 * 1024:
        raise DraftRefused(f"The file is larger than {cap} MB. Take the pictures out of it (they are not imported).")
    preview = DraftPreview(file_name=file_name)
    if data.startswith(b"PK\x03\x04"):
        preview.kind = "Word document"
        html = docx_html(data, preview.notes)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DraftRefused(
            "This is an older Word document (.doc) or one protected with a password, which cannot be read. "
            "In Word, remove the password and save it as a Word document (.docx), then upload that."
        )
    elif data.startswith(b"%PDF-"):
        raise DraftRefused(
            "This is a PDF. The portal reads drafts from Word documents (.docx) or Markdown: upload the "
            "document the PDF was made from. (Attach the PDF itself to the consultation as a supporting document.)"
        )
    else:
        preview.kind = "Markdown"
        html = markdown_html(data)
    preview.title, preview.sections = cut_into_sections(clean(html, preview.notes), preview.notes)
    return preview


def docx_html(data, notes):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise DraftRefused(
                    "This file is not a Word document: it is a ZIP file of another kind. "
                    "Upload a .docx or Markdown file."
                )
    except zipfile.BadZipFile:
        raise DraftRefused("This Word document is damaged and cannot be read. Save it again in Word.") from None
    images = []

    def drop_image(image):
        images.append(image)
        return {}  # no <img> at all

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data), style_map=STYLE_MAP, convert_image=mammoth.images.img_element(drop_image)
        )
    except Exception as error:  # mammoth raises many kinds on a broken file; none may be a 500
        raise DraftRefused("This Word document could not be read. Save it again in Word and upload it.") from error
    if images:
        notes.append(f"{len(images)} picture{'s' if len(images) != 1 else ''} dropped: pictures are not imported.")
    unknown_styles = sorted(
        {
            match.group(1)
            for message in result.messages
            if (match := re.search(r"Unrecognised (?:paragraph|run) style: '([^']*)'", message.message))
        }
    )
    if unknown_styles:
        notes.append(
            "Text in these Word styles was kept as ordinary text: " + ", ".join(unknown_styles[:10]) + "."
            " Use Heading 1 and Heading 2 for the sections' titles."
        )
    # The Title paragraph's <img> placeholders are empty (drop_image); remove them.
    return result.value.replace("<img />", "")


def markdown_html(data):
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DraftRefused(
            "This file is neither a Word document (.docx) nor Markdown text in UTF-8. "
            "Upload the draft as a .docx, or as Markdown saved as UTF-8."
        ) from None
    if "\x00" in source:
        raise DraftRefused("This file is not text: upload the draft as a Word document (.docx) or Markdown.")
    return markdown.markdown(source, extensions=["tables", "sane_lists"], output_format="html")


def clean(html, notes):
    """The HTML with only what a page may show (and headings), noting what was dropped."""
    soup = BeautifulSoup(html, "html.parser")
    dropped = Counter()
    for tag in soup.find_all(True):
        if tag.name not in CLEAN_TAGS:
            dropped[DROPPED_NAMES.get(tag.name, f"<{tag.name}> element")] += 1
    unsafe_links = 0
    for link in soup.find_all("a", href=True):
        scheme = urlsplit(link["href"]).scheme.lower()
        if scheme and scheme not in ALLOWED_URL_SCHEMES:
            unsafe_links += 1
    if unsafe_links:
        dropped["link to an address that is not a web page or email address (kept as text)"] += unsafe_links
    for name, count in sorted(dropped.items()):
        notes.append(f"{count} {name}{'s' if count != 1 and not name.endswith(')') else ''} dropped.")
    return nh3.clean(
        html,
        tags=CLEAN_TAGS,
        attributes={**ALLOWED_ATTRIBUTES, "p": {"class"}},
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
    )


def blocks_of(html):
    """[("heading", level, text) or ("html", markup)] for the top-level elements, in order."""
    soup = BeautifulSoup(html, "html.parser")
    blocks = []
    for element in soup.contents:
        name = getattr(element, "name", None)
        if name in HEADINGS:
            blocks.append(("heading", int(name[1]), tidy_heading(element.get_text(" "))))
        elif name == "p" and "portal-document-title" in (element.get("class") or []):
            blocks.append(("title", 0, tidy_heading(element.get_text(" "))))
        elif name is None:
            if str(element).strip():
                blocks.append(("html", f"<p>{element}</p>"))
        else:
            blocks.append(("html", str(element)))
    return [block for block in blocks if block[0] == "html" or block[2]]


def tidy_heading(words):
    return text_rules.CONTROL_CHARACTERS.sub("", " ".join(words.split()))


def cut_into_sections(html, notes):
    """(title, [DraftSection]) for the cleaned HTML, or DraftRefused."""
    blocks = blocks_of(html)
    title = next((block[2] for block in blocks if block[0] == "title"), "")
    blocks = [block for block in blocks if block[0] != "title"]
    headings = [block for block in blocks if block[0] == "heading"]
    if not headings:
        raise DraftRefused(
            "The file has no headings, so it cannot be cut into sections. Mark each section's title as "
            "Heading 1 (and sub-sections as Heading 2) in Word, or start it with # (and ##) in Markdown."
        )
    top = min(level for _, level, _ in headings)
    at_top = [block for block in headings if block[1] == top]
    if not title and len(at_top) == 1 and blocks[0] is at_top[0] and len(headings) > 1:
        # "# The document's title", then everything under "##": the title is no section.
        title = at_top[0][2]
        blocks = blocks[1:]
        headings = headings[1:]
        top = min(level for _, level, _ in headings)
    first = next(index for index, block in enumerate(blocks) if block[0] == "heading")
    if first:
        words = len(BeautifulSoup("".join(block[1] for block in blocks[:first]), "html.parser").get_text().split())
        notes.append(
            f"The text before the first heading ({words} word{'s' if words != 1 else ''}) is in no section, "
            "so it is left out. Give it a heading to keep it."
        )
    return title, build_sections(blocks[first:], top)


def build_sections(blocks, top):
    # Each heading with the HTML that follows it, up to the next heading.
    entries = []
    for block in blocks:
        if block[0] == "heading":
            entries.append({"level": block[1], "title": block[2], "html": []})
        else:
            entries[-1]["html"].append(block[1])
    sections = []
    part, in_part = "", False
    major = minor = 0
    for index, entry in enumerate(entries):
        level, heading = entry["level"], entry["title"]
        following = entries[index + 1]["level"] if index + 1 < len(entries) else None
        if level == top and not entry["html"] and following == top + 1:
            part, in_part = heading, True
            if len(part) > PART_MAX:
                raise DraftRefused(f"The heading “{Truncator(part).chars(60)}” is longer than {PART_MAX} characters.")
            continue
        if level == top:
            part, in_part = "", False
        section_level = top + 1 if in_part else top
        if level == section_level or (level == section_level + 1 and major == 0):
            major, minor = major + 1, 0
        elif level == section_level + 1:
            minor += 1
        else:
            # Deeper still: a heading inside the section's text.
            depth = "h3" if level == section_level + 2 else "h4"
            sections[-1]["html"] += [f"<{depth}>{escape_text(heading)}</{depth}>", *entry["html"]]
            continue
        title = LEADING_NUMBER.sub("", heading) or heading
        if len(title) > TITLE_MAX:
            raise DraftRefused(
                f"The heading “{Truncator(title).chars(60)}” is longer than {TITLE_MAX} characters: "
                "is a paragraph marked as a heading?"
            )
        sections.append({"major": major, "minor": minor, "part": part, "title": title, "html": entry["html"]})
    if len(sections) > MAX_SECTIONS:
        raise DraftRefused(f"The file has {len(sections)} sections; the portal takes at most {MAX_SECTIONS}.")
    if not sections:
        raise DraftRefused("The file's headings have no sections under them.")
    slugs = set()
    result = []
    for section in sections:
        slug = unique_slug(section["title"], slugs)
        body = to_markdown("".join(section["html"]))
        result.append(DraftSection(section["major"], section["minor"], section["part"], section["title"], slug, body))
    return result


def escape_text(words):
    return words.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unique_slug(title, taken):
    base = slugify(title)[: SLUG_MAX - 4] or "section"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def to_markdown(html):
    text = markdownify.markdownify(
        html,
        heading_style=markdownify.ATX,
        bullets="-",
        strong_em_symbol=markdownify.ASTERISK,
        table_infer_header=True,
        escape_underscores=False,
    )
    text = text_rules.CONTROL_CHARACTERS.sub("", text)
    # markdownify leaves runs of blank lines between blocks; one is enough.
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Saving ---------------------------------------------------------------------------------------------


def replace_refusal(document):
    """Why the document's sections cannot be replaced now, or "" when they can."""
    if document.consultations.public().exists():
        return (
            "A consultation on this document is published, so importing a new draft would change what people "
            "have read and commented on. Edit its sections one by one instead."
        )
    if Comment.objects.filter(section__document=document).exists():
        return "Some of this document's sections have comments, so they cannot be replaced."
    if Outcome.objects.filter(section__document=document).exists():
        return "Some of this document's sections have outcomes written, so they cannot be replaced."
    if document.links_confirmed_at:
        return (
            "Where each section of this version comes from has been confirmed, and importing would lose it. "
            "Edit its sections one by one instead."
        )
    return ""


def save_sections(document, sections):
    """Replace the document's sections with these (DraftSection or their as_dict()), in one
    transaction. Refuses (DraftRefused) while replace_refusal() gives a reason."""
    with transaction.atomic():
        refusal = replace_refusal(document)
        if refusal:
            raise DraftRefused(refusal)
        document.sections.all().delete()
        Section.objects.bulk_create(
            Section(document=document, **(section.as_dict() if isinstance(section, DraftSection) else section))
            for section in sections
        )
    return len(sections)

"""Reading a draft's file into sections: the first step of guidance/consultations/draft_import.py (which says
how a file becomes sections), run in a limited child process (guidance/consultations/limited.py), so it needs
no settings and no database and returns plain data.

A file is checked against bounds before each costly step, and refused with which bound and the
figure:

- a Word document's package and XML (guidance/consultations/packages.py: members, unpacked size, ratio,
  elements, depth) before mammoth reads it;
- Markdown's lines (MAX_LINES) before Python-Markdown reads it, and its nesting, paragraphs and
  links as every section body's are (guidance/consultations/markdown.py);
- the HTML either makes (MAX_HTML_ELEMENTS elements, guidance.consultations.markdown.MAX_DEPTH deep) before it
  is cleaned, cut into sections and turned back into Markdown, each of which goes through every
  element again;
- then each section's text must be one a page can render (guidance.consultations.markdown.check_markdown), as
  when it is saved in the admin.
"""

import io
import re
from collections import Counter
from urllib.parse import urlsplit

import mammoth
import markdownify
import nh3
from bs4 import BeautifulSoup

from guidance.consultations import packages
from guidance.consultations.limited import Refused
from guidance.consultations.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    MAX_DEPTH,
    MarkdownTooComplex,
    checked_html,
    html_shape,
    to_html,
)
from guidance.responses import text as text_rules

HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
# Kept while the file is cut into sections; headings left in a section's text become h3 and h4.
CLEAN_TAGS = ALLOWED_TAGS | set(HEADINGS)
MAX_SECTIONS = 300
# Markdown's lines, blank ones aside: a 300-page report is some 20,000.
MAX_LINES = 100_000
# Elements in the HTML a file makes: a 300-page report makes some 30,000.
MAX_HTML_ELEMENTS = 150_000
# A number typed at the start of a heading: "4. Planning", "3.1 Start early", "Section 2: Scope".
LEADING_NUMBER = re.compile(r"^\s*(?:section\s+)?(\d+(?:\.\d+)*)[.):]?(?:\s+|$)", re.IGNORECASE)
# Larger numbers at the start of a heading are not section numbers: "2017 review of the guidance".
MAX_TYPED_NUMBER = 999
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


class DraftRefused(Refused):
    """The file cannot be imported; the message says why and what to do."""


def read(data):
    """{"kind", "title", "sections": [{"major", "minor", "part", "title", "body", "start"}], "notes"}
    for a file's bytes, or DraftRefused saying what is wrong with it."""
    notes = []
    if data.startswith(b"PK\x03\x04"):
        kind = "Word document"
        html = docx_html(data, notes)
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
        kind = "Markdown"
        html = markdown_html(data)
    check_html(html)
    title, sections = cut_into_sections(clean(html, notes), notes)
    return {"kind": kind, "title": title, "sections": sections, "notes": notes}


def docx_html(data, notes):
    archive = packages.open_package(data)
    if "word/document.xml" not in archive.namelist():
        raise DraftRefused(
            "This file is not a Word document: it is a ZIP file of another kind. Upload a .docx or Markdown file."
        )
    try:
        packages.scan(archive)
    except Refused as refusal:
        raise DraftRefused(f"This Word document cannot be imported. {refusal}") from None
    images = []

    def drop_image(image):
        images.append(image)
        return {}  # no <img> at all

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data), style_map=STYLE_MAP, convert_image=mammoth.images.img_element(drop_image)
        )
    except MemoryError:
        raise  # the limit the child process is under: reported as such
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
    lines = sum(1 for line in source.splitlines() if line.strip())
    if lines > MAX_LINES:
        raise DraftRefused(
            f"The file has {lines:,} lines of text; the most the portal reads is {MAX_LINES:,}. "
            "Split it into smaller files."
        )
    try:
        return to_html(source)
    except MarkdownTooComplex as refusal:
        raise DraftRefused(f"This Markdown cannot be imported. {refusal}") from None


def check_html(html):
    elements, depth = html_shape(html)
    if elements > MAX_HTML_ELEMENTS:
        raise DraftRefused(
            f"The file makes {elements:,} elements (paragraphs, list items, table cells, links and the like); "
            f"the most the portal reads is {MAX_HTML_ELEMENTS:,}. Split it into smaller files."
        )
    if depth > MAX_DEPTH:
        raise DraftRefused(
            f"The file makes elements {depth} deep inside each other (lists, quotes or tables); "
            f"the most the portal reads is {MAX_DEPTH}."
        )


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
    """(title, [section]) for the cleaned HTML, or DraftRefused."""
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


def typed_number(heading):
    """(the number typed at the start of a heading as a tuple, such as (3, 1), and the heading
    without it), or (None, heading) when it starts with no number that could be a section's."""
    match = LEADING_NUMBER.match(heading)
    if not match:
        return None, heading
    number = tuple(int(part) for part in match.group(1).split("."))
    if any(part > MAX_TYPED_NUMBER for part in number):
        return None, heading
    return number, heading[match.end() :].strip() or heading


def written(number):
    return ".".join(str(part) for part in number)


def place(typed, as_section, major, minor):
    """(major, minor, why it is not the number typed: "" when it is) of a heading that comes after
    section `major` (its last sub-section `minor`). The number typed decides, where it can be a
    section's: one number after the last section's, or a sub-section of the last section after its
    last sub-section. Otherwise the heading's level does (`as_section`), numbered next."""
    if typed is not None and all(part >= 1 for part in typed):
        if len(typed) == 1 and typed[0] > major:
            return typed[0], 0, ""
        if len(typed) == 2 and major and typed[0] == major and typed[1] > minor:
            return major, typed[1], ""
    number = (major + 1, 0) if as_section or not major else (major, minor + 1)
    if typed is None:
        return *number, ""
    if len(typed) > 2:
        why = "the portal numbers sections in two levels, such as 3 and 3.1"
    elif 0 in typed:
        why = "section numbers start at 1"
    elif len(typed) == 2 and typed[0] == major:
        why = f"it comes after {major}.{minor}"
    elif len(typed) == 2 and major and not as_section:
        why = f"it comes under section {major}"
    elif len(typed) == 2 and typed[0] > major:
        why = f"no section {typed[0]} comes before it"
    else:
        why = f"it comes after section {major}"
    new = f"{number[0]}.{number[1]}" if number[1] else str(number[0])
    return *number, f"The heading says {written(typed)}, but {why}: imported as {new}."


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
        typed, title = typed_number(heading)
        following = entries[index + 1]["level"] if index + 1 < len(entries) else None
        # A heading with no text of its own over headings a level down groups them as a part,
        # unless a number is typed in it: "3. Principles" over "3.1 …" is section 3 and its
        # sub-sections, as the document numbers them.
        if level == top and not entry["html"] and following == top + 1 and typed is None:
            part, in_part = heading, True
            continue
        if level == top:
            part, in_part = "", False
        section_level = top + 1 if in_part else top
        if level > section_level + 1 and major:
            # Deeper still: a heading inside the section's text.
            depth = "h3" if level == section_level + 2 else "h4"
            sections[-1]["html"] += [f"<{depth}>{escape_text(heading)}</{depth}>", *entry["html"]]
            continue
        major, minor, renumbered = place(typed, level <= section_level, major, minor)
        sections.append(
            {
                "major": major,
                "minor": minor,
                "part": part,
                "title": title,
                "html": entry["html"],
                "typed": written(typed) if typed else "",
                "renumbered": renumbered,
            }
        )
    if len(sections) > MAX_SECTIONS:
        raise DraftRefused(f"The file has {len(sections)} sections; the portal takes at most {MAX_SECTIONS}.")
    if not sections:
        raise DraftRefused("The file's headings have no sections under them.")
    result = []
    for section in sections:
        html = section.pop("html")
        section["body"] = to_markdown("".join(html))
        number = f"{section['major']}.{section['minor']}" if section["minor"] else str(section["major"])
        try:
            # A section's text must be one its page can render, as when it is saved in the admin.
            section["start"] = start_of(checked_html(section["body"]))
        except MarkdownTooComplex as refusal:
            title = shorten(section["title"])
            raise DraftRefused(f"Section {number} “{title}” cannot be imported. {refusal}") from None
        result.append(section)
    return result


def start_of(html):
    """The first words of a section's HTML, as plain text, for the preview."""
    plain = BeautifulSoup(html, "html.parser").get_text(" ")
    # get_text puts a space after each element: "**power**." reads "power ."
    words = re.sub(r"\s+([.,;:!?)])", r"\1", " ".join(plain.split())).split(" ")
    return " ".join(words[:START_WORDS]) + ("…" if len(words) > START_WORDS else "")


def shorten(words, most=60):
    return words if len(words) <= most else words[: most - 1] + "…"


def escape_text(words):
    return words.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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

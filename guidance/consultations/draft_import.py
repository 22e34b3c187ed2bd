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
2. Cleaned with the same allow-list as every page (guidance/consultations/markdown.py): images, scripts, styles,
   frames, forms, event handlers and links to anything but http, https and mailto addresses are
   dropped, and the preview lists what was dropped.
3. Cut at the headings. The file's Word "Title" paragraph, or a first heading that is the only one
   at its level in a file with other headings, is the document's title, not a section. Then the
   top heading level makes sections (1, 2, 3, …) and the next level sub-sections (2.1, 2.2, …).
   A top-level heading with no text of its own and no number, followed straight away by a heading
   one level down, groups sections: it becomes their part (as "Key principles" groups sections 2
   to 6 of the demo), and the headings under it are sections, the level below those sub-sections.
   Headings deeper still stay in the section's text. Text before the first heading is left out,
   with a note.
   The numbers typed at the start of headings ("4. Planning", "3.1 Start early", "Section 2:")
   are the sections' numbers, as the document's readers (and its PDF) know them: "3. Principles"
   followed at once by "3.1 …" is section 3 with its sub-sections, not a part, and a number may
   decide a heading's level ("3.1" in a Heading 1 after section 3 is sub-section 3.1). Where a
   number cannot be used (it repeats or goes back, a sub-section of another section, three levels,
   a 0) the heading is numbered next after the one before, and the section says why
   (DraftSection.renumbered), so the preview shows each before anything is saved. A heading
   without a number is numbered next. The number is taken out of the title.
4. Each section's HTML back to Markdown (markdownify), the format section bodies are edited in.
   A section's text must be one its page can render (guidance.consultations.markdown.check_markdown), as when it
   is saved in the admin.

Steps 1 to 4 are guidance/consultations/draft_reading.py, run in a child process limited in CPU time and memory
(guidance/consultations/limited.py), with bounds checked before each costly step (the size of what a Word
document unpacks to, its elements and their depth; Markdown's lines, nesting and paragraphs; the
HTML's elements): a file over one is refused with which bound and the figure, and nothing is
saved. Here the titles and parts are checked against the fields' lengths and given their slugs.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.text import Truncator, slugify

from guidance.consultations import limited
from guidance.consultations.changed import public_pages_changed
from guidance.consultations.draft_reading import DraftRefused
from guidance.models import Comment, Outcome, Section

TITLE_MAX = Section._meta.get_field("title").max_length
PART_MAX = Section._meta.get_field("part").max_length
SLUG_MAX = Section._meta.get_field("slug").max_length


@dataclass
class DraftSection:
    major: int
    minor: int
    part: str
    title: str
    slug: str
    body: str
    start: str = ""  # the first words of its text, as plain text, for the preview
    typed: str = ""  # the number typed in its heading, "" if none
    renumbered: str = ""  # why it is not numbered as typed, for the preview; "" when it is

    # Numbered as a saved section is.
    number = Section.number
    is_subsection = Section.is_subsection

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
    try:
        read = limited.run("draft", data)
    except limited.Refused as refusal:
        raise DraftRefused(str(refusal)) from None
    preview = DraftPreview(file_name=file_name, kind=read["kind"], title=read["title"], notes=read["notes"])
    slugs = set()
    for section in read["sections"]:
        if len(section["part"]) > PART_MAX:
            raise DraftRefused(
                f"The heading “{Truncator(section['part']).chars(60)}” is longer than {PART_MAX} characters."
            )
        if len(section["title"]) > TITLE_MAX:
            raise DraftRefused(
                f"The heading “{Truncator(section['title']).chars(60)}” is longer than {TITLE_MAX} characters: "
                "is a paragraph marked as a heading?"
            )
        preview.sections.append(DraftSection(slug=unique_slug(section["title"], slugs), **section))
    return preview


def unique_slug(title, taken):
    base = slugify(title)[: SLUG_MAX - 4] or "section"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


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
        public_pages_changed(documents=[document])
    return len(sections)

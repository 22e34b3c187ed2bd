"""Importing a draft's sections from a Word document or a Markdown file: the sections and parts it
makes, what it drops, every bad file, the command and the admin's upload, preview and save."""

import html
import io
import re
import resource
import struct
import time
import zipfile
import zlib
from pathlib import Path

import docx
import mammoth
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from guidance.consultations.draft_import import DraftRefused, read_draft, save_sections
from guidance.models import Consultation, Document, Section
from tests.factories import CommentFactory, ConsultationFactory, DocumentFactory, SectionFactory

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[1] / "docs" / "sample-draft.md"


def one_pixel_png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def word_document():
    """A draft as its authors would write it in Word: a title, a preface, sections as Heading 1, a
    part heading grouping Heading 2 sections, a sub-section, a list, a table, a link, a picture."""
    document = docx.Document()
    document.add_paragraph("Draft guidance on co-producing research", style="Title")
    document.add_paragraph("Circulated for comment.")
    document.add_heading("1. Introduction", level=1)
    paragraph = document.add_paragraph("Co-production is ")
    paragraph.add_run("sharing power").bold = True
    paragraph.add_run(" and ")
    paragraph.add_run("responsibility").italic = True
    paragraph.add_run(".")
    document.add_paragraph("agreeing early how decisions will be made", style="List Bullet")
    document.add_paragraph("budgeting for payment", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for row, cells in enumerate([("Who", "What"), ("Public partners", "Paid for their time")]):
        for column, words in enumerate(cells):
            table.cell(row, column).text = words
    document.add_heading("Key principles", level=1)
    document.add_heading("Sharing of power", level=2)
    document.add_paragraph("Everyone jointly owns the research.")
    document.add_heading("Reciprocity", level=2)
    document.add_paragraph("Everyone gets something back.")
    document.add_heading("Payment", level=3)
    document.add_paragraph("Pay people for their time.")
    document.add_heading("Next steps", level=1)
    picture = io.BytesIO(one_pixel_png())  # pictures are dropped, with a note
    document.add_picture(picture)
    document.add_paragraph("Tell us what you think.")
    data = io.BytesIO()
    document.save(data)
    return data.getvalue()


def summary(preview):
    return [(s.number, s.part, s.title) for s in preview.sections]


def test_a_word_document_makes_sections_sub_sections_and_parts_from_its_headings():
    preview = read_draft("draft.docx", word_document())

    assert preview.kind == "Word document"
    assert preview.title == "Draft guidance on co-producing research"
    assert summary(preview) == [
        ("1", "", "Introduction"),
        ("2", "Key principles", "Sharing of power"),
        ("3", "Key principles", "Reciprocity"),
        ("3.1", "Key principles", "Payment"),
        ("4", "", "Next steps"),
    ]
    introduction = preview.sections[0].body
    assert "Co-production is **sharing power** and *responsibility*." in introduction
    assert "- agreeing early how decisions will be made\n- budgeting for payment" in introduction
    assert "| Who | What |\n| --- | --- |\n| Public partners | Paid for their time |" in introduction
    assert preview.sections[0].start.startswith("Co-production is sharing power and responsibility.")
    assert "1 picture dropped: pictures are not imported." in preview.notes
    assert any("text before the first heading (3 words)" in note for note in preview.notes)


def test_the_sample_markdown_draft_makes_the_demos_fifteen_sections_in_their_two_parts():
    preview = read_draft("sample-draft.md", SAMPLE.read_bytes())

    assert preview.kind == "Markdown"
    assert preview.title == "Draft guidance on co-producing research"
    assert [s.number for s in preview.sections] == [str(n) for n in range(1, 16)]
    parts = [s.part for s in preview.sections]
    assert parts == [""] + ["Key principles"] * 5 + ["Key features"] * 7 + ["", ""]
    assert preview.sections[4].title == "Reciprocity"
    assert preview.sections[13].body.count("\n- ") == 5
    assert preview.notes == []


def test_unsafe_markup_links_and_images_in_markdown_are_dropped_with_a_note():
    source = (
        "# Payment\n\nPay <b>people</b>.<script>alert(1)</script>\n\n"
        "![a chart](chart.png)\n\n[a page](https://example.org/pay) and [a trap](javascript:alert(1))\n\n"
        '<iframe src="https://evil.example"></iframe>\n\n<p onclick="alert(1)">Click</p>\n'
    )
    preview = read_draft("draft.md", source.encode())

    body = preview.sections[0].body
    assert "script" not in body and "alert" not in body and "iframe" not in body and "onclick" not in body
    assert "[a page](https://example.org/pay)" in body
    assert "a trap" in body and "javascript" not in body
    assert "chart.png" not in body
    assert sorted(preview.notes) == [
        "1 embedded frame dropped.",
        "1 image dropped.",
        "1 link to an address that is not a web page or email address (kept as text) dropped.",
        "1 script dropped.",
    ]


def test_a_single_top_heading_is_the_title_and_the_next_level_makes_the_sections():
    preview = read_draft("d.md", b"# My draft\n\n## One\n\nText.\n\n## Two\n\nMore.\n\n### Two point one\n\nDetail.\n")
    assert preview.title == "My draft"
    assert summary(preview) == [("1", "", "One"), ("2", "", "Two"), ("2.1", "", "Two point one")]


def test_headings_below_sub_sections_stay_in_the_sections_text():
    preview = read_draft("d.md", b"# One\n\nIntro.\n\n## One A\n\nText.\n\n### Detail\n\nDeeper.\n\n# Two\n\nEnd.")
    assert summary(preview) == [("1", "", "One"), ("1.1", "", "One A"), ("2", "", "Two")]
    assert preview.sections[1].body == "Text.\n\n### Detail\n\nDeeper."


def test_a_heading_deeper_than_the_sections_before_the_first_section_starts_section_one():
    preview = read_draft("d.md", b"### Background\n\nWhy.\n\n# One\n\nText.\n\n# Two\n\nMore.")
    assert summary(preview) == [("1", "", "Background"), ("2", "", "One"), ("3", "", "Two")]


def zipped(members):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return data.getvalue()


# An encrypted (password-protected) .docx is not a ZIP at all: Office wraps it in an OLE2
# compound file holding an EncryptedPackage stream, as it wraps an old .doc.
ENCRYPTED = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le")

BAD_FILES = {
    "empty": (b"", "The file is empty."),
    "no headings": (b"Just a paragraph of text, nothing else.\n", "The file has no headings"),
    "a spreadsheet, not a .docx": (zipped({"xl/workbook.xml": "<workbook/>"}), "is not a Word document"),
    "a broken zip": (b"PK\x03\x04 and then nothing a zip needs", "damaged"),
    "encrypted": (ENCRYPTED, "protected with a password"),
    "a PDF": (b"%PDF-1.7\n...%%EOF", "This is a PDF"),
    "binary": (bytes(range(256)) * 4, "neither a Word document (.docx) nor Markdown"),
    "a heading that is a paragraph": (b"# " + b"word " * 60 + b"\n\ntext", "longer than 200 characters"),
    "a word document without headings": (None, "The file has no headings"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_gets_a_clear_message_and_saves_nothing(case, admin_client):
    data, message = BAD_FILES[case]
    if data is None:
        plain = docx.Document()
        plain.add_paragraph("Only a paragraph.")
        buffer = io.BytesIO()
        plain.save(buffer)
        data = buffer.getvalue()
    with pytest.raises(DraftRefused, match=message[:40].replace("(", r"\(").replace(")", r"\)")):
        read_draft("draft.docx", data)

    document = DocumentFactory()
    SectionFactory(document=document, title="Kept as it was")
    page = admin_client.post(
        reverse("admin:guidance_document_import", args=[document.pk]),
        {"file": SimpleUploadedFile("draft.docx", data)},
    )
    assert page.status_code == 200
    assert "Nothing was imported." in page.content.decode()
    assert list(document.sections.values_list("title", flat=True)) == ["Kept as it was"]


def test_a_file_over_the_size_cap_is_refused(settings):
    settings.DRAFT_IMPORT_MAX_MB = 1
    with pytest.raises(DraftRefused, match="larger than 1 MB"):
        read_draft("big.md", b"# Big\n\n" + b"x" * (1024 * 1024))


# Bounds: a file that would cost minutes or gigabytes to read is refused, saying which bound and
# the figure, and whatever the bounds let through is read in a child process limited in CPU time
# and memory, never in the web process.


def word_document_with_body(body, minimal=False, doctype=b""):
    """A .docx whose body is this XML: the tests' Word document, or (minimal) only the three parts
    a reader needs, as an attacker would send."""
    if minimal:
        members = {
            "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>',
            "_rels/.rels": "<Relationships/>",
        }
    else:
        with zipfile.ZipFile(io.BytesIO(word_document())) as archive:
            members = {name: archive.read(name) for name in archive.namelist() if name != "word/document.xml"}
    members["word/document.xml"] = (
        doctype
        + b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        + b'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Section</w:t></w:r></w:p>'
        + body
        + b"</w:body></w:document>"
    )
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return data.getvalue()


def paragraphs(count):
    """Word paragraphs each with its own words, so they compress as text does (about tenfold)."""
    return b"".join(b"<w:p><w:r><w:t>Paragraph %d of the draft.</w:t></w:r></w:p>" % n for n in range(count))


def nested_tables(depth):
    return b"<w:tbl><w:tr><w:tc>" * depth + b"<w:p><w:r><w:t>Deep</w:t></w:r></w:p>" + b"</w:tc></w:tr></w:tbl>" * depth


OVER_A_BOUND = {
    # A ZIP bomb: 6 MB of empty paragraphs packed into a few KB.
    "a ZIP bomb": (
        lambda: word_document_with_body(b"<w:p/>" * 1_000_000, minimal=True),
        "A part of the file (word/document.xml) unpacks to 673 times its size",
        "the most the portal reads is 100 times",
    ),
    "too many elements": (lambda: word_document_with_body(paragraphs(70_000)), "more than 200,000 elements", ""),
    "tables nested too deep": (
        lambda: word_document_with_body(nested_tables(30)),
        "more than 64 deep inside each other",
        "",
    ),
    "a document type declaration": (
        lambda: word_document_with_body(b"", doctype=b'<!DOCTYPE d [<!ENTITY a "aaaa">]>'),
        "has a document type declaration",
        "",
    ),
    "too many lines of Markdown": (lambda: b"# Draft\n\n" + b"A line.\n" * 100_001, "has 100,002 lines", ""),
    "quotes nested thousands deep": (
        lambda: b"# Draft\n\n" + b">" * 5000 + b" deep",
        "Lists and quotes are inside each other 5000 deep (line 3); the most is 20",
        "",
    ),
    "lists nested thousands deep": (
        lambda: b"# Draft\n\n" + b"- " * 3000 + b"deep",
        "Lists and quotes are inside each other 3000 deep",
        "",
    ),
    "a paragraph too long": (
        lambda: b"# Draft\n\n" + b"word " * 5000,
        "A paragraph is 25,000 characters long; the most is 20,000",
        "",
    ),
}


def cpu_seconds_with_children():
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@pytest.mark.parametrize("case", OVER_A_BOUND)
def test_a_file_over_a_bound_is_refused_quickly_saying_which_bound_and_the_figure(case, admin_client):
    make, message, more = OVER_A_BOUND[case]
    data = make()
    # CPU seconds (this process and the child that reads the file), not the wall clock: what the
    # bound protects is the server's CPU, and a busy machine must not fail the test.
    start = cpu_seconds_with_children()
    with pytest.raises(DraftRefused, match=re.escape(message)) as refusal:
        read_draft("draft.docx", data)
    assert cpu_seconds_with_children() - start < 10
    assert more in str(refusal.value)

    document = DocumentFactory()
    SectionFactory(document=document, title="Kept as it was")
    page = admin_client.post(
        reverse("admin:guidance_document_import", args=[document.pk]),
        {"file": SimpleUploadedFile("draft.docx", data)},
    )
    assert page.status_code == 200
    assert "Nothing was imported." in page.content.decode()
    assert message in html.unescape(page.content.decode())
    assert list(document.sections.values_list("title", flat=True)) == ["Kept as it was"]


def test_a_section_whose_text_could_not_be_shown_is_refused_naming_the_section():
    source = b"# Draft\n\n## Fine\n\nWords.\n\n## Payment\n\n" + b"Words.\n\n" * 13_000 + b"\n\n## After\n\nMore."
    with pytest.raises(
        DraftRefused,
        match="Section 2 “Payment” cannot be imported. This text is 103,998 characters long; the most is 100,000",
    ):
        read_draft("draft.md", source)


def test_a_draft_is_read_in_another_process_than_the_web_servers(monkeypatch):
    def read_here(*args, **kwargs):
        raise AssertionError("mammoth ran in the web process")

    monkeypatch.setattr(mammoth, "convert_to_html", read_here)
    assert len(read_draft("draft.docx", word_document()).sections) == 5


def test_a_file_that_needs_more_cpu_time_than_allowed_is_stopped_with_a_message(settings, admin_client):
    settings.UPLOAD_CPU_SECONDS = 1
    data = word_document_with_body(paragraphs(30_000))  # well within the bounds, but seconds to read
    with pytest.raises(DraftRefused, match="Reading the file needed more than 1 second of computer time"):
        read_draft("draft.docx", data)
    document = DocumentFactory()
    page = admin_client.post(
        reverse("admin:guidance_document_import", args=[document.pk]), {"file": SimpleUploadedFile("d.docx", data)}
    )
    assert "Nothing was imported. Reading the file needed more than 1 second" in page.content.decode()
    assert not document.sections.exists()


def test_a_file_that_needs_more_memory_than_allowed_is_stopped_with_a_message(settings):
    settings.UPLOAD_MEMORY_MB = 100
    with pytest.raises(DraftRefused, match="Reading the file needed more than 100 MB of memory"):
        read_draft("draft.docx", word_document_with_body(paragraphs(30_000)))


def test_the_command_shows_the_sections_on_a_dry_run_and_saves_nothing(capsys):
    call_command("import_document", str(SAMPLE), "--document", "co-producing", "--dry-run")
    out = capsys.readouterr().out
    assert "sample-draft.md (Markdown): 15 sections" in out
    assert "  Part: Key principles\n    2. Sharing of power: Everyone in the partnership" in out
    assert "Dry run: nothing was saved." in out
    assert not Document.objects.exists()


def test_the_command_creates_the_document_titled_from_the_file_and_saves_its_sections(capsys, tmp_path):
    path = tmp_path / "draft.docx"
    path.write_bytes(word_document())
    call_command("import_document", str(path), "--document", "co-producing")
    document = Document.objects.get(slug="co-producing")
    assert document.title == "Draft guidance on co-producing research"
    assert [(s.number, s.part, s.title) for s in document.sections.all()] == [
        ("1", "", "Introduction"),
        ("2", "Key principles", "Sharing of power"),
        ("3", "Key principles", "Reciprocity"),
        ("3.1", "Key principles", "Payment"),
        ("4", "", "Next steps"),
    ]
    assert "Created “Draft guidance on co-producing research”: 5 sections." in capsys.readouterr().out


def test_the_command_refuses_a_bad_file_and_a_published_document(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(ENCRYPTED)
    with pytest.raises(CommandError, match="Nothing was imported. This is an older Word document"):
        call_command("import_document", str(bad), "--document", "new-one")
    assert not Document.objects.exists()

    consultation = ConsultationFactory()
    SectionFactory(document=consultation.document, title="Published text")
    with pytest.raises(CommandError, match="A consultation on this document is published"):
        call_command("import_document", str(SAMPLE), "--document", consultation.document.slug)
    assert list(consultation.document.sections.values_list("title", flat=True)) == ["Published text"]


def test_sections_with_comments_are_not_replaced():
    consultation = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    CommentFactory(section=SectionFactory(document=consultation.document))
    with pytest.raises(DraftRefused, match="have comments"):
        save_sections(consultation.document, read_draft("d.md", b"# One\n\nText.").sections)


def manager():
    user = User.objects.create_user("manager", is_staff=True)
    user.groups.add(Group.objects.get(name="Consultation manager"))
    return user


def test_a_manager_uploads_checks_the_preview_then_saves_the_sections(client):
    client.force_login(manager())
    document = DocumentFactory()
    SectionFactory(document=document, title="An old section")
    upload = reverse("admin:guidance_document_import", args=[document.pk])

    page = client.post(upload, {"file": SimpleUploadedFile("draft.docx", word_document())}, follow=True)
    html = page.content.decode()
    assert "Nothing has been saved yet. draft.docx (Word document) makes 5 sections" in html
    assert "they replace the document's 1 section" in html
    assert "<td>Key principles</td>" in html and "<td>Payment</td>" in html
    assert "1 picture dropped" in html
    assert list(document.sections.values_list("title", flat=True)) == ["An old section"]

    saved = client.post(reverse("admin:guidance_document_import_preview", args=[document.pk]), {"save": "1"})
    assert saved.url == reverse("admin:guidance_document_sections", args=[document.pk])
    assert list(document.sections.values_list("title", flat=True)) == [
        "Introduction",
        "Sharing of power",
        "Reciprocity",
        "Payment",
        "Next steps",
    ]
    assert Section.objects.get(title="Payment").number == "3.1"


def test_going_back_from_the_preview_saves_nothing_and_the_preview_needs_an_upload_first(client):
    client.force_login(manager())
    document = DocumentFactory()
    preview = reverse("admin:guidance_document_import_preview", args=[document.pk])
    assert client.get(preview).url == reverse("admin:guidance_document_import", args=[document.pk])
    client.post(
        reverse("admin:guidance_document_import", args=[document.pk]), {"file": SimpleUploadedFile("d.md", b"# A\n\nB")}
    )
    assert "Go back and upload another file" in client.get(preview).content.decode()
    assert not document.sections.exists()


def test_cancelling_on_the_preview_saves_nothing_and_forgets_the_upload(client):
    client.force_login(manager())
    document = DocumentFactory()
    upload = reverse("admin:guidance_document_import", args=[document.pk])
    preview = reverse("admin:guidance_document_import_preview", args=[document.pk])
    client.post(upload, {"file": SimpleUploadedFile("d.md", b"# A\n\nB")})
    cancelled = client.post(preview, {"cancel": "1"}, follow=True)
    assert cancelled.redirect_chain[-1][0] == upload
    assert "Nothing was saved." in cancelled.content.decode()
    assert client.get(preview).url == upload  # nothing waits any more
    assert not document.sections.exists()


def test_staff_without_the_section_permissions_cannot_import(client):
    moderator = User.objects.create_user("moderator", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderator"))
    client.force_login(moderator)
    document = DocumentFactory()
    page = client.post(
        reverse("admin:guidance_document_import", args=[document.pk]), {"file": SimpleUploadedFile("d.md", b"# A")}
    )
    assert page.status_code in (400, 403)
    assert not document.sections.exists()

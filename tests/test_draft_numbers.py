"""A draft keeps its numbers: the numbers typed at the start of its headings ("4. Planning", "3.1 Start
early") are the sections' numbers, a numbered heading over sub-sections is their section (not a part),
and where a number cannot be used the preview names the section, the number typed and why, before
anything is saved."""

import io

import docx
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from guidance.consultations.draft_import import read_draft
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def word_file(headings):
    """A .docx with a Title, then each (level, heading, text), text "" for a heading with none."""
    document = docx.Document()
    document.add_paragraph("Guidance on public involvement", style="Title")
    for level, heading, text in headings:
        document.add_heading(heading, level=level)
        if text:
            document.add_paragraph(text)
    data = io.BytesIO()
    document.save(data)
    return data.getvalue()


NUMBERED = [
    (1, "1. Introduction", "Why this guidance."),
    (1, "2. Scope", "Who it is for."),
    (1, "3. Principles", ""),
    (2, "3.1 Start early", "Involve people from the start."),
    (2, "3.2 Pay people", "Pay people for their time."),
    (1, "4. Planning", "Plan together."),
]


def summary(preview):
    return [(s.number, s.part, s.title, s.renumbered) for s in preview.sections]


def test_a_word_documents_headings_1_2_3_3_1_3_2_4_are_imported_with_those_numbers():
    preview = read_draft("guidance.docx", word_file(NUMBERED))
    assert summary(preview) == [
        ("1", "", "Introduction", ""),
        ("2", "", "Scope", ""),
        ("3", "", "Principles", ""),
        ("3.1", "", "Start early", ""),
        ("3.2", "", "Pay people", ""),
        ("4", "", "Planning", ""),
    ]
    assert preview.sections[2].body == ""


def test_numbers_with_gaps_are_kept_as_the_document_has_them():
    preview = read_draft("d.md", b"# 1. One\n\nA.\n\n# 4. Four\n\nB.\n\n## 4.3 Four three\n\nC.\n\n# 8 Eight\n\nD.")
    assert [s.number for s in preview.sections] == ["1", "4", "4.3", "8"]
    assert [s.title for s in preview.sections] == ["One", "Four", "Four three", "Eight"]


def test_a_heading_without_a_number_over_sub_headings_is_still_a_part():
    preview = read_draft(
        "d.md",
        b"# 1. Introduction\n\nA.\n\n# Key principles\n\n## 2. Power\n\nB.\n\n## 3. Pay\n\nC.\n\n# 4. Next\n\nD.",
    )
    assert [(s.number, s.part) for s in preview.sections] == [
        ("1", ""),
        ("2", "Key principles"),
        ("3", "Key principles"),
        ("4", ""),
    ]


def test_a_number_typed_in_a_heading_decides_its_level_where_it_fits():
    preview = read_draft("d.md", b"# 3. Principles\n\nA.\n\n# 3.1 Start early\n\nB.\n\n## 4 Planning\n\nC.")
    assert [s.number for s in preview.sections] == ["3", "3.1", "4"]


def test_a_year_at_the_start_of_a_heading_is_not_a_section_number():
    preview = read_draft("d.md", b"# 1. One\n\nA.\n\n# 2017 review\n\nB.")
    assert [(s.number, s.title, s.renumbered) for s in preview.sections] == [("1", "One", ""), ("2", "2017 review", "")]


@pytest.mark.parametrize(
    "source,number,why",
    [
        (
            b"# 1. A\n\nx\n\n# 2. B\n\nx\n\n# 2. C\n\nx",
            "3",
            "The heading says 2, but it comes after section 2: imported as 3.",
        ),
        (
            b"# 1. A\n\nx\n\n# 2. B\n\nx\n\n## 1.1 C\n\nx",
            "2.1",
            "The heading says 1.1, but it comes under section 2: imported as 2.1.",
        ),
        (b"# 1. A\n\nx\n\n# 3.1 B\n\nx", "2", "The heading says 3.1, but no section 3 comes before it: imported as 2."),
        (b"# 0. A\n\nx", "1", "The heading says 0, but section numbers start at 1: imported as 1."),
        (b"# 1. A\n\nx\n\n# 1.2.3 B\n\nx", "2", "two levels, such as 3 and 3.1: imported as 2."),
    ],
    ids=["repeated", "sub-section of another section", "no section for it", "zero", "three levels"],
)
def test_a_number_that_cannot_be_used_is_replaced_and_the_section_says_why(source, number, why):
    section = read_draft("d.md", source).sections[-1]
    assert section.number == number
    assert section.renumbered.endswith(why)


def test_the_preview_names_each_section_numbered_differently_before_anything_is_saved(client):
    manager = User.objects.create_user("manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    document = DocumentFactory()
    headings = [*NUMBERED, (1, "4. Evaluation", "Evaluate together.")]  # two sections numbered 4
    client.post(
        reverse("admin:guidance_document_import", args=[document.pk]),
        {"file": SimpleUploadedFile("guidance.docx", word_file(headings))},
    )
    preview = reverse("admin:guidance_document_import_preview", args=[document.pk])
    html = client.get(preview).content.decode()
    assert "Numbered differently from the file" in html
    assert "Section 5 “Evaluation”: The heading says 4, but it comes after section 4: imported as 5." in html
    assert "<td>3.1</td>" in html  # the number in the file, beside each section's
    assert not document.sections.exists()

    client.post(preview, {"save": "1"})
    assert [(s.number, s.title) for s in document.sections.all()] == [
        ("1", "Introduction"),
        ("2", "Scope"),
        ("3", "Principles"),
        ("3.1", "Start early"),
        ("3.2", "Pay people"),
        ("4", "Planning"),
        ("5", "Evaluation"),
    ]


def test_a_preview_where_every_number_is_kept_says_nothing_of_renumbering(client):
    manager = User.objects.create_user("manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    document = DocumentFactory()
    client.post(
        reverse("admin:guidance_document_import", args=[document.pk]),
        {"file": SimpleUploadedFile("guidance.docx", word_file(NUMBERED))},
    )
    html = client.get(reverse("admin:guidance_document_import_preview", args=[document.pk])).content.decode()
    assert "makes 6 sections" in html
    assert "Numbered differently" not in html


def test_the_command_says_which_sections_are_numbered_differently(tmp_path, capsys):
    path = tmp_path / "guidance.md"
    path.write_bytes(b"# 1. One\n\nA.\n\n# 1. Again\n\nB.")
    call_command("import_document", str(path), "--document", "guidance", "--dry-run")
    out = capsys.readouterr().out
    assert "2. Again: B." in out
    assert "Numbered differently from the file. The heading says 1, but it comes after section 1: imported as 2." in out

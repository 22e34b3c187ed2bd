"""Editing a document's sections from its page in the admin: each one's title, number, part and
body; moving them up and down; adding and removing them; a preview as the public will see it."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from guidance.consultations import sections
from guidance.models import Section
from tests.factories import DocumentFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def document():
    document = DocumentFactory(title="Draft guidance")
    for major, minor, title in [
        (1, 0, "Introduction"),
        (2, 0, "Power"),
        (2, 1, "Budgets"),
        (2, 2, "Decisions"),
        (3, 0, "Next"),
    ]:
        SectionFactory(document=document, major=major, minor=minor, title=title, slug=title.lower())
    return document


@pytest.fixture
def manager(client):
    user = User.objects.create_user("manager", is_staff=True)
    user.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(user)
    return user


def order(document):
    return [(s.number, s.title) for s in document.sections.all()]


def test_a_section_moves_with_its_sub_sections(document):
    sections.move(document.sections.get(title="Power"), "up")
    assert order(document) == [
        ("1", "Power"),
        ("1.1", "Budgets"),
        ("1.2", "Decisions"),
        ("2", "Introduction"),
        ("3", "Next"),
    ]


def test_a_sub_section_moves_within_its_section_and_not_past_the_ends(document):
    sections.move(document.sections.get(title="Decisions"), "up")
    assert order(document)[2:4] == [("2.1", "Decisions"), ("2.2", "Budgets")]
    with pytest.raises(sections.CannotMove):
        sections.move(document.sections.get(title="Decisions"), "up")
    with pytest.raises(sections.CannotMove):
        sections.move(document.sections.get(title="Next"), "down")


def test_the_sections_page_lists_them_and_moves_them_with_buttons(client, manager, document):
    page = reverse("admin:guidance_document_sections", args=[document.pk])
    html = client.get(page).content.decode()
    assert html.index("Introduction") < html.index("Power") < html.index("Budgets") < html.index("Next")
    assert 'Move up<span class="visually-hidden"> section 2.1</span>' in html
    moved = client.post(
        reverse("admin:guidance_document_section_move", args=[document.pk]),
        {"move": f"{document.sections.get(title='Next').pk} up"},
        follow=True,
    )
    assert "Moved “Next” up: it is now section 2." in moved.content.decode()
    assert order(document)[1] == ("2", "Next")
    refused = client.post(
        reverse("admin:guidance_document_section_move", args=[document.pk]),
        {"move": f"{document.sections.get(title='Introduction').pk} up"},
        follow=True,
    )
    assert "Section 1 is first already." in refused.content.decode()


def test_a_section_of_another_document_cannot_be_moved_from_here(client, manager, document):
    other = SectionFactory(title="Elsewhere")
    page = client.post(reverse("admin:guidance_document_section_move", args=[document.pk]), {"move": f"{other.pk} up"})
    assert page.status_code == 404


def test_editing_a_section_and_save_and_preview_shows_it_as_the_public_will(client, manager, document):
    section = document.sections.get(title="Power")
    data = {
        "document": document.pk,
        "major": 2,
        "minor": 0,
        "part": "Key principles",
        "title": "Sharing of power",
        "slug": "sharing-of-power",
        "body": "Everyone **jointly** owns it.\n\n- one\n- two\n\n<script>alert(1)</script>",
        "_preview": "Save and preview",
    }
    saved = client.post(reverse("admin:guidance_section_change", args=[section.pk]), data)
    assert saved.url == reverse("admin:guidance_section_preview", args=[section.pk])
    preview = client.get(saved.url).content.decode()
    assert '<span class="govuk-caption-l">Section 2: Key principles</span>' in preview
    assert '<h1 class="govuk-heading-xl">Sharing of power</h1>' in preview
    assert "Everyone <strong>jointly</strong> owns it." in preview and "<li>one</li>" in preview
    assert "<script>" not in preview
    assert ">Preview</strong>" in preview

    data.pop("_preview")
    plain = client.post(reverse("admin:guidance_section_change", args=[section.pk]), data)
    assert plain.url == reverse("admin:guidance_document_sections", args=[document.pk])


def test_a_number_already_taken_is_refused_with_a_message(client, manager, document):
    section = document.sections.get(title="Next")
    page = client.post(
        reverse("admin:guidance_section_change", args=[section.pk]),
        {"document": document.pk, "major": 1, "minor": 0, "title": "Next", "slug": "next", "body": ""},
    )
    assert page.status_code == 200
    assert "already exists" in page.content.decode()


def test_a_section_is_added_to_the_document_and_removed_from_it(client, manager, document):
    add = client.get(reverse("admin:guidance_section_add") + f"?document={document.pk}").content.decode()
    assert f'<option value="{document.pk}" selected>' in add
    client.post(
        reverse("admin:guidance_section_add"),
        {"document": document.pk, "major": 4, "minor": 0, "title": "Annex", "slug": "annex", "body": "More."},
    )
    assert order(document)[-1] == ("4", "Annex")
    annex = document.sections.get(title="Annex")
    removed = client.post(reverse("admin:guidance_section_delete", args=[annex.pk]), {"post": "yes"})
    assert removed.url == reverse("admin:guidance_document_sections", args=[document.pk])
    assert not Section.objects.filter(title="Annex").exists()


def test_the_documents_page_leads_to_its_sections_and_the_import(client, manager, document):
    html = client.get(reverse("admin:guidance_document_change", args=[document.pk])).content.decode()
    assert reverse("admin:guidance_document_sections", args=[document.pk]) in html
    assert reverse("admin:guidance_document_import", args=[document.pk]) in html

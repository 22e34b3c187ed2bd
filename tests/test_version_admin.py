"""The "Next version" staff pages: starting a next version (copy, or a file in two steps),
confirming where each of its sections comes from, who may do what, and every bad input."""

import html

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guidance.consultations import versions
from guidance.models import Consultation, Document, SectionLink
from tests.factories import ConsultationFactory, NextVersionFactory, SectionFactory

pytestmark = pytest.mark.django_db

MARKDOWN = b"""# Guidance on co-producing a research project

## Sharing power

Everyone in the partnership jointly owns the research, and decisions about budget, protocol and
authorship are shared openly between researchers and public partners from the first idea onwards.

## Keeping recordings safely

Recordings of meetings are kept on the secure drive for two years, and anyone can ask for a
recording of their own words to be destroyed without giving a reason.
"""


def signed_in(client, role):
    user = User.objects.create_user(role.lower().replace(" ", "-"), is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


@pytest.fixture
def published_with_sections():
    consultation = ConsultationFactory(publication=Consultation.Publication.PUBLISHED)
    document = consultation.document
    SectionFactory(
        document=document,
        major=1,
        title="Sharing of power",
        slug="power",
        body="Everyone in the partnership jointly owns the research, and decisions about budget, protocol and "
        "authorship are shared openly between researchers and public partners from the first idea.",
    )
    SectionFactory(
        document=document,
        major=2,
        title="Reciprocity",
        slug="reciprocity",
        body="Everyone who puts time and effort into the project should get something back: payment, "
        "training, references, or simply seeing their ideas change what the research does.",
    )
    return consultation


def url(name, consultation, *args):
    return reverse(f"admin:guidance_consultation_{name}", args=[consultation.pk, *args])


def test_the_consultation_pages_link_to_the_next_version_page(client, published_with_sections):
    signed_in(client, "Consultation manager")
    page = client.get(reverse("admin:guidance_consultation_change", args=[published_with_sections.pk])).content.decode()
    assert f'href="{url("versions", published_with_sections)}">Next version</a>' in page


def test_a_manager_copies_the_consulted_version_confirms_the_proposed_links_and_sees_them_confirmed(
    client, published_with_sections
):
    manager = signed_in(client, "Consultation manager")
    page = client.get(url("versions", published_with_sections)).content.decode()
    assert "None yet." in page and "Copy its 2 sections" in page

    response = client.post(
        url("version_copy", published_with_sections), {"version_label": "Published guidance, 2018"}, follow=True
    )
    page = response.content.decode()
    assert "Made “Published guidance, 2018”, a copy of the version consulted on with its 2 sections" in page
    assert "<strong>To confirm</strong>" in page
    assert "is waiting for its links to be confirmed" in page and "Copy its 2 sections" not in page
    version = Document.objects.get(revises=published_with_sections.document)

    links_page = client.get(url("version_links", published_with_sections, version.pk)).content.decode()
    assert "The ticks are the portal's proposal" in links_page
    assert "text 100% alike, same title, same number: proposed" in links_page
    new_power, new_reciprocity = version.sections.all()
    old_power, old_reciprocity = published_with_sections.document.sections.all()
    assert f'value="{old_power.pk}" id="from-{new_power.pk}-{old_power.pk}" checked' in links_page

    # Staff correct the proposal: section 2 is new, and section 1 also takes from the old section 2.
    response = client.post(
        url("version_links", published_with_sections, version.pk),
        {"shown": f"{new_power.pk},{new_reciprocity.pk}", f"from-{new_power.pk}": [old_power.pk, old_reciprocity.pk]},
        follow=True,
    )
    assert "Confirmed where each of the 2 sections of “Published guidance, 2018” comes from (1 new)." in (
        response.content.decode()
    )
    assert sorted(SectionLink.objects.values_list("later", "earlier")) == [
        (new_power.pk, old_power.pk),
        (new_power.pk, old_reciprocity.pk),
    ]
    version.refresh_from_db()
    assert version.links_confirmed_by == manager
    assert versions.next_version(published_with_sections) == version

    links_page = client.get(url("version_links", published_with_sections, version.pk)).content.decode()
    assert "The ticks are as confirmed" in links_page
    assert f'id="from-{new_reciprocity.pk}-{old_reciprocity.pk}" checked' not in links_page
    new_list = links_page.split("<h2>New sections</h2>")[1].split("<h2>")[0]
    assert "2. Reciprocity" in new_list
    assert "None: something in the new version comes from each consulted section." in links_page
    page = client.get(url("versions", published_with_sections)).content.decode()
    assert "Confirmed " in page and "Copy its 2 sections" in page


def test_a_manager_imports_the_next_version_from_markdown_checks_it_then_saves_it(client, published_with_sections):
    signed_in(client, "Consultation manager")
    response = client.post(
        url("version_import", published_with_sections),
        {"version_label": "Published guidance, 2018", "file": SimpleUploadedFile("guidance.md", MARKDOWN)},
        follow=True,
    )
    page = response.content.decode()
    assert "Nothing has been saved yet. guidance.md (Markdown) makes 2 sections" in page
    assert "<td>Keeping recordings safely</td>" in page
    assert not Document.objects.filter(revises=published_with_sections.document).exists()

    response = client.post(url("version_import_preview", published_with_sections), {"save": "1"}, follow=True)
    version = Document.objects.get(revises=published_with_sections.document)
    assert version.title == "Guidance on co-producing a research project"
    assert version.version_label == "Published guidance, 2018"
    page = response.content.decode()
    assert "Saved “Published guidance, 2018” with 2 sections from guidance.md." in page
    new_list = page.split("<h2>New sections</h2>")[1].split("<h2>")[0]
    removed_list = page.split("<h2>Removed sections</h2>")[1]
    assert "2. Keeping recordings safely" in new_list and "Sharing power" not in new_list
    assert "2. Reciprocity" in removed_list
    assert not SectionLink.objects.exists()
    # The preview is used up: going back to it asks for a file again.
    assert client.get(url("version_import_preview", published_with_sections)).url == url(
        "version_import", published_with_sections
    )


def test_the_new_versions_sections_are_edited_on_the_documents_own_pages(client, published_with_sections):
    signed_in(client, "Consultation manager")
    version = versions.copy_version(published_with_sections.document, version_label="Next")
    page = client.get(reverse("admin:guidance_document_sections", args=[version.pk])).content.decode()
    assert "This is a new version of" in page
    assert url("version_links", published_with_sections, version.pk) in page
    upload = client.get(reverse("admin:guidance_document_import", args=[version.pk])).content.decode()
    assert 'type="file"' in upload  # not refused: nobody has commented on this version
    section = version.sections.get(major=2)
    response = client.post(
        reverse("admin:guidance_section_change", args=[section.pk]),
        {
            "document": version.pk,
            "major": 2,
            "minor": 0,
            "part": "",
            "title": "Giving something back",
            "slug": "reciprocity",
            "body": section.body,
        },
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.title == "Giving something back"
    assert published_with_sections.document.sections.get(major=2).title == "Reciprocity"


@pytest.mark.parametrize("role", ["Moderator", "Analyst"])
def test_moderators_and_analysts_may_look_but_not_start_import_or_confirm_a_version(
    client, published_with_sections, role
):
    version = versions.copy_version(published_with_sections.document, version_label="Next")
    signed_in(client, role)
    page = client.get(url("versions", published_with_sections)).content.decode()
    assert "Start the next version" not in page
    links_page = client.get(url("version_links", published_with_sections, version.pk)).content.decode()
    assert "Confirm where each section comes from" not in links_page
    section = version.sections.first()
    earlier = published_with_sections.document.sections.first()
    for address, data in [
        (url("version_copy", published_with_sections), {"version_label": "Another"}),
        (
            url("version_import", published_with_sections),
            {"version_label": "Another", "file": SimpleUploadedFile("g.md", MARKDOWN)},
        ),
        (url("version_import_preview", published_with_sections), {"save": "1"}),
        (
            url("version_links", published_with_sections, version.pk),
            {"shown": str(section.pk), f"from-{section.pk}": [earlier.pk]},
        ),
    ]:
        assert client.post(address, data).status_code == 403, address
    assert client.get(url("version_import", published_with_sections)).status_code == 403
    assert Document.objects.filter(revises=published_with_sections.document).count() == 1
    assert not SectionLink.objects.exists()


def test_copying_is_a_post(client, published_with_sections):
    signed_in(client, "Consultation manager")
    assert client.get(url("version_copy", published_with_sections)).status_code == 405


@pytest.mark.parametrize(
    "case, data, message",
    [
        ("wrong type", SimpleUploadedFile("g.pdf", b"%PDF-1.4 x"), "This is a PDF."),
        ("empty", SimpleUploadedFile("g.md", b""), "The file is empty."),
        ("no headings", SimpleUploadedFile("g.md", b"Just words."), "The file has no headings"),
        ("no name", SimpleUploadedFile("g.md", MARKDOWN), "Give the new version a name"),
    ],
)
def test_a_bad_upload_says_what_is_wrong_and_stores_nothing(client, published_with_sections, case, data, message):
    signed_in(client, "Consultation manager")
    label = "" if case == "no name" else "Next"
    response = client.post(url("version_import", published_with_sections), {"version_label": label, "file": data})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "There is a problem" in page
    assert not Document.objects.filter(revises=published_with_sections.document).exists()
    assert client.get(url("version_import_preview", published_with_sections)).status_code == 302


def test_a_copy_without_a_name_is_refused_on_the_page(client, published_with_sections):
    signed_in(client, "Consultation manager")
    response = client.post(url("version_copy", published_with_sections), {"version_label": " "})
    assert response.status_code == 400
    assert "Give the new version a name" in response.content.decode()
    assert not Document.objects.filter(revises=published_with_sections.document).exists()


def test_a_second_unconfirmed_version_is_refused_whichever_way_it_is_started(client, published_with_sections):
    signed_in(client, "Consultation manager")
    versions.copy_version(published_with_sections.document, version_label="First")
    response = client.post(url("version_copy", published_with_sections), {"version_label": "Second"}, follow=True)
    assert "Nothing was made. “First” is already a next version of this document" in response.content.decode()
    page = client.get(url("version_import", published_with_sections)).content.decode()
    assert "is already a next version waiting for its links to be confirmed" in page and 'type="file"' not in page
    assert list(
        Document.objects.filter(revises=published_with_sections.document).values_list("version_label", flat=True)
    ) == ["First"]


def test_a_file_checked_while_another_version_was_started_is_not_saved(client, published_with_sections):
    signed_in(client, "Consultation manager")
    client.post(
        url("version_import", published_with_sections),
        {"version_label": "Mine", "file": SimpleUploadedFile("g.md", MARKDOWN)},
    )
    versions.copy_version(published_with_sections.document, version_label="Theirs")
    response = client.post(url("version_import_preview", published_with_sections), {"save": "1"}, follow=True)
    assert "is already a next version" in response.content.decode()
    assert list(
        Document.objects.filter(revises=published_with_sections.document).values_list("version_label", flat=True)
    ) == ["Theirs"]


@pytest.mark.parametrize("case", ["section of another document", "not a number", "sections changed", "no shown"])
def test_tampered_links_are_refused_with_a_clear_error_and_nothing_is_stored(client, published_with_sections, case):
    signed_in(client, "Consultation manager")
    version = versions.copy_version(published_with_sections.document, version_label="Next")
    first, second = version.sections.all()
    stranger = SectionFactory()
    shown = f"{first.pk},{second.pk}"
    data, message = {
        "section of another document": (
            {"shown": shown, f"from-{first.pk}": [stranger.pk]},
            "Section 1 can only come from sections of the version consulted on.",
        ),
        "not a number": (
            {"shown": shown, f"from-{first.pk}": ["1; DROP TABLE"]},
            "Section 1 can only come from sections of the version consulted on.",
        ),
        "sections changed": (
            {
                "shown": f"{first.pk},{stranger.pk}",
                f"from-{first.pk}": [published_with_sections.document.sections.first().pk],
            },
            "The new version's sections have changed since this page was shown",
        ),
        "no shown": (
            {f"from-{first.pk}": [published_with_sections.document.sections.first().pk]},
            "have changed since",
        ),
    }[case]
    response = client.post(url("version_links", published_with_sections, version.pk), data)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "There is a problem. Nothing was saved." in page and message in page
    assert not SectionLink.objects.exists()
    version.refresh_from_db()
    assert version.links_confirmed_at is None


def test_a_version_of_another_document_is_not_found_under_this_consultation(client, published_with_sections):
    signed_in(client, "Consultation manager")
    elsewhere = NextVersionFactory()
    SectionFactory(document=elsewhere)
    assert client.get(url("version_links", published_with_sections, elsewhere.pk)).status_code == 404
    assert client.post(url("version_links", published_with_sections, elsewhere.pk), {}).status_code == 404
    assert not SectionLink.objects.exists()


def test_a_version_without_sections_asks_for_them_before_links(client, published_with_sections):
    signed_in(client, "Consultation manager")
    empty = NextVersionFactory(revises=published_with_sections.document)
    page = client.get(url("version_links", published_with_sections, empty.pk)).content.decode()
    assert "The new version has no sections yet." in page and "<form" not in page.split('id="content-main"')[1]
    response = client.post(url("version_links", published_with_sections, empty.pk), {"shown": ""})
    assert response.status_code == 400
    assert "The new version has no sections yet" in response.content.decode()
    empty.refresh_from_db()
    assert empty.links_confirmed_at is None

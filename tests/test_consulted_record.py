"""The record holds: once a consultation has opened its sections cannot be removed, and once it has
closed they cannot be changed, moved, renumbered or added to, whether through the domain functions,
the document's Sections page or the section's admin pages. Each refusal says why and changes nothing;
a draft consultation holds nothing."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from guidance.consultations import sections
from guidance.models import Consultation, Section
from tests.factories import ConsultationFactory, SectionFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def consultation_that(state, **fields):
    now = timezone.now()
    opens_at, closes_at = {
        "is upcoming": (now + DAY, now + 30 * DAY),
        "is open": (now - DAY, now + 30 * DAY),
        "has closed": (now - 30 * DAY, now - DAY),
    }[state]
    consultation = ConsultationFactory(opens_at=opens_at, closes_at=closes_at, **fields)
    for major, minor, title in [(1, 0, "Introduction"), (2, 0, "Principles"), (2, 1, "Start early"), (3, 0, "Next")]:
        SectionFactory(
            document=consultation.document, major=major, minor=minor, title=title, slug=title.lower().replace(" ", "-")
        )
    return consultation


@pytest.fixture
def manager(client):
    user = User.objects.create_user("manager", is_staff=True)
    user.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(user)
    return user


def texts(document):
    return [(s.major, s.minor, s.title, s.body) for s in Section.objects.filter(document=document)]


def page_text(response):
    return response.content.decode()


# The domain functions ---------------------------------------------------------------------------------


def test_a_section_is_removed_before_the_consultation_opens_but_not_after():
    upcoming = consultation_that("is upcoming")
    sections.remove(upcoming.document.sections.get(title="Next"))
    assert not upcoming.document.sections.filter(title="Next").exists()

    opened = consultation_that("is open")
    before = texts(opened.document)
    with pytest.raises(sections.RecordHolds, match="opened at .* so its sections stay"):
        sections.remove(opened.document.sections.get(title="Next"))
    assert texts(opened.document) == before


def test_an_open_consultations_sections_are_still_edited_moved_and_renumbered():
    consultation = consultation_that("is open")
    section = consultation.document.sections.get(title="Next")
    section.body = "A corrected sentence."
    sections.save(section)
    sections.move(section, "up")
    assert consultation.document.sections.get(title="Next").number == "2"


def test_after_the_close_no_section_is_changed_moved_renumbered_added_or_removed():
    consultation = consultation_that("has closed")
    document = consultation.document
    before = texts(document)
    section = document.sections.get(title="Next")
    section.body = "Rewritten after the close."
    with pytest.raises(sections.RecordHolds, match="closed at .* the record of what people were consulted on"):
        sections.save(section)
    with pytest.raises(sections.RecordHolds):
        sections.save(Section(document=document, major=9, title="Annex", slug="annex"))
    with pytest.raises(sections.RecordHolds):
        sections.move(document.sections.get(title="Next"), "up")
    numbers = {s.pk: (s.major + 10, s.minor) for s in document.sections.all()}
    with pytest.raises(sections.RecordHolds):
        sections.renumber(document, numbers)
    with pytest.raises(sections.RecordHolds):
        sections.remove(document.sections.get(title="Next"))
    assert texts(document) == before


def test_a_section_cannot_leave_a_consulted_document_for_another():
    consultation = consultation_that("is open")
    section = consultation.document.sections.get(title="Next")
    section.document = SectionFactory().document
    with pytest.raises(sections.RecordHolds):
        sections.save(section)
    assert Section.objects.get(pk=section.pk).document == consultation.document


def test_a_draft_consultations_dates_hold_nothing():
    draft = consultation_that("has closed", publication=Consultation.Publication.DRAFT)
    assert sections.change_refusal(draft.document) == ""
    assert sections.removal_refusal(draft.document) == ""
    sections.remove(draft.document.sections.get(title="Next"))


# The staff pages and the admin --------------------------------------------------------------------


def test_removing_a_section_after_the_open_is_refused_with_a_message_and_nothing_removed(client, manager):
    consultation = consultation_that("is open")
    section = consultation.document.sections.get(title="Next")
    delete = reverse("admin:guidance_section_delete", args=[section.pk])
    for response in [client.get(delete, follow=True), client.post(delete, {"post": "yes"}, follow=True)]:
        assert response.redirect_chain[-1][0] == reverse("admin:guidance_document_sections", args=[section.document_id])
        html = page_text(response)
        assert "Section 3 “Next” was not removed." in html
        assert f"“{consultation}” opened at" in html
    assert Section.objects.filter(pk=section.pk).exists()


def test_removing_ticked_sections_from_the_list_is_refused_as_a_whole(client, manager):
    consultation = consultation_that("is open")
    free = SectionFactory(title="Not consulted on")
    consulted = consultation.document.sections.get(title="Next")
    response = client.post(
        reverse("admin:guidance_section_changelist"),
        {"action": "delete_selected", "_selected_action": [free.pk, consulted.pk], "post": "yes"},
        follow=True,
    )
    assert "Nothing was removed: section 3 “Next”" in page_text(response)
    assert Section.objects.filter(pk__in=[free.pk, consulted.pk]).count() == 2


def test_editing_a_section_after_the_close_is_refused_and_its_page_is_read_only(client, manager):
    consultation = consultation_that("has closed")
    section = consultation.document.sections.get(title="Start early")
    before = texts(consultation.document)
    change = reverse("admin:guidance_section_change", args=[section.pk])
    page = page_text(client.get(change))
    assert 'name="_save"' not in page and "Save and preview" not in page
    assert "the record of what people were consulted on" in page
    response = client.post(
        change,
        {
            "document": section.document_id,
            "major": 2,
            "minor": 1,
            "title": "Start early",
            "slug": "start-early",
            "body": "**Changed** after the close.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == change
    assert "Section 2.1 “Start early” was not changed." in page_text(response)
    assert texts(consultation.document) == before


def test_adding_a_section_after_the_close_is_refused_with_nothing_added(client, manager):
    consultation = consultation_that("has closed")
    response = client.post(
        reverse("admin:guidance_section_add"),
        {"document": consultation.document_id, "major": 9, "minor": 0, "title": "Annex", "slug": "annex", "body": ""},
    )
    assert response.status_code == 200
    assert "Nothing was saved." in page_text(response) and "Next version" in page_text(response)
    assert not Section.objects.filter(title="Annex").exists()


def test_moving_or_renumbering_from_the_sections_page_after_the_close_is_refused(client, manager):
    consultation = consultation_that("has closed")
    document = consultation.document
    before = texts(document)
    section = document.sections.get(title="Next")
    moved = client.post(
        reverse("admin:guidance_document_section_move", args=[document.pk]), {"move": f"{section.pk} up"}, follow=True
    )
    assert "Nothing was changed." in page_text(moved)
    numbers = {
        f"number-{s.pk}": f"{s.major + 10}" if not s.minor else f"{s.major + 10}.{s.minor}"
        for s in document.sections.all()
    }
    renumbered = client.post(
        reverse("admin:guidance_document_section_numbers", args=[document.pk]),
        {"shown": ",".join(str(s.pk) for s in document.sections.all()), **numbers},
        follow=True,
    )
    assert "Nothing was changed." in page_text(renumbered)
    assert texts(document) == before


def test_the_sections_page_says_what_the_record_holds_and_offers_only_what_is_allowed(client, manager):
    opened = consultation_that("is open")
    page = page_text(client.get(reverse("admin:guidance_document_sections", args=[opened.document_id])))
    assert "so its sections stay" in page
    assert ">Remove<" not in page
    assert "Move up" in page and "Save the new numbers" in page

    closed = consultation_that("has closed")
    page = page_text(client.get(reverse("admin:guidance_document_sections", args=[closed.document_id])))
    assert "The text consulted on stays as it was" in page
    assert reverse("admin:guidance_consultation_versions", args=[closed.pk]) in page
    for offered in ["Move up", "Save the new numbers", ">Remove<", "Add a section", 'name="number-']:
        assert offered not in page
    assert ">View<" in page

"""Renumbering and reordering all of a document's sections at once, from its Sections page: one form,
one box per section, checked as a whole. Numbers that swap are fine; numbers in conflict are refused
naming the sections concerned, at the top and beside each box, with nothing stored and never a
database error page."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from guidance.consultations import sections
from guidance.models import Consultation
from tests.factories import ConsultationFactory, DocumentFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def document():
    document = DocumentFactory(title="Draft guidance")
    for major, minor, title in [(1, 0, "Introduction"), (2, 0, "Power"), (2, 1, "Budgets"), (3, 0, "Next")]:
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


def send(client, document, **numbers):
    """Post the Sections page's numbers form: every section's box, with `numbers` by title."""
    shown = list(document.sections.all())
    data = {"shown": ",".join(str(s.pk) for s in shown)}
    for section in shown:
        data[f"number-{section.pk}"] = numbers.get(section.title, section.number)
    return client.post(reverse("admin:guidance_document_section_numbers", args=[document.pk]), data, follow=True)


def test_the_sections_page_has_a_box_for_each_sections_number_in_one_form(client, manager, document):
    html = client.get(reverse("admin:guidance_document_sections", args=[document.pk])).content.decode()
    budgets = document.sections.get(title="Budgets")
    assert f'name="number-{budgets.pk}"' in html and 'value="2.1"' in html
    assert html.count('form="section-numbers"') == 4
    assert "New number of “Budgets”, now 2.1" in html
    assert '<input type="submit" class="default" value="Save the new numbers">' in html


def test_sections_swap_and_reorder_in_one_save(client, manager, document):
    page = send(client, document, Power="3", Budgets="3.1", Next="2")
    assert "Saved the new numbers of 3 sections." in page.content.decode()
    assert order(document) == [("1", "Introduction"), ("2", "Next"), ("3", "Power"), ("3.1", "Budgets")]


def test_a_sub_section_can_become_a_section_and_a_section_a_sub_section(client, manager, document):
    send(client, document, Budgets="4", Next="1.1")
    assert order(document) == [("1", "Introduction"), ("1.1", "Next"), ("2", "Power"), ("4", "Budgets")]


def test_sending_the_same_numbers_changes_nothing_and_says_so(client, manager, document):
    page = send(client, document)
    assert "No number was changed." in page.content.decode()
    assert order(document) == [("1", "Introduction"), ("2", "Power"), ("2.1", "Budgets"), ("3", "Next")]


def test_two_sections_given_one_number_are_both_named_and_nothing_is_stored(client, manager, document):
    page = send(client, document, Power="3")
    html = page.content.decode()
    assert page.status_code == 400
    message = "“Power” (now 2) and “Next” (now 3) would both be 3: give each its own number."
    assert "The numbers were not saved" in html
    # In the summary, linked to the first box concerned, and beside each of the two boxes.
    power, nxt = document.sections.get(title="Power"), document.sections.get(title="Next")
    assert f'<a href="#id_number-{power.pk}">{message}</a>' in html
    assert html.count(message) == 3
    assert f'aria-describedby="numbers-hint id_number-{nxt.pk}-error" aria-invalid="true"' in html
    # What was typed comes back as typed.
    assert f'name="number-{power.pk}" id="id_number-{power.pk}" value="3"' in html
    assert order(document) == [("1", "Introduction"), ("2", "Power"), ("2.1", "Budgets"), ("3", "Next")]


def test_a_sub_section_without_its_section_is_refused_naming_it(client, manager, document):
    page = send(client, document, Power="5", Budgets="2.1")
    html = page.content.decode()
    assert page.status_code == 400
    assert "“Budgets” (now 2.1) would be sub-section 2.1, but no section would be 2" in html
    assert order(document)[1] == ("2", "Power")


@pytest.mark.parametrize("typed", ["", "two", "2.0", "0", "2.1.1", "1000", "٣"])
def test_a_number_that_is_not_one_is_refused_with_nothing_stored(client, manager, document, typed):
    page = send(client, document, Next=typed)
    assert page.status_code == 400
    assert "“Next”" in page.content.decode()
    assert order(document)[-1] == ("3", "Next")


def test_sections_added_since_the_page_was_shown_stop_the_save(client, manager, document):
    shown = list(document.sections.all())
    data = {"shown": ",".join(str(s.pk) for s in shown), **{f"number-{s.pk}": s.number for s in shown}}
    data[f"number-{shown[-1].pk}"] = "9"
    SectionFactory(document=document, major=4, title="Added meanwhile")
    page = client.post(reverse("admin:guidance_document_section_numbers", args=[document.pk]), data)
    assert page.status_code == 400
    assert "Sections were added or removed since the numbers were typed" in page.content.decode()
    assert document.sections.get(title="Next").number == "3"


def test_the_domain_function_refuses_a_conflicting_set_as_a_whole():
    document = DocumentFactory()
    one, two = SectionFactory(document=document, major=1), SectionFactory(document=document, major=2)
    with pytest.raises(sections.NumbersRefused) as refused:
        sections.renumber(document, {one.pk: (3, 0), two.pk: (3, 0)})
    assert refused.value.problems[0].section_ids == (one.pk, two.pk)
    assert [s.major for s in document.sections.all()] == [1, 2]
    assert sections.renumber(document, {one.pk: (2, 0), two.pk: (1, 0)}) == 2
    assert [s.pk for s in document.sections.all()] == [two.pk, one.pk]


def test_an_open_consultations_sections_are_renumbered_and_its_pages_renewed(client, manager):
    consultation = ConsultationFactory(publication=Consultation.Publication.PUBLISHED)
    one = SectionFactory(document=consultation.document, major=1, title="One")
    two = SectionFactory(document=consultation.document, major=2, title="Two")
    version = consultation.content_version
    send(client, consultation.document, One="2", Two="1")
    assert [s.pk for s in consultation.document.sections.all()] == [two.pk, one.pk]
    consultation.refresh_from_db()
    assert consultation.content_version > version


def test_one_sections_number_already_taken_names_the_section_that_has_it(client, manager, document):
    section = document.sections.get(title="Next")
    page = client.post(
        reverse("admin:guidance_section_change", args=[section.pk]),
        {"document": document.pk, "major": 2, "minor": 1, "title": "Next", "slug": "next", "body": ""},
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Section 2.1 already exists: “Budgets”." in html
    assert "renumber all the sections at once" in html
    assert "Document, Major and Minor" not in html
    assert document.sections.get(title="Next").number == "3"

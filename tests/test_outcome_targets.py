"""What was done ("we did") is always about this consultation's own things: a section of the
document it consulted on, one of its questions, themes or comments. Their titles are shown on its
public outcome page, so an outcome on another consultation's would publish them there. The rule
is the model's (Outcome.clean, and Outcome.save for a writer that does not clean), so it holds
however an outcome is written: the consultation's admin page, "You said, we did", a command."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment, Consultation, Outcome
from guidance.outcomes import replies
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    DocumentFactory,
    QuestionFactory,
    SectionFactory,
    ThemeFactory,
)
from tests.journey_helpers import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(consultation, section, question):
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()
    return consultation


@pytest.fixture
def elsewhere():
    """Another consultation, with a section, a question, a theme and a published comment of its own."""
    other = ConsultationFactory(title="Another consultation")
    section = SectionFactory(document=other.document, title="Elsewhere section")
    return {
        "section": section,
        "question": QuestionFactory(consultation=other, text="Elsewhere question?"),
        "theme": ThemeFactory(consultation=other, name="Elsewhere theme"),
        "comment": publish(CommentFactory(section=section, text="Elsewhere comment.")),
    }


MESSAGES = {
    "section": "This section is not in the version of the document consulted on.",
    "question": "This question belongs to another consultation.",
    "theme": "This theme belongs to another consultation.",
    "comment": "This comment was made on another consultation.",
}


@pytest.mark.parametrize("target", ["section", "question", "theme", "comment"])
def test_the_model_refuses_a_target_of_another_consultation_when_cleaned(closed, elsewhere, target):
    outcome = Outcome(consultation=closed, **{target: elsewhere[target]}, kind="covered", text="Words.")
    with pytest.raises(ValidationError) as refused:
        outcome.full_clean()
    assert refused.value.message_dict == {target: [MESSAGES[target]]}


@pytest.mark.parametrize("target", ["section", "question", "theme", "comment"])
def test_an_outcome_saved_without_cleaning_is_refused_too_and_nothing_is_stored(closed, elsewhere, target):
    with pytest.raises(ValidationError, match=MESSAGES[target]):
        Outcome.objects.update_or_create(consultation=closed, **{target: elsewhere[target]}, defaults={"text": "W."})
    assert not Outcome.objects.exists()


def test_an_outcome_on_this_consultations_own_things_is_stored(closed, section, question):
    theme = ThemeFactory(consultation=closed)
    comment = publish(CommentFactory(section=section))
    for target in [{"section": section}, {"question": question}, {"theme": theme}, {"comment": comment}]:
        Outcome(consultation=closed, **target, kind="covered", text="Words.").full_clean()
        Outcome.objects.create(consultation=closed, **target, kind="covered", text="Words.")
    assert Outcome.objects.count() == 4


@pytest.mark.parametrize("target", ["section", "theme", "comment"])
def test_you_said_we_did_refuses_a_target_of_another_consultation(closed, elsewhere, target):
    with pytest.raises(ValidationError, match=MESSAGES[target]):
        replies.write_outcome(closed, **{target: elsewhere[target]}, kind="covered", text="Words.", by=None)
    assert not Outcome.objects.exists()


# The consultation's admin page (its Outcomes inline).


def change_url(consultation):
    return reverse("admin:guidance_consultation_change", args=[consultation.pk])


def page_data(consultation, **outcome):
    data = {
        "document": consultation.document_id,
        "title": consultation.title,
        "slug": consultation.slug,
        "organisation": consultation.organisation,
        "summary": consultation.summary,
        "opens_at_0": "01/01/2025",
        "opens_at_1": "09:00",
        "closes_at_0": "01/03/2025",
        "closes_at_1": "23:59",
        "retention_months": 12,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
        "outcomes-TOTAL_FORMS": 1,
        "outcomes-INITIAL_FORMS": 0,
        "outcomes-0-consultation": consultation.pk,
        "outcomes-0-kind": "changed",
        "outcomes-0-text": "We did this.",
    }
    data.update({f"outcomes-0-{name}": value for name, value in outcome.items()})
    return data


def test_the_outcomes_on_the_consultations_page_offer_only_its_own_sections_and_questions(
    admin_client, closed, section, question, elsewhere
):
    page = admin_client.get(change_url(closed))
    form = page.context["inline_admin_formsets"][1].formset.empty_form
    assert list(form.fields["section"].queryset) == [section]
    assert list(form.fields["question"].queryset) == [question]
    html = page.content.decode()
    assert "Elsewhere section" not in html and "Elsewhere question?" not in html


@pytest.mark.parametrize("target", ["section", "question"])
def test_the_consultations_page_refuses_an_outcome_on_another_consultations_section_or_question(
    admin_client, closed, elsewhere, target
):
    page = admin_client.post(change_url(closed), page_data(closed, **{target: elsewhere[target].pk}))
    assert page.status_code == 200
    assert "Select a valid choice." in page.content.decode()
    assert not Outcome.objects.exists()


def test_the_consultations_page_refuses_to_move_it_to_another_document_under_its_section_outcomes(
    admin_client, closed, section
):
    """The rule itself, not only the choices: the section was this consultation's when chosen."""
    other_document = DocumentFactory(title="Another draft")
    data = page_data(closed, section=section.pk)
    data["document"] = other_document.pk
    page = admin_client.post(change_url(closed), data)
    assert page.status_code == 200
    assert MESSAGES["section"] in page.content.decode()
    assert not Outcome.objects.exists()
    assert Consultation.objects.get(pk=closed.pk).document_id == section.document_id


def test_the_consultations_page_still_writes_an_outcome_on_its_own_section(admin_client, closed, section):
    page = admin_client.post(change_url(closed), page_data(closed, section=section.pk))
    assert page.status_code == 302
    assert Outcome.objects.get().section == section
    assert Comment.objects.count() == 0

"""What was done ("we did") is always about this consultation's own things: a section of the
document it consulted on, one of its questions, themes or comments. Their titles are shown on its
public outcome page, so an outcome on another consultation's would publish them there. The rule
is the model's (Outcome.clean, and Outcome.save for a writer that does not clean), so it holds
however an outcome is written: "You said, we did" (its page refuses a post naming another
consultation's, and the write functions do too), a command. The consultation's settings page writes
no outcome."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from guidance.models import Outcome
from guidance.outcomes import replies
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    QuestionFactory,
    SectionFactory,
    ThemeFactory,
)
from tests.form_helpers import form_data
from tests.journey_helpers import publish

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize("target", ["section", "question", "theme", "comment"])
def test_the_write_function_refuses_a_target_of_another_consultation_and_stores_nothing(closed, elsewhere, target):
    with pytest.raises(ValidationError, match=MESSAGES[target]):
        replies.write_outcome(closed, **{target: elsewhere[target]}, kind="covered", text="Words.", by=None)
    with pytest.raises(ValidationError, match=MESSAGES[target]):
        replies.remove_outcome(closed, **{target: elsewhere[target]})
    assert not Outcome.objects.exists()


@pytest.mark.parametrize("target", ["section", "question", "theme"])
def test_saving_the_page_refuses_it_too_with_the_rest_and_stores_nothing(closed, section, elsewhere, target):
    blocks = [
        replies.Block(target={"section": section}, text="Our own section."),
        replies.Block(target={target: elsewhere[target]}, kind="covered", text="Words."),
    ]
    with pytest.raises(replies.Refused) as refused:
        replies.save_outcomes(closed, blocks, by=None)
    assert list(refused.value.errors) == [1]
    assert refused.value.errors[1].messages == [MESSAGES[target]]
    assert not Outcome.objects.exists()


# The "You said, we did" page: what it offers and what it accepts.


def overview_url(consultation):
    return reverse("admin:guidance_consultation_replies", args=[consultation.pk])


@pytest.fixture
def twins(closed, section, question, elsewhere):
    """Two consultations whose documents both have "1. Introduction" and whose questions both have
    a Q3, so that only their ids tell them apart."""
    ours = SectionFactory(document=closed.document, major=9, title="Introduction")
    theirs = SectionFactory(document=elsewhere["section"].document, major=9, title="Introduction")
    return {
        "ours": {"section": ours, "question": QuestionFactory(consultation=closed, position=3)},
        "theirs": {
            "section": theirs,
            "question": QuestionFactory(consultation=elsewhere["question"].consultation, position=3),
        },
    }


def test_the_page_offers_only_this_consultations_sections_questions_and_themes(admin_client, closed, twins, elsewhere):
    ThemeFactory(consultation=closed, name="Our theme")
    page = admin_client.get(overview_url(closed))
    offered = form_data(page)["block"]
    ours = {f"section-{pk}" for pk in closed.document.sections.values_list("pk", flat=True)} | {
        f"question-{pk}" for pk in closed.questions.values_list("pk", flat=True)
    }
    ours |= {f"theme-{pk}" for pk in closed.themes.values_list("pk", flat=True)}
    assert set(offered) == ours | {"overall"}
    assert len(offered) == len(set(offered))
    shown = page.content.decode()
    assert shown.count("9. Introduction") == 1 and shown.count("Q3.") == 1
    for name in ["Elsewhere section", "Elsewhere question?", "Elsewhere theme"]:
        assert name not in shown


@pytest.mark.parametrize("target", ["section", "question", "theme"])
def test_the_page_refuses_a_post_naming_another_consultations_target_and_stores_nothing(
    admin_client, closed, section, elsewhere, target
):
    theirs = f"{target}-{elsewhere[target].pk}"
    data = form_data(admin_client.get(overview_url(closed)), {f"section-{section.pk}-text": "Our own words."})
    data["block"].append(theirs)
    data.update({f"{theirs}-kind": ["covered"], f"{theirs}-text": ["Smuggled in."]})
    refused = admin_client.post(overview_url(closed), data)
    assert refused.status_code == 400
    page = html.unescape(refused.content.decode())
    assert "Nothing was saved" in page
    assert f"names something that is not one of this consultation's sections, questions or themes ({theirs})" in page
    assert "Our own words.</textarea>" in page  # what was typed in our own block is kept
    assert not Outcome.objects.exists()


def test_the_same_title_in_another_consultation_is_never_confused_with_ours(admin_client, closed, twins):
    data = form_data(
        admin_client.get(overview_url(closed)),
        {
            f"section-{twins['ours']['section'].pk}-text": "Our introduction.",
            f"question-{twins['ours']['question'].pk}-text": "Our Q3.",
        },
    )
    assert admin_client.post(overview_url(closed), data).status_code == 302
    assert Outcome.objects.get(section__title="Introduction").section == twins["ours"]["section"]
    assert Outcome.objects.get(question__position=3).question == twins["ours"]["question"]
    assert (
        not Outcome.objects.filter(consultation=closed)
        .exclude(section=twins["ours"]["section"])
        .exclude(question=twins["ours"]["question"])
    )


def test_the_consultations_settings_page_offers_no_outcomes_block(admin_client, closed, section):
    page = admin_client.get(reverse("admin:guidance_consultation_change", args=[closed.pk]))
    assert [formset.formset.prefix for formset in page.context["inline_admin_formsets"]] == ["questions"]
    assert 'name="outcome"' not in page.content.decode()

"""Searching and filtering a consultation's published responses: each filter alone and together,
the search, the count beside each choice, nothing unpublished ever found or counted, and a value
the page does not offer refused with a message, never a server error."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from guidance.consultations.publishing import publish_outcome
from guidance.models import Comment, CommentQuerySet, Question, Response
from guidance.moderation.decisions import decide
from guidance.public.pages import PUBLISHED_PER_PAGE
from guidance.responses import answers
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, ThemeFactory
from tests.journey_helpers import publish, section_url

pytestmark = pytest.mark.django_db

KNOWN = {
    "pay-time": "Payment for time matters",
    "training": "Training budget is needed",
    "pay-prompt": "Payment should be prompt",
    "q1": "An answer about training",
    "yes": "Yes, because payment helps",
    "no": "No, not at all",
}
UNPUBLISHED = "Secret payment words"


@pytest.fixture
def choice_question(consultation):
    question = QuestionFactory(consultation=consultation, position=2, kind=Question.Kind.ONE_CHOICE)
    answers.set_options(question, ["Yes", "No"])
    return question


def comment(target, text, respondent_type="public", consent="anonymous", name="", option=None):
    details = {"response__respondent_type": respondent_type, "response__consent": consent, "response__name": name}
    if isinstance(target, Question):
        made = CommentFactory(section=None, question=target, text=text, **details)
    else:
        made = CommentFactory(section=target, text=text, **details)
    if option is not None:
        made.options.add(option)
    return made


@pytest.fixture
def known(consultation, section, second_section, question, choice_question):
    """Six published comments, a theme on two of them, and one of every kind never published: each
    unpublished one on the first section, by a researcher, with the first answer and the theme."""
    yes, no = choice_question.options.all()
    money = ThemeFactory(consultation=consultation, name="Money")
    made = {
        "pay-time": comment(section, KNOWN["pay-time"], consent="named", name="Ann Named"),
        "training": comment(section, KNOWN["training"], respondent_type="researcher", name="Hidden Person"),
        "pay-prompt": comment(second_section, KNOWN["pay-prompt"], respondent_type="patient"),
        "q1": comment(question, KNOWN["q1"]),
        "yes": comment(choice_question, KNOWN["yes"], respondent_type="carer", option=yes),
        "no": comment(choice_question, KNOWN["no"], option=no),
    }
    for made_comment in made.values():
        publish(made_comment)
    made["pay-time"].themes.add(money)
    made["pay-prompt"].themes.add(money)
    hidden = [comment(section, UNPUBLISHED, "researcher") for _ in range(4)]
    for status, unpublished in zip(["pending", "rejected", "spam", "withdrawn"], hidden, strict=True):
        Comment.objects.filter(pk=unpublished.pk).update(status=status)
    private = publish(comment(section, UNPUBLISHED, "researcher", consent="private", name="Private Person"))
    private_answer = publish(comment(choice_question, UNPUBLISHED, "researcher", consent="private", option=yes))
    for unpublished in [*hidden, private, private_answer]:
        unpublished.themes.add(money)
    return {"comments": made, "yes": yes, "no": no, "money": money}


def published_url(consultation, **params):
    url = reverse("guidance:published", args=[consultation.slug])
    return url + ("?" + "&".join(f"{name}={value}" for name, value in params.items()) if params else "")


def results(client, consultation, status=200, **params):
    """The results part of the page."""
    page = client.get(published_url(consultation, **params))
    assert page.status_code == status
    html = page.content.decode()
    return html[html.index('id="results"') :]


def found(client, consultation, **params):
    """Which of the known comments the page lists."""
    html = results(client, consultation, **params)
    assert UNPUBLISHED not in html
    return {key for key, text in KNOWN.items() if text in html}


def count_beside(client, consultation, name, label, **params):
    """The count the filter `name` shows beside its choice `label`."""
    html = client.get(published_url(consultation, **params)).content.decode()
    select = html[html.index(f'name="{name}"') :]
    select = select[: select.index("</select>")]
    return int(re.search(re.escape(label) + r" \((\d+)\)</option>", select)[1])


def close_and_publish_outcome(consultation):
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.outcome = "We heard you."
    consultation.save()
    publish_outcome(consultation, by=None)


def test_with_no_filters_every_published_comment_is_listed_and_counted(client, consultation, known):
    html = results(client, consultation)
    assert "6 published comments</h2>" in html
    assert found(client, consultation) == set(KNOWN)


def test_each_filter_alone_finds_its_comments(client, consultation, known, section, question, choice_question):
    assert found(client, consultation, section=section.pk) == {"pay-time", "training"}
    assert found(client, consultation, question=question.pk) == {"q1"}
    assert found(client, consultation, question=choice_question.pk) == {"yes", "no"}
    assert found(client, consultation, option=known["yes"].pk) == {"yes"}
    assert found(client, consultation, respondent_type="researcher") == {"training"}
    assert found(client, consultation, respondent_type="patient") == {"pay-prompt"}


def test_filters_together_find_only_what_matches_them_all(client, consultation, known, section, choice_question):
    assert found(client, consultation, section=section.pk, respondent_type="public") == {"pay-time"}
    assert found(client, consultation, question=choice_question.pk, option=known["no"].pk) == {"no"}
    assert found(client, consultation, q="payment", section=section.pk) == {"pay-time"}
    assert found(client, consultation, q="payment", option=known["yes"].pk, respondent_type="carer") == {"yes"}
    assert found(client, consultation, q="payment", respondent_type="researcher") == set()
    html = results(client, consultation, section=section.pk, respondent_type="carer")
    assert "0 published comments found</h2>" in html
    assert "No published comments match your search and filters." in html


def test_the_search_finds_the_words_in_published_comments_only(client, consultation, known):
    assert found(client, consultation, q="payment") == {"pay-time", "pay-prompt", "yes"}
    assert found(client, consultation, q="training") == {"training", "q1"}
    assert found(client, consultation, q="secret") == set()
    html = results(client, consultation, q="payment")
    assert "3 published comments found</h2>" in html
    # Ranked results come from anywhere: each says what it is on.
    assert "On section 2: Power" in html


def test_each_choice_shows_how_many_comments_it_would_find_counting_only_published_ones(
    client, consultation, known, section, second_section, question, choice_question
):
    assert count_beside(client, consultation, "section", "Section 1: Reciprocity") == 2
    assert count_beside(client, consultation, "section", "Section 2: Power") == 1
    assert count_beside(client, consultation, "question", f"Q1: {question.text}") == 1
    assert count_beside(client, consultation, "question", f"Q2: {choice_question.text}") == 2
    assert count_beside(client, consultation, "respondent_type", "Member of the public") == 3
    assert count_beside(client, consultation, "respondent_type", "Researcher") == 1
    assert count_beside(client, consultation, "respondent_type", "Carer") == 1
    # With the other filters as they are: the search, and the section chosen.
    assert count_beside(client, consultation, "section", "Section 1: Reciprocity", q="payment") == 1
    assert count_beside(client, consultation, "respondent_type", "Researcher", section=section.pk) == 1
    assert count_beside(client, consultation, "respondent_type", "Patient or service user", section=section.pk) == 0
    # The answers are offered, counted, once their question is chosen.
    page = client.get(published_url(consultation)).content.decode()
    assert 'name="option"' not in page
    assert count_beside(client, consultation, "option", "Yes", question=choice_question.pk) == 1
    assert count_beside(client, consultation, "option", "No", question=choice_question.pk) == 1


@pytest.mark.parametrize("status", ["pending", "rejected", "spam", "withdrawn"])
def test_a_comment_not_approved_is_never_found_or_counted(client, consultation, section, status):
    unpublished = CommentFactory(section=section, text=UNPUBLISHED)
    Comment.objects.filter(pk=unpublished.pk).update(status=status)
    publish(CommentFactory(section=section, text="Published words"))
    for params in [{}, {"q": "secret"}, {"section": section.pk}, {"respondent_type": "public"}]:
        html = client.get(published_url(consultation, **params)).content.decode()
        assert UNPUBLISHED not in html
    assert count_beside(client, consultation, "section", "Section 1: Reciprocity") == 1
    assert count_beside(client, consultation, "section", "Section 1: Reciprocity", q="secret") == 0
    assert count_beside(client, consultation, "respondent_type", "Member of the public") == 1


def test_a_comment_its_writer_asked_us_not_to_publish_is_never_found_and_a_name_shows_only_when_agreed(
    client, consultation, known, section, choice_question
):
    for params in [{}, {"q": "secret"}, {"q": "payment"}, {"section": section.pk}, {"option": known["yes"].pk}]:
        html = client.get(published_url(consultation, **params)).content.decode()
        assert UNPUBLISHED not in html
        assert "Private Person" not in html
        assert "Hidden Person" not in html
    html = results(client, consultation, q="payment")
    assert "Ann Named" in html
    assert "Anonymous" in html
    assert count_beside(client, consultation, "option", "Yes", question=choice_question.pk) == 1


def test_themes_are_offered_only_once_the_outcome_is_published(client, consultation, known):
    money = known["money"]
    page = client.get(published_url(consultation)).content.decode()
    assert 'name="theme"' not in page
    refused = client.get(published_url(consultation, theme=money.pk))
    assert refused.status_code == 400
    assert "Comments can be filtered by theme once the outcome is published" in refused.content.decode()
    assert KNOWN["pay-time"] not in refused.content.decode()
    close_and_publish_outcome(consultation)
    assert found(client, consultation, theme=money.pk) == {"pay-time", "pay-prompt"}
    assert found(client, consultation, theme=money.pk, q="prompt") == {"pay-prompt"}
    assert count_beside(client, consultation, "theme", "Money") == 2


def test_a_theme_of_another_consultation_is_refused(client, consultation, known):
    close_and_publish_outcome(consultation)
    elsewhere = ThemeFactory(consultation=ConsultationFactory(), name="Elsewhere")
    assert client.get(published_url(consultation, theme=elsewhere.pk)).status_code == 400


@pytest.mark.parametrize(
    "params, message",
    [
        ({"section": "abc"}, "Choose a section from the list"),
        ({"section": "99999"}, "Choose a section from the list"),
        ({"section": "\u00b2"}, "Choose a section from the list"),
        ({"section": "-1"}, "Choose a section from the list"),
        ({"section": "9" * 40}, "Choose a section from the list"),
        ({"question": "1.5"}, "Choose a question from the list"),
        ({"option": "99999"}, "Choose an answer from the list"),
        ({"respondent_type": "king"}, "Choose a kind of respondent from the list"),
        ({"theme": "abc"}, "Comments can be filtered by theme once the outcome is published"),
        ({"q": "x" * 201}, "Search for 200 characters or fewer"),
        ({"q": "pay%00ment"}, "Remove the hidden control characters from your search"),
    ],
)
def test_a_value_the_page_does_not_offer_is_a_400_saying_so(client, consultation, known, params, message):
    page = client.get(published_url(consultation, **params))
    assert page.status_code == 400
    html = page.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert "<title>Error: Published responses" in html
    assert "Clear filters" in html
    assert not any(text in html for text in KNOWN.values())


def test_an_answer_of_another_question_is_a_400_naming_the_question(client, consultation, known, question):
    page = client.get(published_url(consultation, question=question.pk, option=known["yes"].pk))
    assert page.status_code == 400
    assert "Choose one of the answers to Q1" in page.content.decode()


def test_a_section_of_another_consultation_is_refused(client, consultation, known):
    other = ConsultationFactory()
    elsewhere = publish(CommentFactory(section__document=other.document, text="Elsewhere"))
    assert client.get(published_url(consultation, section=elsewhere.section_id)).status_code == 400


def test_the_filters_stay_in_the_address_of_every_page_of_results(client, consultation, section):
    for n in range(PUBLISHED_PER_PAGE + 1):
        publish(CommentFactory(section=section, text=f"Payment {n}"))
    html = results(client, consultation, q="payment", section=section.pk)
    assert "51 published comments found</h2>" in html
    assert f'href="?q=payment&amp;section={section.pk}&amp;page=2"' in html
    second = results(client, consultation, q="payment", section=section.pk, page=2)
    assert "Showing 51 to 51" in second


def test_the_form_shows_what_was_asked_and_clears_it(client, consultation, known, section):
    html = client.get(published_url(consultation, q="payment", section=section.pk)).content.decode()
    assert 'name="q" type="search" value="payment"' in html
    assert f'<option value="{section.pk}" selected>' in html
    assert f'href="{published_url(consultation)}">Clear filters</a>' in html
    assert "Apply filters" in html
    assert "Clear filters" not in client.get(published_url(consultation)).content.decode()


def test_without_published_comments_the_page_says_so_and_offers_no_filters(client, consultation, section):
    html = client.get(published_url(consultation)).content.decode()
    assert "No responses have been published yet." in html
    assert "Apply filters" not in html


def test_the_section_page_links_to_its_own_published_comments(client, consultation, section, known):
    html = client.get(section_url(section, consultation)).content.decode()
    link = f'href="{published_url(consultation, section=section.pk)}">Read published comments on this section</a>'
    assert link in html
    assert found(client, consultation, section=section.pk) == {"pay-time", "training"}


def test_every_kind_of_respondent_is_offered_with_its_count(client, consultation, known):
    html = client.get(published_url(consultation)).content.decode()
    for label in Response.RespondentType.labels:
        assert f"{label} (" in html


@pytest.mark.parametrize("q", ['"', "-", "or", "a:*", "'", "!(&|)", "%25", "\u202e", "payment -prompt", '"for time"'])
def test_any_search_typed_is_answered_never_a_server_error(client, consultation, known, q):
    assert client.get(published_url(consultation, q=q)).status_code == 200


def test_a_section_and_a_question_together_find_the_sections_comments_by_people_who_gave_that_answer(
    client, consultation, section, second_section, choice_question
):
    """ "Every published comment on payment in section 3 that answered Q1 'Partly'": the section's
    comments whose writers' published answer to the question chose that option."""
    yes, no = choice_question.options.all()

    def person(section_text, option, answer_status="approved"):
        on_section = publish(CommentFactory(section=section, text=section_text))
        answer = CommentFactory(response=on_section.response, section=None, question=choice_question, text="")
        answer.options.add(option)
        publish(answer)
        Comment.objects.filter(pk=answer.pk).update(status=answer_status)
        return on_section

    person("Payment said yes", yes)
    person("Payment said no", no)
    person("Payment with a pending yes", yes, answer_status="pending")
    publish(CommentFactory(section=second_section, text="Payment elsewhere"))

    page = client.get(
        published_url(consultation, q="payment", section=section.pk, question=choice_question.pk, option=yes.pk)
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "1 published comment found" in text
    assert "Payment said yes" in text
    for other in ["Payment said no", "Payment with a pending yes", "Payment elsewhere"]:
        assert other not in text
    assert f"Comments on section {section.number} by people who answered {choice_question.number} “Yes”" in text

    # The section filter's counts say what each section would find with the question and answer.
    counted = client.get(published_url(consultation, question=choice_question.pk, option=yes.pk)).content.decode()
    assert re.search(rf"Section {section.number}: {re.escape(section.title)} \(1\)", counted)


def test_a_search_with_more_matches_than_are_ranked_says_it_lists_them_newest_first(
    client, consultation, known, monkeypatch
):
    # "payment" matches three published comments.
    assert "Best match first." in client.get(published_url(consultation, q="payment")).content.decode()
    monkeypatch.setattr(CommentQuerySet, "SEARCH_RANKED_AT_MOST", 2)
    page = client.get(published_url(consultation, q="payment")).content.decode()
    assert "Newest first." in page and "Best match" not in page


def test_a_decision_shows_at_once_in_every_count_of_a_filtered_page(client, consultation, known, section, moderator):
    # Counted once and kept until something the public pages show changes: a decision does.
    assert count_beside(client, consultation, "respondent_type", "Researcher", section=section.pk) == 1
    assert "2 published comments found" in results(client, consultation, section=section.pk)
    waiting = comment(section, "Researchers need paying too", respondent_type="researcher")
    decide(Comment.objects.filter(pk=waiting.pk), Comment.Status.APPROVED, by=moderator)
    assert count_beside(client, consultation, "respondent_type", "Researcher", section=section.pk) == 2
    assert "3 published comments found" in results(client, consultation, section=section.pk)
    decide(Comment.objects.filter(pk=waiting.pk), Comment.Status.PENDING, by=moderator)  # reopened
    assert count_beside(client, consultation, "respondent_type", "Researcher", section=section.pk) == 1
    assert "Researchers need paying too" not in results(client, consultation, section=section.pk)


def test_a_section_and_an_answer_list_page_after_page_newest_first(client, consultation, section, choice_question):
    yes, no = choice_question.options.all()
    start = timezone.now() - datetime.timedelta(days=1)
    people = PUBLISHED_PER_PAGE * 3 // 2 + 3  # two in three answered Yes: more than a page of them
    for n in range(people):
        option = no if n % 3 == 0 else yes
        on_section = publish(CommentFactory(section=section, text=f"Said {option.label} number {n:03}"))
        Comment.objects.filter(pk=on_section.pk).update(created_at=start + datetime.timedelta(minutes=n))
        answer = CommentFactory(response=on_section.response, section=None, question=choice_question, text="")
        answer.options.add(option)
        publish(answer)
    said_yes = [f"Said Yes number {n:03}" for n in reversed(range(people)) if n % 3]
    params = {"section": section.pk, "question": choice_question.pk, "option": yes.pk}

    first = results(client, consultation, **params)
    second = results(client, consultation, page=2, **params)
    assert f"{len(said_yes)} published comments found" in first
    listed = re.findall(r"Said \w+ number \d{3}", first) + re.findall(r"Said \w+ number \d{3}", second)
    assert len(said_yes) > PUBLISHED_PER_PAGE
    assert listed == said_yes
    assert "Said No" not in first + second


def test_counts_kept_from_one_page_are_those_each_page_would_count_afresh(
    client, consultation, known, section, second_section, choice_question
):
    from django.core.cache import caches

    yes = known["yes"]
    asked = [
        {"q": "payment"},
        {"q": "payment", "section": section.pk},
        {"q": "payment", "section": second_section.pk},
        {"question": choice_question.pk},
        {"question": choice_question.pk, "option": yes.pk},
        {"section": section.pk, "question": choice_question.pk, "option": yes.pk},
        {"section": section.pk, "question": choice_question.pk},
        {"respondent_type": "carer"},
        {"respondent_type": "carer", "question": choice_question.pk},
    ]

    def choices_shown(params):
        html = client.get(published_url(consultation, **params)).content.decode()
        return re.findall(r"<option[^>]*>[^<]*</option>", html), re.search(r'id="results">([^<]*)<', html)[1]

    one_after_another = [choices_shown(params) for params in asked]
    afresh = []
    for params in asked:
        caches["fragments"].clear()
        afresh.append(choices_shown(params))
    assert one_after_another == afresh
    assert any("(1)" in option for options, _ in afresh for option in options)


def test_a_page_viewed_again_lists_the_same_comments_and_a_decision_on_one_takes_it_off_at_once(
    client, consultation, known, moderator
):
    # Which comments a page lists is kept until what the public sees changes: a decision does.
    assert found(client, consultation, q="payment") == {"pay-time", "pay-prompt", "yes"}
    assert found(client, consultation, q="payment") == {"pay-time", "pay-prompt", "yes"}
    pay_time = Comment.objects.filter(pk=known["comments"]["pay-time"].pk)
    decide(pay_time, Comment.Status.PENDING, by=moderator)  # reopened
    assert found(client, consultation, q="payment") == {"pay-prompt", "yes"}

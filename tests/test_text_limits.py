"""No text is cut short without a word. Every box people write in says its limit (and counts as they
type, with JavaScript); no box has a maxlength attribute, which would make the browser drop the end
of a paste; a text over its limit is refused with an error giving the limit and its length, and
comes back whole in its box to be shortened; nothing is stored meanwhile."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from guidance.models import Comment, Question, Report
from guidance.responses import answers
from tests.factories import QuestionFactory
from tests.journey_helpers import DETAILS, comment_data, publish, section_url

pytestmark = pytest.mark.django_db

PASTE = ("A long paste about payment. " * 500)[:12_000]
assert len(PASTE) == 12_000


@pytest.fixture
def asked(consultation):
    words = QuestionFactory(consultation=consultation, position=1, text="What is missing?")
    clear = QuestionFactory(
        consultation=consultation,
        position=2,
        text="Is it clear?",
        kind=Question.Kind.ONE_CHOICE,
        explain_label="Please explain",
    )
    answers.set_options(clear, ["Yes", "Partly", "No"], offers_other=True)
    return {"words": words, "clear": clear}


def box_value(page, name):
    """What the box called `name` holds on the page, as the browser will show it."""
    content = page.content.decode()
    textarea = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', content, re.S)
    if textarea:
        return html.unescape(textarea[1])
    return html.unescape(re.search(rf'<input type="text" name="{name}"[^>]*value="([^"]*)"', content)[1])


def has_maxlength_attribute(content):
    return re.search(r"<(input|textarea)[^>]*\smaxlength=", content) is not None


def test_a_12000_character_comment_is_refused_with_the_limit_and_kept_whole(client, consultation, section):
    page = client.post(section_url(section, consultation), comment_data(PASTE))
    assert page.status_code == 200
    content = page.content.decode()
    assert "There is a problem" in content
    assert "Your comment must be 10,000 characters or fewer: you have written 12,000." in content
    assert '<a href="#id_comment">' in content
    assert box_value(page, "comment") == PASTE
    assert "You can enter up to 10,000 characters" in content
    assert not has_maxlength_attribute(content)
    assert not Comment.objects.exists()


def test_line_breaks_count_as_one_character_as_the_person_counts_them(client, consultation, section):
    # 10,000 characters as written (and as the count shows them); 11,000 as the browser sends them.
    text = "x" * 4_500 + "\r\n" * 1_000 + "x" * 4_500
    page = client.post(section_url(section, consultation), comment_data(text))
    assert page.status_code == 302
    assert len(Comment.objects.get().text) == 11_000
    one_more = client.post(section_url(section, consultation), comment_data(text + "x"))
    assert "you have written 10,001" in one_more.content.decode()


@pytest.mark.parametrize(
    ("box", "value", "error"),
    [
        ("words", PASTE, "Your answer to question 1 must be 10,000 characters or fewer: you have written 12,000."),
        (
            "explanation",
            PASTE,
            "What you wrote under “Please explain” (question 2) must be 10,000 characters or fewer: "
            "you have written 12,000.",
        ),
        (
            "other",
            PASTE[:612],
            "Your other answer to question 2 must be 500 characters or fewer: you have written 612.",
        ),
    ],
)
def test_each_box_of_the_questions_form_refuses_too_much_with_its_limit_and_keeps_the_text(
    client, consultation, asked, box, value, error
):
    clear = asked["clear"]
    other = str(clear.options.get(label="Other").pk)
    name, data = {
        "words": (f"answer_{asked['words'].pk}", {}),
        "explanation": (f"answer_{clear.pk}_text", {f"answer_{clear.pk}": str(clear.options.get(label="Yes").pk)}),
        "other": (f"answer_{clear.pk}_other", {f"answer_{clear.pk}": other}),
    }[box]
    page = client.post(reverse("guidance:questions", args=[consultation.slug]), {**DETAILS, **data, name: value})
    assert page.status_code == 200
    content = page.content.decode()
    assert html.unescape(content).count(error) == 2  # in the summary and at the box
    assert f'<a href="#id_{name}">' in content
    assert box_value(page, name) == value
    assert not has_maxlength_attribute(content)
    assert not Comment.objects.exists()


def test_every_box_of_the_questions_form_says_its_limit(client, consultation, asked):
    content = client.get(reverse("guidance:questions", args=[consultation.slug])).content.decode()
    for name, limit in [
        (f"answer_{asked['words'].pk}", "10,000"),
        (f"answer_{asked['clear'].pk}_text", "10,000"),
        (f"answer_{asked['clear'].pk}_other", "500"),
    ]:
        assert re.search(
            rf'aria-describedby="id_{name}-info[^"]*"[^>]*>.*?<div id="id_{name}-info" '
            rf'class="govuk-hint govuk-character-count__message">You can enter up to {limit} characters</div>',
            content,
            re.S,
        )
    assert content.count('data-module="govuk-character-count"') == 3


def test_a_name_and_an_organisation_say_their_limit_and_keep_a_longer_one_to_shorten(client, consultation, section):
    form = client.get(section_url(section, consultation)).content.decode()
    assert "We only publish your name if you choose “Publish with my name” below. Up to 200 characters." in form
    assert "Only if you are responding on behalf of an organisation. Up to 200 characters." in form
    name, organisation = "Ann " * 60, "The Long Named Trust " * 12
    page = client.post(
        section_url(section, consultation),
        comment_data(name=name, organisation=organisation, respondent_type="organisation"),
    )
    content = html.unescape(page.content.decode())
    assert "Your name must be 200 characters or fewer: you have written 239." in content
    assert "The name of your organisation must be 200 characters or fewer: you have written 251." in content
    assert box_value(page, "name") == name
    assert box_value(page, "organisation") == organisation
    assert not Comment.objects.exists()


def test_changing_a_comment_refuses_too_much_with_the_limit_and_keeps_the_text(client, consultation, section):
    client.post(section_url(section, consultation), comment_data("Fine."))
    comment = Comment.objects.get()
    url = reverse("guidance:change_comment", args=[consultation.slug, comment.pk])
    assert "You can enter up to 10,000 characters" in client.get(url).content.decode()
    page = client.post(url, {"comment": PASTE})
    assert page.status_code == 400
    assert "Your comment must be 10,000 characters or fewer: you have written 12,000." in page.content.decode()
    assert box_value(page, "comment") == PASTE
    assert not has_maxlength_attribute(page.content.decode())
    assert Comment.objects.get().text == "Fine."


def test_changing_an_answer_refuses_too_much_with_the_limit_and_keeps_the_text(client, consultation, asked):
    words = asked["words"]
    client.post(reverse("guidance:questions", args=[consultation.slug]), {**DETAILS, f"answer_{words.pk}": "Short."})
    comment = Comment.objects.get()
    url = reverse("guidance:change_comment", args=[consultation.slug, comment.pk])
    page = client.post(url, {f"answer_{words.pk}": PASTE})
    assert page.status_code == 400
    assert "Your answer to question 1 must be 10,000 characters or fewer" in page.content.decode()
    assert box_value(page, f"answer_{words.pk}") == PASTE
    assert Comment.objects.get().text == "Short."


def test_a_report_refuses_too_many_details_with_the_limit_and_keeps_them(client, consultation, section):
    client.post(section_url(section, consultation), comment_data("Fine."))
    comment = publish(Comment.objects.get())
    page = Client().post(reverse("guidance:report_comment", args=[comment.pk]), {"reason": "other", "details": PASTE})
    content = page.content.decode()
    assert "Your details must be 10,000 characters or fewer: you have written 12,000. Shorten them" in content
    assert box_value(page, "details") == PASTE
    assert not Report.objects.exists()


def test_no_public_form_has_a_maxlength_attribute(client, consultation, section, asked):
    client.post(section_url(section, consultation), comment_data("Fine.", email="ann@example.org"))
    comment = publish(Comment.objects.get())
    slug = consultation.slug
    pages = [
        section_url(section, consultation),
        reverse("guidance:questions", args=[slug]),
        reverse("guidance:your_response", args=[slug]),
        reverse("guidance:change_comment", args=[slug, comment.pk]),
        reverse("guidance:response_choices", args=[slug]),
        reverse("guidance:lost_link", args=[slug]),
        reverse("guidance:report_comment", args=[comment.pk]),
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        content = page.content.decode()
        assert "<input" in content, url
        assert not has_maxlength_attribute(content), url
    # With the details remembered, and for a browser that has sent nothing.
    for fresh in [Client().get(pages[0]), Client().get(pages[1])]:
        assert not has_maxlength_attribute(fresh.content.decode())

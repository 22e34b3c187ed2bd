"""Small things a respondent meets: what the respondent type is for, an error about all the questions
shown on them all, what people write shown in its own direction, the accessibility statement, and
what the pages say of emails when the portal prints them (`make run`)."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from guidance.models import Comment, Question, QueuedEmail
from guidance.responses import answers
from tests.factories import QuestionFactory
from tests.journey_helpers import DETAILS, comment_data, publish, section_url

pytestmark = pytest.mark.django_db

TYPE_HINT = (
    "Choose the one that fits best. This helps us understand who has responded. "
    "It is shown beside your comment even when it is anonymous."
)


@pytest.fixture
def clear(consultation):
    question = QuestionFactory(
        consultation=consultation,
        position=1,
        text="Is the guidance clear?",
        kind=Question.Kind.ONE_CHOICE,
        explain_label="Please explain",
    )
    answers.set_options(question, ["Yes", "Partly", "No"], offers_other=True)
    return question


def questions_url(consultation):
    return reverse("guidance:questions", args=[consultation.slug])


def test_the_respondent_type_is_said_to_show_beside_an_anonymous_comment(client, consultation, section, clear):
    assert TYPE_HINT in client.get(section_url(section, consultation)).content.decode()
    assert TYPE_HINT in client.get(questions_url(consultation)).content.decode()


# "Answer at least one question" ----------------------------------------------------------------


def test_answering_nothing_is_an_error_on_the_questions_together_linked_to_the_first(client, consultation, clear):
    QuestionFactory(consultation=consultation, position=2, text="What is missing?")
    page = client.post(questions_url(consultation), DETAILS)
    content = page.content.decode()
    assert "<title>Error: Questions" in content
    # In the summary, linked to the first question's first radio button (there is no id_answer_N).
    assert f'<li><a href="#id_answer_{clear.pk}_1">Answer at least one question</a></li>' in content
    group = re.search(r'<div class="portal-answers portal-answers--error" id="your-answers">(.*)', content, re.S)
    assert group, "the questions are one group, marked as in error"
    assert re.match(
        r'\s*<h2 class="govuk-heading-m">Your answers</h2>\s*<p class="govuk-error-message" id="your-answers-error">'
        r'<span class="govuk-visually-hidden">Error:</span> Answer at least one question</p>',
        group[1],
    )
    # Not against question 1 alone.
    assert f"id_answer_{clear.pk}_1_error" not in content
    assert content.count("Answer at least one question") == 2
    assert not Comment.objects.exists()


def test_a_first_question_in_words_is_linked_to_its_box(client, consultation):
    words = QuestionFactory(consultation=consultation, position=1, text="What is missing?")
    content = client.post(questions_url(consultation), DETAILS).content.decode()
    assert f'<li><a href="#id_answer_{words.pk}">Answer at least one question</a></li>' in content


def test_the_group_shows_no_error_when_a_question_has_its_own(client, consultation, clear):
    other = str(clear.options.get(label="Other").pk)
    content = client.post(questions_url(consultation), {**DETAILS, f"answer_{clear.pk}": other}).content.decode()
    assert "Say what your other answer is" in content
    assert "Answer at least one question" not in content
    assert '<div class="portal-answers" id="your-answers">' in content


# dir="auto" ----------------------------------------------------------------------------------------


def boxes_without_direction(content):
    """The text boxes people write in that do not take the direction of what is written in them."""
    boxes = re.findall(r'<(?:textarea|input type="text")[^>]*name="(?!website)([^"]+)"[^>]*>', content)
    tags = re.findall(r'<(?:textarea|input type="text")[^>]*name="(?!website)[^"]+"[^>]*>', content)
    return [name for name, tag in zip(boxes, tags, strict=True) if 'dir="auto"' not in tag]


def test_every_box_people_write_in_takes_the_direction_of_their_writing(client, consultation, section, clear):
    QuestionFactory(consultation=consultation, position=2, text="What is missing?")
    for url in [section_url(section, consultation), questions_url(consultation)]:
        content = client.get(url).content.decode()
        assert "<textarea" in content
        assert boxes_without_direction(content) == []
    client.post(section_url(section, consultation), comment_data("Fine."))
    comment = publish(Comment.objects.get())
    change = reverse("guidance:change_comment", args=[consultation.slug, comment.pk])
    assert boxes_without_direction(client.get(change).content.decode()) == []
    report = reverse("guidance:report_comment", args=[comment.pk])
    assert boxes_without_direction(client.get(report).content.decode()) == []


RTL = "التوجيه واضح"


def test_what_people_wrote_is_shown_back_in_its_own_direction_everywhere(client, consultation, section):
    shown = f'dir="auto"><p>{RTL}</p>'
    page = client.post(section_url(section, consultation), comment_data(RTL, name="سارة"), follow=True)
    assert shown in page.content.decode()  # the confirmation
    assert shown in client.get(reverse("guidance:your_response", args=[consultation.slug])).content.decode()
    publish(Comment.objects.get())
    public = client.get(section_url(section, consultation)).content.decode()
    assert shown in public
    assert '<span dir="auto">سارة</span>' in public
    assert shown in client.get(reverse("guidance:published", args=[consultation.slug])).content.decode()
    client.force_login(User.objects.create_superuser("boss"))
    Comment.objects.update(status=Comment.Status.PENDING)
    screen = reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    assert 'class="moderation-text portal-answer__text" dir="auto"><p>' + RTL in client.get(screen).content.decode()
    queue = client.get(reverse("admin:guidance_comment_changelist")).content.decode()
    assert f'<span dir="auto">{RTL}</span>' in queue


# The accessibility statement ---------------------------------------------------------------------


def test_the_accessibility_statement_has_what_the_model_statement_asks_for(client):
    statement = client.get(reverse("guidance:accessibility")).content.decode()
    for words in [
        "This website is partially compliant with the",
        "Web Content Accessibility Guidelines version 2.2</a> AA standard, due to the non-compliances listed below.",
        "Non-accessible content",
        "Non-compliance with the accessibility regulations",
        "Supporting documents that an organisation attaches to a consultation",
        "Content that's not within the scope of the accessibility regulations",
        "This statement was prepared on 26 November 2026. It was last reviewed on 7 December 2026.",
        "The Equality and Human Rights Commission (EHRC) is responsible for enforcing",
        '<a class="govuk-link" href="https://www.equalityadvisoryservice.com/">contact the Equality Advisory and '
        "Support Service (EASS)</a>",
        "Equality Commission for Northern Ireland",
    ]:
        assert words in statement, words


# Emails printed where the portal runs (`make run`) -------------------------------------------------


@pytest.fixture
def printed(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def test_your_response_offers_a_link_and_says_it_is_printed_in_the_terminal(client, consultation, section, printed):
    client.post(section_url(section, consultation), comment_data("Fine."))
    page = client.get(reverse("guidance:your_response", args=[consultation.slug])).content.decode()
    assert "prints its emails in the terminal where it runs, instead of sending them: a link you ask for is" in page
    assert "not set up to send emails" not in page
    assert "Email me a link" in page
    asked = client.post(reverse("guidance:email_link", args=[consultation.slug]), {"email": ""}, follow=True)
    assert "the link to your response is printed there" in asked.content.decode()
    assert QueuedEmail.objects.filter(kind=QueuedEmail.Kind.LINK).count() == 1


def test_a_lost_link_is_said_to_be_printed_in_the_terminal(client, consultation, section, printed):
    client.post(section_url(section, consultation), comment_data("Fine."))
    page = client.post(
        reverse("guidance:lost_link", args=[consultation.slug]), {"email": "ann@example.org"}, follow=True
    )
    assert "prints its emails in the terminal where it runs, instead of sending them: look for it there" in (
        page.content.decode()
    )


def test_with_no_mail_server_and_no_printing_your_response_says_no_link_can_be_emailed(
    client, consultation, section, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    client.post(section_url(section, consultation), comment_data("Fine."))
    page = client.get(reverse("guidance:your_response", args=[consultation.slug])).content.decode()
    assert "This website is not set up to send emails, so we cannot email you a link." in page
    assert "Email me a link" not in page

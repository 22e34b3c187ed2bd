"""What a person chose in answer to a question ("Partly") is shown wherever their answer is shown:
their confirmation, their response's page, the questions they have answered, the published
responses, the receipt and the email saying what happened; and to staff on the moderation screen,
its recently decided, the comments list, the reject page, the erasure page and the theme and reply
pages. A choice-only answer never shows as an empty box, and a list of answers reads their options in
one query, however many there are."""

import datetime
import re

import pytest
from django.contrib.admin import helpers
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guidance.mail.notifications import queue_notifications
from guidance.models import Comment, Question, Response
from guidance.moderation.decisions import decide
from guidance.responses import answers
from tests.factories import CommentFactory, QuestionFactory, ResponseFactory, ThemeFactory
from tests.journey_helpers import DETAILS, deliver_emails
from tests.queue_helpers import act

pytestmark = pytest.mark.django_db

# How the one include (templates/includes/answer.html) shows a choice.
PARTLY = "<strong>Answer:</strong> Partly"


@pytest.fixture
def clear(consultation):
    """A question answered by a choice, with an optional explanation and "Other"."""
    question = QuestionFactory(
        consultation=consultation,
        position=1,
        text="Is the guidance clear?",
        kind=Question.Kind.ONE_CHOICE,
        explain_label="Please explain",
    )
    answers.set_options(question, ["Yes", "Partly", "No"], offers_other=True)
    return question


def option(question, label):
    return str(question.options.get(label=label).pk)


def send_partly(client, question, **details):
    """Answer "Partly" and nothing else through the questions form; the confirmation page."""
    url = reverse("guidance:questions", args=[question.consultation.slug])
    data = {**DETAILS, f"answer_{question.pk}": option(question, "Partly"), **details}
    page = client.post(url, data, follow=True)
    assert page.status_code == 200
    return page.content.decode()


def answered(question, labels, text="", other="", status=Comment.Status.PENDING):
    comment = CommentFactory(
        section=None,
        question=question,
        response=ResponseFactory(consultation=question.consultation),
        text=text,
        other_text=other,
    )
    comment.options.set(question.options.filter(label__in=labels))
    Comment.objects.filter(pk=comment.pk).update(status=status)
    comment.refresh_from_db()
    return comment


def shows_partly_and_no_empty_box(html):
    assert PARTLY in html
    assert not re.search(r'portal-answer__text"[^>]*>\s*</div>', html)
    return True


# The respondent -----------------------------------------------------------------------------------


def test_the_confirmation_shows_the_choice_of_a_choice_only_answer(client, clear):
    html = send_partly(client, clear)
    assert "Answers sent" in html
    assert shows_partly_and_no_empty_box(html)


def test_your_response_shows_the_choice(client, clear):
    send_partly(client, clear)
    html = client.get(reverse("guidance:your_response", args=[clear.consultation.slug])).content.decode()
    assert "Answer to Q1: Is the guidance clear?" in html
    assert shows_partly_and_no_empty_box(html)


def test_the_questions_page_lists_an_answered_question_with_its_choice_not_just_answered(client, clear):
    QuestionFactory(consultation=clear.consultation, position=2, text="What is missing?")
    send_partly(client, clear)
    html = client.get(reverse("guidance:questions", args=[clear.consultation.slug])).content.decode()
    assert "Questions you have answered" in html
    assert shows_partly_and_no_empty_box(html)
    assert ">Answered<" not in html


def test_withdrawing_an_answer_shows_what_is_withdrawn(client, clear):
    send_partly(client, clear)
    comment = Comment.objects.get()
    url = reverse("guidance:withdraw_comment", args=[clear.consultation.slug, comment.pk])
    assert shows_partly_and_no_empty_box(client.get(url).content.decode())


def test_other_and_the_explanation_are_shown_after_the_choice_in_the_persons_direction(client, clear):
    send_partly(
        client,
        clear,
        **{
            f"answer_{clear.pk}": option(clear, "Other"),
            f"answer_{clear.pk}_other": "نعم",
            f"answer_{clear.pk}_text": "Mostly.",
        },
    )
    html = client.get(reverse("guidance:your_response", args=[clear.consultation.slug])).content.decode()
    assert '<strong>Answer:</strong> Other: <span dir="auto">نعم</span></p>' in html
    assert '<div class="govuk-body portal-answer__text" dir="auto"><p>Mostly.</p></div>' in html
    assert html.index("نعم") < html.index("Mostly.")


def test_the_published_responses_and_the_report_page_show_the_choice(client, clear):
    comment = answered(clear, ["Partly"], status=Comment.Status.APPROVED)
    assert shows_partly_and_no_empty_box(
        client.get(reverse("guidance:published", args=[clear.consultation.slug])).content.decode()
    )
    assert shows_partly_and_no_empty_box(
        client.get(reverse("guidance:report_comment", args=[comment.pk])).content.decode()
    )


def test_the_receipt_gives_the_choice_under_the_question(client, clear):
    send_partly(client, clear)
    deliver_emails()
    (receipt,) = mail.outbox
    assert "Q1. Is the guidance clear?\n\nPartly\n" in receipt.body


def test_the_email_saying_what_happened_gives_the_choice(client, clear):
    send_partly(client, clear, notify="on")
    decide(Comment.objects.all(), "approved", by=None)
    later = timezone.now() + datetime.timedelta(days=1)
    assert queue_notifications(now=later.replace(hour=17, minute=30)) == 1
    deliver_emails()
    (email,) = [m for m in mail.outbox if m.subject.startswith("What happened to your response")]
    assert "Your answer to Q1: Published." in email.body
    assert "“Partly”" in email.body


def queries(client, url):
    """The queries one visit to `url` makes, once the process has the consultation in memory."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    assert page.status_code == 200
    return len(captured.captured_queries), page.content.decode()


@pytest.mark.parametrize("page", ["guidance:your_response", "guidance:questions", "guidance:confirmation"])
def test_the_respondents_pages_read_the_options_of_all_their_answers_in_one_query(client, clear, page):
    send_partly(client, clear)
    response = Response.objects.get()
    url = reverse(page, args=[clear.consultation.slug])
    with_one, _ = queries(client, url)
    for position in range(2, 12):
        question = QuestionFactory(consultation=clear.consultation, position=position, kind=Question.Kind.AGREEMENT)
        answers.set_options(question)
        comment = CommentFactory(section=None, question=question, response=response, text="")
        comment.options.set(question.options.filter(label="Agree"))
    with_eleven, html = queries(client, url)
    assert html.count("<strong>Answer:</strong> Agree") == 10
    assert with_eleven == with_one


# Staff ------------------------------------------------------------------------------------------


def test_the_moderation_screen_shows_the_choice(admin_client, clear):
    answered(clear, ["Partly"])
    url = reverse("admin:guidance_consultation_moderate", args=[clear.consultation.pk])
    assert shows_partly_and_no_empty_box(admin_client.get(url).content.decode())


def test_recently_decided_shows_the_choice_in_the_link_to_the_comment(admin_client, clear):
    comment = answered(clear, ["Partly"])
    decide(Comment.objects.filter(pk=comment.pk), "approved", by=None)
    for _ in range(5):
        decide(
            Comment.objects.filter(pk=answered(clear, ["No"], text="Not at all").pk),
            "rejected",
            by=None,
            reason_code="off_topic",
        )
    url = reverse("admin:guidance_consultation_moderate", args=[clear.consultation.pk]) + "?queue=decided"
    html = admin_client.get(url).content.decode()
    change = reverse("admin:guidance_comment_change", args=[comment.pk])
    assert re.search(
        rf'<a href="{change}"><span class="portal-answer"><span class="portal-answer__choice">{PARTLY}', html
    )
    assert '<strong>Answer:</strong> No</span>. <span dir="auto">Not at all</span>' in html


def test_the_recently_decided_tab_reads_the_options_once(admin_client, clear, django_assert_max_num_queries):
    url = reverse("admin:guidance_consultation_moderate", args=[clear.consultation.pk]) + "?queue=decided"
    decide(Comment.objects.filter(pk=answered(clear, ["Yes"]).pk), "approved", by=None)
    with django_assert_max_num_queries(40) as one:
        admin_client.get(url)
    for _ in range(10):
        decide(Comment.objects.filter(pk=answered(clear, ["Partly"]).pk), "approved", by=None)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert admin_client.get(url).content.decode().count(PARTLY) == 10


def test_the_comments_list_in_the_admin_shows_the_choice_in_one_query(
    admin_client, clear, django_assert_max_num_queries
):
    answered(clear, ["Partly"])
    queue = reverse("admin:guidance_comment_changelist")
    with django_assert_max_num_queries(60) as one:
        admin_client.get(queue)
    for _ in range(10):
        answered(clear, ["Partly"], text="Some of it.")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = admin_client.get(queue).content.decode()
    assert html.count(PARTLY) == 11
    assert '<strong>Answer:</strong> Partly</span>. <span dir="auto">Some of it.</span>' in html


def test_the_reject_page_shows_the_choice(admin_client, clear):
    comment = answered(clear, ["Partly"])
    page = admin_client.post(
        reverse("admin:guidance_comment_decide", args=[comment.pk]), {"to_status": "rejected", "seen_event_id": 0}
    )
    html = page.content.decode()
    assert "Reject 1 comment" in html
    assert PARTLY in html


def test_the_reject_page_of_a_bulk_decision_shows_the_choices(admin_client, clear):
    comments = [answered(clear, ["Partly"]) for _ in range(2)]
    page = act(admin_client, "reject", comments)
    html = page.content.decode()
    assert "Reject 2 comments" in html
    assert html.count(PARTLY) == 2


def test_the_erasure_page_shows_the_choice(admin_client, clear):
    comment = answered(clear, ["Partly"])
    url = reverse("admin:guidance_response_erase", args=[comment.response_id])
    html = admin_client.get(url).content.decode()
    assert "What they wrote (1)" in html
    assert PARTLY in html


def test_the_apply_theme_page_shows_the_choice(admin_client, clear):
    ThemeFactory(consultation=clear.consultation, name="Clarity")
    comment = answered(clear, ["Partly"])
    page = admin_client.post(
        reverse("admin:guidance_comment_changelist"),
        {"action": "apply_theme", helpers.ACTION_CHECKBOX_NAME: [comment.pk]},
    )
    assert PARTLY in page.content.decode()


def test_the_page_answering_one_comment_shows_the_choice(admin_client, clear):
    comment = answered(clear, ["Partly"], status=Comment.Status.APPROVED)
    url = reverse("admin:guidance_consultation_reply_comment", args=[clear.consultation.pk, comment.pk])
    assert shows_partly_and_no_empty_box(admin_client.get(url).content.decode())


def test_a_comment_on_a_section_shows_its_text_alone_and_asks_nothing_about_options(section, django_assert_num_queries):
    comment = CommentFactory(section=section, text="Words only.")
    with django_assert_num_queries(0):
        assert str(answers.stored_answer(comment)) == "Words only."
        assert answers.with_chosen_options([comment]) == [comment]

"""Questions that are more than a text box: each kind's form, validation and storage (as data,
never text), and where the choices appear: the dashboard, the export, the published responses
and the outcome's figures. The demo asks Q1 and Q4 as choices."""

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from guidance.analysis.exports import csv_chunks
from guidance.models import ChosenOption, Comment, Consultation, Option, Question, Response
from guidance.responses import answers
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, ResponseFactory
from tests.journey_helpers import DETAILS, deliver_emails

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(consultation):
    """One question of each kind."""
    text = QuestionFactory(consultation=consultation, position=1, text="What is missing?")
    one = QuestionFactory(
        consultation=consultation,
        position=2,
        text="Is it clear?",
        kind=Question.Kind.ONE_CHOICE,
        explain_label="Please explain",
    )
    answers.set_options(one, ["Yes", "Partly", "No"], offers_other=True)
    several = QuestionFactory(
        consultation=consultation, position=3, text="Which parts did you read?", kind=Question.Kind.SEVERAL_CHOICES
    )
    answers.set_options(several, ["Principles", "Features", "Next steps"])
    scale = QuestionFactory(
        consultation=consultation, position=4, text="The guidance is practical.", kind=Question.Kind.AGREEMENT
    )
    answers.set_options(scale)
    return {"text": text, "one": one, "several": several, "scale": scale}


def option(question, label):
    return str(question.options.get(label=label).pk)


def post(client, consultation, data):
    return client.post(reverse("guidance:questions", args=[consultation.slug]), {**DETAILS, **data})


def test_the_agreement_scale_has_its_six_points_in_order(asked):
    assert list(asked["scale"].options.values_list("label", flat=True)) == [
        "Strongly agree",
        "Agree",
        "Neither agree nor disagree",
        "Disagree",
        "Strongly disagree",
        "Don't know",
    ]


def test_the_form_shows_radios_checkboxes_other_and_explanation_boxes(client, consultation, asked):
    html = client.get(reverse("guidance:questions", args=[consultation.slug])).content.decode()
    one = asked["one"]
    assert html.count(f'name="answer_{one.pk}"') == 4  # Yes, Partly, No, Other
    assert html.count(f'name="answer_{asked["several"].pk}"') == 3
    assert html.count(f'name="answer_{asked["scale"].pk}"') == 6
    assert f'name="answer_{one.pk}_other"' in html
    assert "If you chose “Other”, say what (question 2)" in html
    assert "Please explain (question 2, optional)" in html
    assert f'name="answer_{asked["several"].pk}_text"' not in html  # no explanation box asked for


def test_answers_of_every_kind_are_stored_as_data(client, consultation, asked):
    one, several, scale = asked["one"], asked["several"], asked["scale"]
    page = post(
        client,
        consultation,
        {
            f"answer_{asked['text'].pk}": "A section on payment.",
            f"answer_{one.pk}": option(one, "Partly"),
            f"answer_{one.pk}_text": "The features are vague.",
            f"answer_{several.pk}": [option(several, "Principles"), option(several, "Next steps")],
            f"answer_{scale.pk}": option(scale, "Agree"),
        },
    )
    assert page.status_code == 302
    stored = {c.question.position: c for c in Comment.objects.select_related("question")}
    assert stored[1].text == "A section on payment." and not stored[1].options.exists()
    assert [o.label for o in stored[2].options.all()] == ["Partly"]
    assert stored[2].text == "The features are vague."
    assert sorted(o.label for o in stored[3].options.all()) == ["Next steps", "Principles"]
    assert stored[3].text == ""
    assert [o.label for o in stored[4].options.all()] == ["Agree"]
    assert all(c.status == Comment.Status.PENDING for c in stored.values())


def test_other_needs_words_and_keeps_them(client, consultation, asked):
    one = asked["one"]
    refused = post(client, consultation, {f"answer_{one.pk}": option(one, "Other")})
    assert "Say what your other answer is" in refused.content.decode()
    assert not Comment.objects.exists()

    post(client, consultation, {f"answer_{one.pk}": option(one, "Other"), f"answer_{one.pk}_other": "Too long"})
    comment = Comment.objects.get()
    assert comment.other_text == "Too long"
    assert answers.chosen_labels([comment.pk]) == {comment.pk: ["Other: Too long"]}


def test_words_for_other_without_choosing_it_are_not_kept(client, consultation, asked):
    one = asked["one"]
    post(client, consultation, {f"answer_{one.pk}": option(one, "Yes"), f"answer_{one.pk}_other": "Stray words"})
    assert Comment.objects.get().other_text == ""


@pytest.mark.parametrize(
    "tampered",
    ["an option of another question", "a made-up value", "two answers to a one-choice question", "text"],
)
def test_a_tampered_value_is_an_error_and_nothing_is_stored(client, consultation, asked, tampered):
    one, several = asked["one"], asked["several"]
    value = {
        "an option of another question": option(several, "Features"),
        "a made-up value": "99999",
        "two answers to a one-choice question": [option(one, "Yes"), option(one, "No")],
        "text": "Yes",
    }[tampered]
    page = post(client, consultation, {f"answer_{one.pk}": value})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Choose from the answers listed" in html or "Choose one answer" in html or "Select a valid choice" in html
    assert not Response.objects.exists()


def test_a_tampered_checkbox_value_is_an_error(client, consultation, asked):
    several = asked["several"]
    page = post(client, consultation, {f"answer_{several.pk}": [option(several, "Features"), "0"]})
    assert "Choose from the answers listed" in page.content.decode()
    # The error summary links to the first checkbox, which exists.
    assert f'<a href="#id_answer_{several.pk}_1">Choose from the answers listed</a>' in page.content.decode()
    assert not Response.objects.exists()


def test_the_domain_refuses_what_the_question_does_not_offer(asked):
    one, text = asked["one"], asked["text"]
    with pytest.raises(answers.AnswerRefused):
        answers.make_answer(one, [option(asked["scale"], "Agree")])
    with pytest.raises(answers.AnswerRefused):
        answers.make_answer(text, [option(one, "Yes")])
    with pytest.raises(answers.AnswerRefused):
        answers.make_answer(asked["several"], [], text="An explanation it does not ask for")
    foreign = Option.objects.get(question=asked["scale"], label="Agree")
    comment = CommentFactory(section=None, question=one, text="")
    with pytest.raises(ValueError):
        answers.save_options([(comment, answers.Answer(options=(foreign,)))])


def test_a_required_question_must_be_answered(client, consultation, asked):
    scale = asked["scale"]
    scale.required = True
    scale.save()
    page = post(client, consultation, {f"answer_{asked['text'].pk}": "Something."})
    html = page.content.decode()
    assert "Choose an answer to question 4" in html
    assert f'<a href="#id_answer_{scale.pk}_1">Choose an answer to question 4</a>' in html
    assert "The guidance is practical. (required)" in html
    assert not Response.objects.exists()
    post(client, consultation, {f"answer_{scale.pk}": option(scale, "Don't know")})
    assert Comment.objects.get().options.get().label == "Don't know"


def test_an_explanation_alone_is_an_answer_and_nothing_at_all_is_not(client, consultation, asked):
    one = asked["one"]
    refused = post(client, consultation, {f"answer_{one.pk}_text": " \u200b "})
    assert "Answer at least one question" in refused.content.decode()
    post(client, consultation, {f"answer_{one.pk}_text": "I am not sure."})
    comment = Comment.objects.get()
    assert comment.text == "I am not sure." and not comment.options.exists()


def test_the_same_form_sent_twice_stores_one_answer_and_changed_choices_are_refused(client, consultation, asked):
    one = asked["one"]
    token = "8d3e6a0c-8f5e-4a3b-9c61-0b6f5c1d2e3f"
    data = {f"answer_{one.pk}": option(one, "Yes"), "form_token": token}
    post(client, consultation, data)
    post(client, consultation, data)
    assert Comment.objects.count() == 1
    changed = post(client, consultation, {**data, f"answer_{one.pk}": option(one, "No")})
    assert "had already been sent" in changed.content.decode()
    assert ChosenOption.objects.count() == 1


def answer(question, labels=(), text="", other="", status=Comment.Status.APPROVED, consent="anonymous"):
    response = ResponseFactory(consultation=question.consultation, consent=consent)
    comment = CommentFactory(section=None, question=question, response=response, text=text, other_text=other)
    comment.options.set(question.options.filter(label__in=labels))
    Comment.objects.filter(pk=comment.pk).update(status=status)
    return comment


def test_the_published_responses_show_the_choice_with_the_explanation(client, consultation, asked):
    one = asked["one"]
    answer(one, ["Partly"], text="The features are vague.")
    answer(one, ["Other"], other="Too long")
    answer(one, ["No"], consent="private")
    answer(one, ["Yes"], status=Comment.Status.PENDING)
    html = client.get(reverse("guidance:published", args=[consultation.slug])).content.decode()
    assert (
        '<strong>Answer:</strong> Partly</p>\n<div class="govuk-body portal-answer__text" dir="auto">'
        "<p>The features are vague.</p>" in html
    )
    assert '<strong>Answer:</strong> Other: <span dir="auto">Too long</span>' in html
    assert "Answer:</strong> No" not in html and "Answer:</strong> Yes" not in html


def test_the_dashboard_charts_each_choice_question_with_counts_and_shares(client, consultation, asked):
    one, several = asked["one"], asked["several"]
    for labels in [["Yes"], ["Yes"], ["Partly"], ["No"]]:
        answer(one, labels)
    answer(one, ["No"], status=Comment.Status.SPAM)
    answer(several, ["Principles", "Features"])
    answer(several, ["Principles"])
    user = User.objects.create_user("analyst", is_staff=True)
    user.groups.add(Group.objects.get(name="Analyst"))
    client.force_login(user)
    html = client.get(reverse("admin:guidance_consultation_dashboard", args=[consultation.pk])).content.decode()
    assert "Q2: answers chosen" in html
    assert "Is it clear? 4 answers chose something. Spam is not counted." in html
    assert '<th scope="row">Yes</th><td class="analysis-number">2</td><td class="analysis-number">50.0%</td>' in html
    assert '<th scope="row">Partly</th><td class="analysis-number">1</td><td class="analysis-number">25.0%</td>' in html
    assert (
        '<th scope="row">Principles</th><td class="analysis-number">2</td><td class="analysis-number">100.0%</td>'
        in html
    )
    assert "shares add up to more than 100%" in html
    assert 'aria-labelledby="chart-answers-' in html


def read(data):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_export_has_the_choices_in_a_column_and_the_explanation_beside_them(consultation, asked):
    one, several = asked["one"], asked["several"]
    first = answer(one, ["Partly"], text="The features are vague.")
    answer(several, ["Principles", "Next steps"])
    answer(one, ["Other"], other="=2+2")

    comments = read(b"".join(csv_chunks(consultation, Comment.objects.filter(consultation=consultation))))
    assert [(row["Target number"], row["Choices"], row["Text"]) for row in comments] == [
        ("Q2", "Partly", "The features are vague."),
        ("Q3", "Principles; Next steps", ""),
        ("Q2", "Other: =2+2", ""),
    ]
    responses = read(
        b"".join(csv_chunks(consultation, Comment.objects.filter(consultation=consultation), layout="responses"))
    )
    assert list(responses[0])[5:12] == [
        "Q1",
        "Q2",
        "Q2 explanation",
        "Q3",
        "Q3 explanation",
        "Q4",
        "Q4 explanation",
    ]
    assert (responses[0]["Q2"], responses[0]["Q2 explanation"]) == ("Partly", "The features are vague.")
    assert responses[0]["Response reference"] == first.response.reference
    assert responses[1]["Q3"] == "Principles; Next steps"


def test_the_outcome_shows_how_people_answered_each_choice_question(client, consultation, asked):
    one = asked["one"]
    for labels in [["Yes"], ["Partly"], ["Partly"]]:
        answer(one, labels, status=Comment.Status.PENDING)
    consultation.opens_at = timezone.now() - datetime.timedelta(days=30)
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()
    html = client.get(consultation.get_absolute_url()).content.decode()
    assert "How people answered the choice questions" in html
    assert "Q2. Is it clear? (3 answers)" in html
    assert (
        '<th scope="row" class="govuk-table__header">Partly</th>\n'
        '        <td class="govuk-table__cell govuk-table__cell--numeric">2</td>\n'
        '        <td class="govuk-table__cell govuk-table__cell--numeric">67%</td>'
    ) in html


def test_an_option_that_answers_chose_can_be_reworded_but_not_removed(consultation, asked):
    one = asked["one"]
    chosen = answer(one, ["Partly"])
    answers.set_options(one, ["Yes", "In part", "No"], offers_other=True)
    assert [o.label for o in chosen.options.all()] == ["In part"]
    with pytest.raises(answers.OptionsInUse):
        answers.set_options(one, ["Yes", "No"], offers_other=True)
    assert one.options.count() == 4


def test_the_admin_sets_a_questions_kind_and_options(admin_client):
    consultation = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    prefix = "questions"
    data = {
        "document": consultation.document.pk,
        "title": consultation.title,
        "slug": consultation.slug,
        "organisation": consultation.organisation,
        "summary": consultation.summary,
        "opens_at_0": "01/01/2030",
        "opens_at_1": "09:00",
        "closes_at_0": "01/03/2030",
        "closes_at_1": "23:59",
        "retention_months": 12,
        f"{prefix}-TOTAL_FORMS": 1,
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-0-position": 1,
        f"{prefix}-0-text": "Does it capture the principles?",
        f"{prefix}-0-kind": "one",
        f"{prefix}-0-option_lines": "Yes\nPartly\nNo\n",
        f"{prefix}-0-offers_other": "on",
        f"{prefix}-0-explain_label": "Please explain",
        "outcomes-TOTAL_FORMS": 0,
        "outcomes-INITIAL_FORMS": 0,
    }
    page = admin_client.post(reverse("admin:guidance_consultation_change", args=[consultation.pk]), data)
    assert page.status_code == 302, page.content.decode()[:3000]
    question = consultation.questions.get()
    assert list(question.options.values_list("label", "is_other")) == [
        ("Yes", False),
        ("Partly", False),
        ("No", False),
        ("Other", True),
    ]
    data[f"{prefix}-0-option_lines"] = "Only one"
    data[f"{prefix}-INITIAL_FORMS"] = 1
    data[f"{prefix}-0-id"] = question.pk
    data[f"{prefix}-0-consultation"] = consultation.pk
    refused = admin_client.post(reverse("admin:guidance_consultation_change", args=[consultation.pk]), data)
    assert "Give at least two options, one per line." in refused.content.decode()


def test_the_demo_asks_q1_and_q4_as_choices_with_the_six_questions_word_for_word(client):
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)  # running it again changes nothing
    demo = Consultation.objects.get()
    assert demo.is_public
    q1, q2, _, q4, *_ = demo.questions.all()
    assert q1.text == "Does this draft guidance capture the key principles/features involved in co-producing research?"
    assert list(q1.options.values_list("label", flat=True)) == ["Yes", "Partly", "No"]
    assert q1.explain_label == "Please explain"
    assert q4.text == "Has anyone been involved in training on co-producing research. If so, what went well?"
    assert list(q4.options.values_list("label", flat=True)) == ["Yes", "No"]
    assert q4.explain_label == "If so, what went well?"
    assert q2.kind == Question.Kind.TEXT and not q2.options.exists()
    html = client.get(reverse("guidance:questions", args=[demo.slug])).content.decode()
    assert html.count(f'name="answer_{q1.pk}"') == 3 and html.count(f'name="answer_{q4.pk}"') == 2
    assert "If so, what went well? (question 4, optional)" in html


def test_answers_of_choices_alone_form_no_campaign_and_erasure_removes_the_words_for_other(consultation, asked):
    from guidance.moderation.campaigns import assign_groups
    from guidance.privacy.retention import REMOVED_TEXT, erase_response

    one = asked["one"]
    alone = [answer(one, ["Yes"]) for _ in range(3)]
    other = answer(one, ["Other"], other="My neighbour, Ann Jones, says so")
    assign_groups(consultation)
    assert not Comment.objects.filter(pk__in=[c.pk for c in alone], group__isnull=False).exists()

    erase_response(other.response, by=None, include_text=True)
    other.refresh_from_db()
    assert (other.text, other.other_text) == (REMOVED_TEXT, "")
    assert [o.label for o in other.options.all()] == ["Other"]


def test_the_moderation_screen_shows_what_an_answer_chose(client, consultation, asked):
    one = asked["one"]
    answer(one, ["Other"], other="Somewhere between", status=Comment.Status.PENDING)
    client.force_login(User.objects.create_superuser("moderator-boss"))
    html = client.get(reverse("admin:guidance_consultation_moderate", args=[consultation.pk])).content.decode()
    assert "Answer to Q2" in html
    assert '<strong>Answer:</strong> Other: <span dir="auto">Somewhere between</span></p>' in html
    assert 'class="moderation-text"' not in html


def test_the_comments_page_in_the_admin_shows_what_an_answer_chose(client, consultation, asked):
    one = asked["one"]
    comment = answer(one, ["Other"], other="Somewhere <between>", status=Comment.Status.PENDING)
    client.force_login(User.objects.create_superuser("comment-reader"))
    html = client.get(reverse("admin:guidance_comment_change", args=[comment.pk])).content.decode()
    assert "Answer:" in html and "Other: Somewhere &lt;between&gt;" in html


def test_an_answer_typed_in_by_staff_needs_words_whatever_the_question(admin_client, consultation, asked):
    from tests.test_moderation_offline import offline_response

    for question in (asked["one"], asked["text"]):
        page = admin_client.post(
            reverse("admin:guidance_response_add"),
            offline_response(consultation, answers=[{"question": question.pk, "text": "  "}]),
        )
        assert "Enter what they wrote." in page.content.decode()
    assert not Response.objects.exists()


def test_the_receipt_lists_the_choices_and_the_explanation(client, consultation, asked, mailoutbox):
    one = asked["one"]
    post(client, consultation, {f"answer_{one.pk}": option(one, "Partly"), f"answer_{one.pk}_text": "Mostly clear."})
    deliver_emails()  # the worker sends what the response queued
    body = mailoutbox[0].body
    assert "Q2. Is it clear?\n\nPartly\n\nMostly clear." in body


def test_a_respondent_changes_a_choice_answer_on_their_response_page_and_the_earlier_one_is_kept(
    client, consultation, asked
):
    one = asked["one"]
    post(client, consultation, {f"answer_{one.pk}": option(one, "Partly"), f"answer_{one.pk}_text": "Mostly clear."})
    comment = Comment.objects.get(question=one)
    change = reverse("guidance:change_comment", args=[consultation.slug, comment.pk])
    page = client.get(change).content.decode()
    # The form comes back as it was answered.
    checked = re.findall(r'value="(\d+)"\s*checked', page)
    assert checked == [option(one, "Partly")]
    assert "Mostly clear." in page

    tampered = client.post(change, {f"answer_{one.pk}": "999999"})
    assert tampered.status_code == 400
    assert "Choose from the answers listed" in tampered.content.decode()

    client.post(change, {f"answer_{one.pk}": option(one, "Other"), f"answer_{one.pk}_other": "A fairer way"})
    comment.refresh_from_db()
    assert answers.stored_answer(comment).labels == ["Other: A fairer way"]
    assert (comment.text, comment.other_text, comment.status) == ("", "A fairer way", Comment.Status.PENDING)
    # The earlier answer, in words, is in its history.
    assert comment.events.get(by_respondent=True).earlier_text == "Partly\n\nMostly clear."


def test_a_withdrawn_answer_leaves_the_choice_counts(client, consultation, asked):
    one = asked["one"]
    post(client, consultation, {f"answer_{one.pk}": option(one, "Yes")})
    comment = Comment.objects.get(question=one)
    client.post(reverse("guidance:withdraw_comment", args=[consultation.slug, comment.pk]))
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.WITHDRAWN
    (counts,) = [c for c in answers.option_counts(consultation) if c.question == one]
    assert counts.answered == 0


INJECTED = '<a href="https://evil.example/">click</a><meta http-equiv="refresh" content="0;url=https://evil.example/">'


@pytest.mark.django_db
def test_what_staff_type_into_a_question_is_shown_as_text_never_as_html(client, consultation):
    question = QuestionFactory(
        consultation=consultation,
        text=f"Question {INJECTED}",
        hint=f"Hint {INJECTED}"[:300],
        kind=Question.Kind.ONE_CHOICE,
        explain_label=f"Explain {INJECTED}"[:200],
    )
    answers.set_options(question, [f"Yes {INJECTED}"[:200], "No"], offers_other=True)
    page = client.get(reverse("guidance:questions", args=[consultation.slug])).content.decode()
    assert "evil.example" in page  # shown, as text
    assert '<a href="https://evil.example/">' not in page
    assert "<meta http-equiv" not in page
    assert page.count("&lt;a href=&quot;https://evil.example/&quot;&gt;") >= 4

"""Answers broken down by whose voices they are (guidance/analysis/breakdowns.py): a choice
question, a section, a theme or the responses themselves, by type of respondent and by channel,
as a staff page and as CSV; bad parameters refused with a message."""

import csv
import io

import pytest
from django.urls import reverse

from guidance.analysis import breakdowns
from guidance.models import Comment, Question, Response
from guidance.responses import answers
from tests.factories import CommentFactory, QuestionFactory, ResponseFactory, SectionFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db

Type, Channel = Response.RespondentType, Response.Channel


@pytest.fixture
def q1(consultation):
    question = QuestionFactory(
        consultation=consultation, position=1, kind=Question.Kind.ONE_CHOICE, text="Is it clear?"
    )
    answers.set_options(question, ["Yes", "No", "Not sure"])
    return question


def answer(question, label, respondent_type, channel, status=Comment.Status.PENDING):
    response = ResponseFactory(consultation=question.consultation, respondent_type=respondent_type, channel=channel)
    comment = CommentFactory(response=response, section=None, question=question, text="", status=status)
    comment.options.set([question.options.get(label=label)])
    return response


@pytest.fixture
def answered(q1):
    """Nine answers counted, by hand: patients 3 Yes online, 1 No by post; researchers 2 No and
    1 Yes online, 1 Not sure by email; a carer 1 Yes at an event. A carer's spam and a withdrawn
    answer are not counted."""
    for _ in range(3):
        answer(q1, "Yes", Type.PATIENT, Channel.ONLINE)
    answer(q1, "No", Type.PATIENT, Channel.POST)
    answer(q1, "No", Type.RESEARCHER, Channel.ONLINE)
    answer(q1, "No", Type.RESEARCHER, Channel.ONLINE)
    answer(q1, "Yes", Type.RESEARCHER, Channel.ONLINE)
    answer(q1, "Not sure", Type.RESEARCHER, Channel.EMAIL)
    answer(q1, "Yes", Type.CARER, Channel.EVENT)
    answer(q1, "No", Type.CARER, Channel.EVENT, status=Comment.Status.SPAM)
    answer(q1, "No", Type.CARER, Channel.ONLINE, status=Comment.Status.WITHDRAWN)
    return q1


def table(result):
    """{group: (size, {row: (number, percentage)})} as the page shows them."""
    return {
        group.label: (
            group.size.hidden or group.size.count,
            {
                label: (cell.hidden or cell.count, cell.percent)
                for label, cell in zip(result.rows, group.cells, strict=True)
            },
        )
        for group in result.groups
    }


def test_q1_by_respondent_type_matches_the_hand_count(answered):
    rows = table(breakdowns.breakdown(answered.consultation, f"q{answered.pk}", "respondent_type"))
    assert rows["Patient or service user"] == (4, {"Yes": (3, 75.0), "No": (1, 25.0), "Not sure": (0, 0.0)})
    assert rows["Researcher"] == (4, {"Yes": (1, 25.0), "No": (2, 50.0), "Not sure": (1, 25.0)})
    assert rows["Carer"] == (1, {"Yes": (1, 100.0), "No": (0, 0.0), "Not sure": (0, 0.0)})
    assert rows["Member of the public"] == (0, {"Yes": (0, None), "No": (0, None), "Not sure": (0, None)})


def test_q1_by_channel_matches_the_hand_count(answered):
    rows = table(breakdowns.breakdown(answered.consultation, f"q{answered.pk}", "channel"))
    assert rows["Online"] == (6, {"Yes": (4, 66.7), "No": (2, 33.3), "Not sure": (0, 0.0)})
    assert rows["Post"] == (1, {"Yes": (0, 0.0), "No": (1, 100.0), "Not sure": (0, 0.0)})
    assert rows["Email"] == (1, {"Yes": (0, 0.0), "No": (0, 0.0), "Not sure": (1, 100.0)})
    assert rows["Event"] == (1, {"Yes": (1, 100.0), "No": (0, 0.0), "Not sure": (0, 0.0)})
    assert rows["Social media"][0] == 0


def test_respondent_type_and_channel_are_not_suppressed(answered):
    result = breakdowns.breakdown(answered.consultation, f"q{answered.pk}", "channel")
    assert not result.suppressed
    assert not any(cell.hidden for group in result.groups for cell in [group.size, *group.cells])


def test_a_section_counts_the_responses_of_each_group_that_commented_on_it(consultation):
    section = SectionFactory(document=consultation.document, major=1)
    patients = [ResponseFactory(consultation=consultation, respondent_type=Type.PATIENT) for _ in range(4)]
    ResponseFactory(consultation=consultation, respondent_type=Type.RESEARCHER)
    # Two comments from one patient count once; a spam comment not at all.
    CommentFactory(response=patients[0], section=section)
    CommentFactory(response=patients[0], section=section)
    CommentFactory(response=patients[1], section=section, status=Comment.Status.SPAM)
    theme = ThemeFactory(consultation=consultation, name="Payment")
    CommentFactory(response=patients[2], section=section).themes.add(theme)
    rows = table(breakdowns.breakdown(consultation, f"s{section.pk}", "respondent_type"))
    assert rows["Patient or service user"] == (4, {"Commented on it": (2, 50.0)})
    assert rows["Researcher"] == (1, {"Commented on it": (0, 0.0)})
    rows = table(breakdowns.breakdown(consultation, f"t{theme.pk}", "respondent_type"))
    assert rows["Patient or service user"] == (4, {"Wrote a comment with this theme": (1, 25.0)})


def test_who_responded_gives_each_groups_share_of_all_responses(answered):
    rows = table(breakdowns.breakdown(answered.consultation, "responses", "channel"))
    # Eleven responses: the withdrawn answer's response still counts (only the answer was withdrawn).
    assert rows["Online"] == (11, {"Responses": (7, 63.6)})
    assert rows["Event"] == (11, {"Responses": (2, 18.2)})


@pytest.fixture
def analyst_client(client):
    client.force_login(UserFactory(analyst=True))
    return client


def page_url(consultation, **query):
    url = reverse("admin:guidance_consultation_breakdowns", args=[consultation.pk])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_the_page_shows_the_table_with_counts_percentages_and_bars(analyst_client, answered):
    page = analyst_client.get(page_url(answered.consultation, target=f"q{answered.pk}", by="respondent_type"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Q1: Is it clear?, by type of respondent" in html
    assert "66.7%" not in html and "75.0%" in html
    assert 'width="150"' in html  # 75% of the bar's 200 pixels
    assert "Download this table as CSV" in html


def test_the_csv_matches_the_table(analyst_client, answered):
    page = analyst_client.get(page_url(answered.consultation, target=f"q{answered.pk}", by="channel", format="csv"))
    assert page["Content-Type"] == "text/csv; charset=utf-8"
    disposition = page["Content-Disposition"]
    assert disposition.startswith('attachment; filename="') and "-breakdown-" in disposition
    rows = list(csv.reader(io.StringIO(page.content.decode("utf-8-sig"))))
    assert rows[0] == breakdowns.CSV_HEADER
    expected = table(breakdowns.breakdown(answered.consultation, f"q{answered.pk}", "channel"))
    for group, size, of, label, number, percentage in rows[1:]:
        assert of == "Answered"
        assert int(size) == expected[group][0]
        assert (int(number), float(percentage) if percentage else None) == expected[group][1][label]
    assert ["Online", "6", "Answered", "Yes", "4", "66.7"] in rows
    assert len(rows) == 1 + len(Response.Channel) * 3  # every channel, three options


@pytest.mark.parametrize(
    "query, message",
    [
        ({"target": "q999999", "by": "channel"}, "is not something this consultation"),
        ({"target": "q1x", "by": "channel"}, "is not something this consultation"),
        ({"target": "responses", "by": "shoe_size"}, "is not something you can group"),
        ({"target": "responses", "by": ""}, "Choose what to group the responses by."),
        ({"target": "\x00", "by": "channel"}, "is not something this consultation"),
    ],
)
def test_bad_parameters_are_refused_with_a_message(analyst_client, answered, query, message):
    page = analyst_client.get(reverse("admin:guidance_consultation_breakdowns", args=[answered.consultation.pk]), query)
    assert page.status_code == 400
    assert message in page.content.decode()


def test_a_text_question_is_not_offered(analyst_client, answered):
    text_question = QuestionFactory(consultation=answered.consultation, position=2)
    page = analyst_client.get(page_url(answered.consultation, target=f"q{text_question.pk}", by="channel"))
    assert page.status_code == 400
    with pytest.raises(breakdowns.BreakdownRefused, match="asks for words only"):
        breakdowns.breakdown(answered.consultation, f"q{text_question.pk}", "channel")


def test_another_consultations_question_is_refused(answered):
    other = QuestionFactory(kind=Question.Kind.AGREEMENT)
    with pytest.raises(breakdowns.BreakdownRefused):
        breakdowns.breakdown(answered.consultation, f"q{other.pk}", "channel")


def test_a_moderator_may_see_breakdowns_and_someone_without_a_role_may_not(client, answered):
    client.force_login(UserFactory())
    assert client.get(page_url(answered.consultation)).status_code == 403
    client.force_login(UserFactory(moderator=True))
    assert client.get(page_url(answered.consultation)).status_code == 200

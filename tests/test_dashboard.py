import datetime
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from guidance.analysis import dashboard as dashboard_module
from guidance.analysis.dashboard import dashboard, format_duration, median_time_to_decision
from guidance.models import Comment, Question, Response
from guidance.responses import answers
from tests.factories import CommentFactory, QuestionFactory, ResponseFactory, SectionFactory, ThemeFactory

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def charts_by_slug(numbers):
    return {chart.slug: {bar.label: bar.value for bar in chart.bars} for chart in numbers["charts"]}


def decide(comment, status, after):
    Comment.objects.filter(pk=comment.pk).update(status=status, moderated_at=comment.created_at + after)


@pytest.fixture
def filled(consultation):
    """Two sections, two questions, three responses on two days, five comments, two themes."""
    intro = SectionFactory(document=consultation.document, major=1, title="Introduction")
    power = SectionFactory(document=consultation.document, major=2, minor=0, title="Sharing power")
    q1 = QuestionFactory(consultation=consultation, position=1)
    QuestionFactory(consultation=consultation, position=2)
    day_one = timezone.now() - datetime.timedelta(days=3)
    day_two = day_one + datetime.timedelta(days=2)
    email = ResponseFactory(consultation=consultation, channel=Response.Channel.EMAIL, submitted_at=day_one)
    online = ResponseFactory(
        consultation=consultation, respondent_type=Response.RespondentType.CARER, submitted_at=day_one
    )
    late = ResponseFactory(consultation=consultation, submitted_at=day_two)

    def comment(response, **target):
        return CommentFactory(response=response, consultation=consultation, created_at=response.submitted_at, **target)

    comments = [
        comment(email, section=intro),
        comment(email, section=power),
        comment(online, section=power),
        comment(online, section=None, question=q1),
        comment(late, section=None, question=q1),
    ]
    decide(comments[0], Comment.Status.APPROVED, datetime.timedelta(hours=1))
    decide(comments[1], Comment.Status.REJECTED, datetime.timedelta(hours=3))
    decide(comments[2], Comment.Status.SPAM, datetime.timedelta(hours=2))
    payment, training = (
        ThemeFactory(consultation=consultation, name="Payment"),
        ThemeFactory(consultation=consultation, name="Training"),
    )
    comments[1].themes.add(payment, training)
    comments[2].themes.add(payment)
    comments[3].themes.add(payment)
    # Another consultation's comments never count here.
    CommentFactory()
    return consultation


def test_the_dashboard_counts_statuses_channels_respondent_types_and_targets(filled):
    charts = charts_by_slug(dashboard(filled))
    assert charts["status"] == {"Pending": 2, "Approved": 1, "Rejected": 1, "Spam": 1, "Withdrawn": 0}
    assert charts["channel"] == {
        "Online": 2,
        "Email": 1,
        "Post": 0,
        "Event": 0,
        "Social media": 0,
        "Chat hour on this site": 0,
    }
    assert charts["respondent-type"]["Member of the public"] == 2
    assert charts["respondent-type"]["Carer"] == 1
    assert charts["section"] == {"Section 1": 1, "Section 2": 2}
    assert charts["question"] == {"Q1": 2, "Q2": 0}
    assert charts["theme"] == {"Payment": 3, "Training": 1}


def test_submissions_per_day_include_the_days_with_none(filled):
    day_bars = next(chart for chart in dashboard(filled)["charts"] if chart.slug == "day").bars
    assert [bar.value for bar in day_bars] == [2, 0, 1]


def test_themes_are_counted_per_section_and_per_question(filled):
    numbers = dashboard(filled)
    assert [theme.name for theme in numbers["themes"]] == ["Payment", "Training"]
    rows = {row["label"]: row["counts"] for row in numbers["theme_rows"]}
    assert rows == {"Section 1": [0, 0], "Section 2": [2, 1], "Q1": [1, 0], "Q2": [0, 0]}


def test_the_median_time_to_decision_counts_only_decided_comments(filled):
    assert median_time_to_decision(filled) == datetime.timedelta(hours=2)
    fourth = Comment.objects.filter(consultation=filled, status=Comment.Status.PENDING).first()
    decide(fourth, Comment.Status.APPROVED, datetime.timedelta(hours=5))
    # Four decided: 1, 2, 3 and 5 hours; the median is halfway between 2 and 3.
    assert median_time_to_decision(filled) == datetime.timedelta(hours=2, minutes=30)


def test_the_median_is_none_before_any_decision(consultation):
    assert median_time_to_decision(consultation) is None
    assert format_duration(None) == "No comment has been decided yet"


def test_durations_read_as_words():
    assert format_duration(datetime.timedelta(days=3, hours=4, minutes=2)) == "3 days 4 hours"
    assert format_duration(datetime.timedelta(hours=1, minutes=1)) == "1 hour 1 minute"
    assert format_duration(datetime.timedelta(seconds=20)) == "under a minute"


def test_the_dashboard_takes_the_same_number_of_queries_however_much_there_is(filled, django_assert_max_num_queries):
    # Eleven (eight, the questions' options, two counts of the options chosen), plus two SET LOCAL on
    # PostgreSQL, plus the savepoint and its release inside a test's transaction.
    choice = QuestionFactory(consultation=filled, kind=Question.Kind.AGREEMENT)
    answers.set_options(choice)
    with django_assert_max_num_queries(15):
        dashboard(filled)
    for _ in range(30):
        CommentFactory(section=filled.document.sections.first(), consultation=filled)
        CommentFactory(section=None, question=choice, text="").options.set([choice.options.first()])
    ThemeFactory(consultation=filled)
    with django_assert_max_num_queries(15):
        dashboard(filled)


def responses_on(consultation, *moments):
    for moment in moments:
        ResponseFactory(consultation=consultation, submitted_at=moment)


def day_chart(consultation):
    chart = next(chart for chart in dashboard(consultation)["charts"] if chart.slug == "day")
    return {bar.long_label: bar.value for bar in chart.bars}


def test_both_ways_of_counting_responses_give_the_same_figures(filled):
    # PostgreSQL counts the responses with GROUPING SETS in SQL; other databases with the ORM.
    # Whichever this database uses, and the ORM's way on PostgreSQL too, give these figures.
    ways = [dashboard_module.responses_counted_with_orm]
    if connection.vendor == "postgresql":
        ways.append(dashboard_module.responses_counted_with_grouping_sets)
    for count_responses in ways:
        by_hour, by_channel, by_type = count_responses(filled)
        assert by_channel == {"email": 1, "online": 2}, count_responses
        assert by_type == {"public": 2, "carer": 1}, count_responses
        assert sorted(by_hour.values()) == [1, 2], count_responses
        assert all(hour.minute == hour.second == hour.microsecond == 0 for hour in by_hour), count_responses
    assert charts_by_slug(dashboard(filled))["channel"]["Email"] == 1


def test_responses_late_in_the_evening_count_on_the_uk_day(consultation, settings):
    settings.TIME_ZONE = "Europe/London"
    responses_on(
        consultation,
        datetime.datetime(2026, 7, 1, 22, 59, tzinfo=datetime.UTC),  # 23:59 on 1 July in summer time
        datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC),  # 00:30 on 2 July in summer time
        datetime.datetime(2026, 12, 1, 23, 30, tzinfo=datetime.UTC),  # 23:30 on 1 December in winter
    )
    days = day_chart(consultation)
    assert days["2026-07-01"] == 1 and days["2026-07-02"] == 1 and days["2026-12-01"] == 1
    assert sum(days.values()) == 3


def test_days_are_still_exact_where_an_hour_straddles_local_midnight(consultation, settings):
    # India is 5 hours 30 minutes ahead of UTC, so the UTC hour 18:00 to 19:00 holds two local
    # days: the dashboard counts these days in the database instead.
    settings.TIME_ZONE = "Asia/Kolkata"
    responses_on(
        consultation,
        datetime.datetime(2026, 3, 1, 18, 15, tzinfo=datetime.UTC),  # 23:45 on 1 March in India
        datetime.datetime(2026, 3, 1, 18, 45, tzinfo=datetime.UTC),  # 00:15 on 2 March in India
    )
    assert day_chart(consultation) == {"2026-03-01": 1, "2026-03-02": 1}


def test_the_median_of_an_odd_and_an_even_number_of_decisions(consultation):
    section = SectionFactory(document=consultation.document)
    for hours in [4, 1, 9]:
        comment = CommentFactory(consultation=consultation, section=section)
        decide(comment, Comment.Status.APPROVED, datetime.timedelta(hours=hours))
    assert median_time_to_decision(consultation) == datetime.timedelta(hours=4)
    decide(CommentFactory(consultation=consultation, section=section), Comment.Status.SPAM, datetime.timedelta(days=2))
    assert median_time_to_decision(consultation) == datetime.timedelta(hours=6, minutes=30)


def test_a_decided_comment_without_a_decision_date_is_left_out_of_the_median(consultation):
    section = SectionFactory(document=consultation.document)
    for hours in [1, 2, 3]:
        decide(CommentFactory(consultation=consultation, section=section), Comment.Status.REJECTED, hours * HOUR)
    undated = CommentFactory(consultation=consultation, section=section)
    Comment.objects.filter(pk=undated.pk).update(status=Comment.Status.APPROVED, moderated_at=None)
    assert dashboard(consultation)["median_time_to_decision"] == 2 * HOUR
    assert median_time_to_decision(consultation) == 2 * HOUR


def staff_with(*codenames):
    user = User.objects.create_user("analyst", password="a-long-password-for-tests", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_the_dashboard_page_shows_charts_with_tables_and_no_inline_style(client, filled):
    client.force_login(staff_with("view_comment"))
    page = client.get(reverse("admin:guidance_consultation_dashboard", args=[filled.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<svg class="analysis-chart__svg"') == 7
    assert html.count('<table class="analysis-chart__table">') == 7
    assert "Comments per section" in html and "Themes per section and per question" in html
    assert "Median time from submission to decision" in html and "2 hours" in html
    assert "style=" not in html
    assert "<script>" not in re.sub(r"<script src=[^>]+></script>", "", html)


def test_the_dashboard_page_needs_permission_to_view_comments(client, filled):
    url = reverse("admin:guidance_consultation_dashboard", args=[filled.pk])
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(staff_with())
    assert client.get(url).status_code == 403


def test_the_dashboard_page_of_a_consultation_with_nothing_yet_renders(client, consultation):
    client.force_login(staff_with("view_comment"))
    page = client.get(reverse("admin:guidance_consultation_dashboard", args=[consultation.pk]))
    assert page.status_code == 200
    assert "No comment has been decided yet" in page.content.decode()


def test_the_consultation_admin_page_links_to_its_dashboard(admin_client, consultation):
    page = admin_client.get(reverse("admin:guidance_consultation_change", args=[consultation.pk]))
    assert reverse("admin:guidance_consultation_dashboard", args=[consultation.pk]) in page.content.decode()
    assert reverse("admin:guidance_consultation_import", args=[consultation.pk]) in page.content.decode()

"""The optional equality monitoring questions: asked after a response is sent, on a page of their
own that can be skipped; stored apart from the comments; seen only in aggregate, with small counts
hidden, and only by staff who may see personal data; never public or in an export; deleted with
the response's personal data."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from guidance.analysis import breakdowns, exports
from guidance.consultations.changed import public_pages_changed
from guidance.equality.monitoring import AnswersRefused, record_answers
from guidance.models import Comment, Consultation, EqualityAnswers, Response
from guidance.privacy.retention import apply_retention, erase_response
from tests.factories import CommentFactory, ConsultationFactory, ResponseFactory, UserFactory
from tests.journey_helpers import comment_data, publish, section_url

pytestmark = pytest.mark.django_db

ASKED = ["age_band", "ethnic_group", "disability", "region"]


@pytest.fixture
def asking(consultation, section):
    consultation.equality_questions = ASKED
    consultation.save()
    return consultation


def about_you(consultation):
    return reverse("guidance:about_you", args=[consultation.slug])


def respond(client, consultation, section):
    sent = client.post(section_url(section, consultation), comment_data("My view."), follow=True)
    assert sent.status_code == 200
    return Response.objects.get(consultation=consultation)


def test_the_confirmation_page_offers_the_optional_questions(client, asking, section):
    sent = client.post(section_url(section, asking), comment_data("My view."), follow=True)
    html = sent.content.decode()
    assert "Optional: tell us about yourself" in html
    assert about_you(asking) in html


def test_a_consultation_asking_nothing_offers_nothing(client, consultation, section):
    sent = client.post(section_url(section, consultation), comment_data("My view."), follow=True)
    assert "tell us about yourself" not in sent.content.decode()
    assert client.get(about_you(consultation)).status_code == 404


def test_the_page_says_it_is_optional_and_asks_only_what_the_consultation_chose(client, asking, section):
    respond(client, asking, section)
    page = client.get(about_you(asking))
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "you do not have to answer them" in html
    assert "Skip these questions" in html
    assert "What is your age?" in html and "What is your ethnic group?" in html and "Where do you live?" in html
    assert "What is your sex?" not in html
    assert html.count("Prefer not to say") == len(ASKED)
    assert 'type="radio"' in html and "govuk-radios" in html


def test_skipping_stores_nothing(client, asking, section):
    response = respond(client, asking, section)
    skip = client.get(reverse("guidance:your_response", args=[asking.slug]))
    assert skip.status_code == 200
    sent_empty = client.post(about_you(asking), {}, follow=True)
    assert "we have kept nothing about you" in sent_empty.content.decode()
    assert not EqualityAnswers.objects.filter(response=response).exists()


def test_answers_are_stored_apart_from_the_comments(client, asking, section):
    response = respond(client, asking, section)
    sent = client.post(
        about_you(asking), {"age_band": "35_44", "ethnic_group": "black", "region": "wales"}, follow=True
    )
    assert "Thank you for telling us about yourself." in sent.content.decode()
    stored = EqualityAnswers.objects.get(response=response)
    assert (stored.age_band, stored.ethnic_group, stored.disability, stored.region) == ("35_44", "black", "", "wales")
    # Sending again replaces them; sending none removes them.
    client.post(about_you(asking), {"disability": "prefer_not"})
    stored.refresh_from_db()
    assert (stored.age_band, stored.disability) == ("", "prefer_not")
    client.post(about_you(asking), {})
    assert not EqualityAnswers.objects.exists()


def test_an_answer_not_offered_is_refused_and_nothing_stored(client, asking, section):
    respond(client, asking, section)
    refused = client.post(about_you(asking), {"age_band": "ancient", "region": "wales"})
    assert refused.status_code == 400
    assert "Choose one of the answers listed" in refused.content.decode()
    refused = client.post(about_you(asking), {"sex": "female"})  # not asked: ignored by the form
    assert refused.status_code == 302
    assert not EqualityAnswers.objects.exists()
    with pytest.raises(AnswersRefused):
        record_answers(Response.objects.get(), {"sex": "female"})


def test_without_a_response_there_is_nothing_to_answer(client, asking):
    assert client.get(about_you(asking)).status_code == 404
    assert client.post(about_you(asking), {"age_band": "35_44"}).status_code == 404
    assert not EqualityAnswers.objects.exists()


def test_after_the_close_the_answers_cannot_be_given(client, asking, section):
    respond(client, asking, section)
    Consultation.objects.filter(pk=asking.pk).update(
        opens_at=datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC),
        closes_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )
    public_pages_changed(consultations=[asking])  # as any change to it does: the public pages read it afresh
    assert client.post(about_you(asking), {"age_band": "35_44"}).status_code == 403
    assert not EqualityAnswers.objects.exists()


def answered_response(consultation, **chosen):
    response = ResponseFactory(consultation=consultation, name="Ada", email="ada@example.org")
    record_answers(response, chosen)
    return response


def test_the_answers_are_never_public_nor_in_an_export(client, asking, section):
    response = answered_response(asking, ethnic_group="mixed", region="northern_ireland")
    publish(CommentFactory(response=response, section=section, text="Published words"))
    html = "".join(
        client.get(url).content.decode()
        for url in [asking.get_absolute_url(), reverse("guidance:published", args=[asking.slug])]
    )
    assert "Published words" in html
    assert "Mixed or multiple" not in html and "Northern Ireland" not in html
    for with_personal_data in (False, True):
        for layout in (exports.Layout.COMMENTS, exports.Layout.RESPONSES):
            csv = b"".join(
                exports.csv_chunks(
                    asking,
                    Comment.objects.filter(consultation=asking),
                    layout=layout,
                    with_personal_data=with_personal_data,
                )
            ).decode()
            assert "Published words" in csv
            assert "mixed" not in csv.lower() and "northern" not in csv.lower()


def test_only_staff_who_may_see_personal_data_can_break_down_by_them(client, asking):
    answered_response(asking, region="wales")
    url = reverse("admin:guidance_consultation_breakdowns", args=[asking.pk])
    analyst = UserFactory(analyst=True)
    client.force_login(analyst)
    page = client.get(url).content.decode()
    assert "Region" not in page and "equality monitoring" not in page
    assert client.get(url, {"target": "responses", "by": "region"}).status_code == 403
    assert client.get(url, {"target": "responses", "by": "region", "format": "csv"}).status_code == 403
    assert [key for key, _ in breakdowns.groupings(asking, with_equality=False)] == ["respondent_type", "channel"]

    client.force_login(UserFactory(manager=True))
    assert "Region (equality monitoring)" in client.get(url).content.decode()
    shown = client.get(url, {"target": "responses", "by": "region"})
    assert shown.status_code == 200 and "fewer than 5" in shown.content.decode()
    csv = client.get(url, {"target": "responses", "by": "region", "format": "csv"}).content.decode("utf-8-sig")
    # One response: even the total is under 5.
    assert "Wales,fewer than 5,All responses,Responses,fewer than 5,\r\n" in csv
    assert ",1," not in csv


def test_a_characteristic_the_consultation_does_not_ask_is_no_breakdown(asking):
    with pytest.raises(breakdowns.BreakdownRefused):
        breakdowns.breakdown(asking, "responses", "sex")


def test_erasing_a_response_erases_its_answers(asking, admin_user):
    response = answered_response(asking, age_band="18_24")
    kept = answered_response(asking, age_band="25_34")
    erase_response(response, by=admin_user, reason="Asked by email")
    assert list(EqualityAnswers.objects.values_list("response", flat=True)) == [kept.pk]


def test_retention_erases_the_answers_with_the_rest_of_the_personal_data():
    london = zoneinfo.ZoneInfo("Europe/London")
    close = datetime.datetime(2027, 1, 31, 23, 59, tzinfo=london)
    consultation = ConsultationFactory(
        opens_at=close - datetime.timedelta(days=56), closes_at=close, equality_questions=["age_band"]
    )
    answered_response(consultation, age_band="18_24")
    apply_retention(now=datetime.datetime(2028, 2, 1, 9, 0, tzinfo=london))
    assert not EqualityAnswers.objects.exists()


def test_the_consultation_settings_choose_the_questions(client, consultation):
    client.force_login(UserFactory(manager=True))
    page = client.get(reverse("admin:guidance_consultation_change", args=[consultation.pk])).content.decode()
    assert "Equality monitoring questions" in page and 'value="ethnic_group"' in page


# Hiding small counts ---------------------------------------------------------------------------


def hidden(groups):
    return [[cell.hidden or cell.count for cell in group.cells] for group in groups]


def groups_of(sizes_and_cells):
    return [
        breakdowns.Group(str(index), breakdowns.Cell(size, size), [breakdowns.Cell(n, size) for n in cells])
        for index, (size, cells) in enumerate(sizes_and_cells)
    ]


def test_counts_under_5_are_fewer_than_5_and_a_complement_is_withheld():
    groups = groups_of([(20, [12, 5, 3]), (30, [10, 10, 10]), (40, [20, 10, 10])])
    breakdowns.suppress(groups, partition=True)
    # 3 is under 5; within its group, 20 - 12 - 5 would give it away, so the smaller 5 goes too; the
    # row totals (on the dashboard) would give both away, so a second count goes from each column.
    assert hidden(groups)[0] == [12, "withheld", "fewer than 5"]
    assert hidden(groups)[1] == [10, "withheld", "withheld"]
    for index in range(3):
        assert sum(1 for row in hidden(groups) if isinstance(row[index], str)) != 1
    for row in hidden(groups):
        assert sum(1 for cell in row if isinstance(cell, str)) != 1


def test_a_small_group_is_hidden_whole_and_so_is_another():
    groups = groups_of([(3, [2, 1]), (50, [25, 25]), (60, [30, 30])])
    breakdowns.suppress(groups, partition=True)
    assert groups[0].size.hidden == "fewer than 5" and groups[1].size.hidden == "withheld"
    assert hidden(groups)[0] == ["fewer than 5", "fewer than 5"]
    assert hidden(groups)[1] == ["withheld", "withheld"]
    assert hidden(groups)[2] == [30, 30]


def test_a_count_whose_group_remainder_is_under_5_is_withheld():
    groups = groups_of([(20, [18]), (40, [20]), (40, [20])])
    breakdowns.suppress(groups, partition=False)
    assert hidden(groups)[0] == ["withheld"]  # 20 - 18 = 2 would say what the other two did
    assert sum(1 for row in hidden(groups) if row[0] == "withheld") == 2


def test_an_equality_breakdown_shows_no_count_under_5(asking):
    for _ in range(10):
        answered_response(asking, region="london")
    for _ in range(2):
        answered_response(asking, region="wales")
    for _ in range(5):
        ResponseFactory(consultation=asking)  # gave no answers
    result = breakdowns.breakdown(asking, "responses", "region")
    shown = [cell.count for group in result.groups for cell in group.cells if not cell.hidden]
    assert shown and all(n >= 5 for n in shown)
    by_label = {group.label: group.cells[0] for group in result.groups}
    assert by_label["Wales"].hidden == "fewer than 5" and by_label["Scotland"].hidden == "fewer than 5"
    assert by_label["London"].shown == 10 and by_label["London"].percent == 58.8
    assert by_label["Did not answer"].shown == 5

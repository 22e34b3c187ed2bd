"""The published responses as CSV and JSON downloads: opened as a spreadsheet or a program would
open them, each row the same comment, in the same order, with the same name, as the published
responses page shows for the same filters; safe in a spreadsheet; the licence named on the page, in
the JSON and in a header; the data dictionary page; a filter not offered is a 400; a draft has none."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment, Consultation, Question, Response
from guidance.public.open_data import FIELDS, HEADER
from guidance.responses import answers
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, SectionFactory

pytestmark = pytest.mark.django_db

EMAIL = "private.person@example.org"
ORGANISATION = "Private Organisation Ltd"


def make_comment(target, text, *, status=Comment.Status.APPROVED, consent="anonymous", **response):
    details = {f"response__{name}": value for name, value in response.items()}
    on = {"section": None, "question": target} if isinstance(target, Question) else {"section": target}
    made = CommentFactory(text=text, response__consent=consent, **on, **details)
    Comment.objects.filter(pk=made.pk).update(status=status)
    return made


@pytest.fixture
def record(consultation, section, second_section, question):
    choice = QuestionFactory(consultation=consultation, position=2, kind=Question.Kind.ONE_CHOICE)
    answers.set_options(choice, ["Yes", "No"], offers_other=True)
    yes, _, other = choice.options.order_by("position")
    made = {
        "named": make_comment(section, "Pay people for their time.", consent="named", name="Ann Named", email=EMAIL),
        "anonymous": make_comment(
            section, "Training matters.", name="Hidden Person", organisation=ORGANISATION, respondent_type="carer"
        ),
        "formula": make_comment(second_section, '=HYPERLINK("http://evil.example","Click")'),
        "answer": make_comment(question, "An answer in words, with a line\nbreak and “quotes”."),
        "yes": make_comment(choice, "Because it helps."),
        "other": make_comment(choice, "", consent="named", name="Olu Other"),
    }
    made["yes"].options.add(yes)
    made["other"].options.add(other)
    Comment.objects.filter(pk=made["other"].pk).update(other_text="A fairer way")
    for status in [Comment.Status.PENDING, Comment.Status.REJECTED, Comment.Status.SPAM, Comment.Status.WITHDRAWN]:
        make_comment(section, f"Never shown {status}", status=status, consent="named", name=f"Never {status}")
    make_comment(section, "Never shown private", consent="private", name="Never private")
    return made


def page_shows(client, consultation, query=""):
    """(comment id, name shown) for each comment on the published responses page, in its order."""
    html = client.get(reverse("guidance:published", args=[consultation.slug]) + query).content.decode()
    return [(int(pk), name) for pk, name in re.findall(r'id="comment-(\d+)-by"><span dir="auto">([^<]*)</span>', html)]


def csv_rows(client, consultation, query=""):
    response = client.get(reverse("guidance:published_csv", args=[consultation.slug]) + query)
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel reads UTF-8 by
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]], body, response


def json_document(client, consultation, query=""):
    response = client.get(reverse("guidance:published_json", args=[consultation.slug]) + query)
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content)), response


@pytest.mark.parametrize(
    "query",
    ["", "?respondent_type=carer", "?q=people", "section", "question", "?respondent_type=public&q=helps"],
)
def test_each_download_holds_what_the_page_shows_for_the_same_filters(client, consultation, record, query):
    if query == "section":
        query = f"?section={record['named'].section_id}"
    elif query == "question":
        query = f"?question={record['yes'].question_id}"
    shown = page_shows(client, consultation, query)
    assert shown  # each filter finds something, so the comparison compares
    rows, _, _ = csv_rows(client, consultation, query)
    assert [(int(row["Comment ID"]), row["Name"]) for row in rows] == shown
    document, _ = json_document(client, consultation, query)
    assert [(row["id"], row["name"]) for row in document["comments"]] == shown


def test_names_only_with_consent_and_nothing_unpublished_or_personal(client, consultation, record):
    rows, body, _ = csv_rows(client, consultation)
    by_id = {int(row["Comment ID"]): row for row in rows}
    assert set(by_id) == {comment.pk for comment in record.values()}
    assert by_id[record["named"].pk]["Name"] == "Ann Named"
    assert by_id[record["anonymous"].pk]["Name"] == "Anonymous"
    assert by_id[record["anonymous"].pk]["Responding as"] == "Carer"
    text = body.decode("utf-8-sig")
    for never in [EMAIL, ORGANISATION, "Hidden Person", "Never shown", "Never "]:
        assert never not in text
    document, _ = json_document(client, consultation)
    raw = json.dumps(document)
    for never in [EMAIL, ORGANISATION, "Hidden Person", "Never shown"]:
        assert never not in raw


def test_every_column_says_what_the_page_says(client, consultation, record, section, question):
    rows, _, _ = csv_rows(client, consultation)
    by_id = {int(row["Comment ID"]): row for row in rows}
    named = by_id[record["named"].pk]
    assert (named["Section"], named["Section title"], named["Question"]) == ("1", "Reciprocity", "")
    assert named["Text"] == "Pay people for their time."
    other = by_id[record["other"].pk]
    assert (other["Question"], other["Answers chosen"], other["Other answer"], other["Text"]) == (
        "Q2",
        "Other",
        "A fairer way",
        "",
    )
    assert by_id[record["yes"].pk]["Answers chosen"] == "Yes"
    assert by_id[record["answer"].pk]["Text"] == "An answer in words, with a line\nbreak and “quotes”."
    assert by_id[record["answer"].pk]["Question text"] == question.text
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", named["Sent at"])
    assert named["Our response"] == "" and named["Themes"] == ""
    document, _ = json_document(client, consultation)
    assert [field["name"] if isinstance(field, dict) else field for field in document["comments"][0]] == [
        field.name for field in FIELDS
    ]


def test_the_csv_is_safe_in_a_spreadsheet_and_the_json_keeps_the_words_as_written(client, consultation, record):
    rows, body, response = csv_rows(client, consultation)
    formula = next(row for row in rows if int(row["Comment ID"]) == record["formula"].pk)
    assert formula["Text"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert b"\r\n" in body and response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="consultation-\d+-responses-[\d-]+\.csv"', response["Content-Disposition"]
    )
    document, response = json_document(client, consultation)
    assert any(row["text"] == '=HYPERLINK("http://evil.example","Click")' for row in document["comments"])
    assert response["Content-Disposition"].endswith('.json"')


def test_the_licence_is_in_the_json_a_header_and_on_the_pages(client, consultation, record):
    document, response = json_document(client, consultation)
    ogl = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    assert document["metadata"]["licence"] == {"name": "Open Government Licence v3.0", "url": ogl}
    assert document["metadata"]["consultation"] == consultation.title
    assert response["Link"] == f'<{ogl}>; rel="license"'
    _, _, csv_response = csv_rows(client, consultation)
    assert csv_response["Link"] == f'<{ogl}>; rel="license"'

    Consultation.objects.filter(pk=consultation.pk).update(licence="cc-by-4", content_version=99)
    page = client.get(reverse("guidance:published", args=[consultation.slug]) + "?respondent_type=carer")
    html = page.content.decode()
    assert "Download these responses" in html
    csv_link = reverse("guidance:published_csv", args=[consultation.slug]) + "?respondent_type=carer"
    assert f'href="{csv_link}"' in html
    assert f'href="{reverse("guidance:published_json", args=[consultation.slug])}?respondent_type=carer"' in html
    assert 'rel="license" href="https://creativecommons.org/licenses/by/4.0/"' in html
    assert "Creative Commons Attribution 4.0 International (CC BY 4.0)" in html
    assert json_document(client, consultation)[0]["metadata"]["licence"]["url"].endswith("/by/4.0/")


def test_the_data_dictionary_page_names_the_licence_the_downloads_the_api_and_every_field(client, consultation):
    html = client.get(reverse("guidance:open_data", args=[consultation.slug])).content.decode()
    assert "Open Government Licence v3.0" in html
    assert reverse("guidance:published_csv", args=[consultation.slug]) in html
    assert f"http://testserver/api/v1/consultations/{consultation.slug}/comments/" in html
    for field in FIELDS:
        assert f"<code>{field.name}</code>" in html
        assert f'<th scope="row" class="govuk-table__header">{field.column}</th>' in html
    for label in Response.RespondentType.labels:
        assert label in html


def test_staff_choose_the_licence_in_the_consultation_settings(manager_client, consultation):
    page = manager_client.get(reverse("admin:guidance_consultation_change", args=[consultation.pk]))
    html = page.content.decode()
    assert "Licence of the published responses" in html
    assert '<option value="ogl-3" selected>Open Government Licence v3.0</option>' in html
    assert '<option value="cc0">' in html


def settings_form(consultation, **extra):
    """The consultation's settings as the admin's change form sends them (tests/test_consultation_dates.py)."""
    opens, closes = timezone.localtime(consultation.opens_at), timezone.localtime(consultation.closes_at)
    return {
        "document": consultation.document_id,
        "title": consultation.title,
        "slug": consultation.slug,
        "organisation": consultation.organisation,
        "summary": consultation.summary,
        "opens_at_0": opens.strftime("%d/%m/%Y"),
        "opens_at_1": opens.strftime("%H:%M"),
        "closes_at_0": closes.strftime("%d/%m/%Y"),
        "closes_at_1": closes.strftime("%H:%M"),
        "retention_months": 12,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
        "outcomes-TOTAL_FORMS": 0,
        "outcomes-INITIAL_FORMS": 0,
        **extra,
    }


def test_a_licence_staff_choose_is_the_one_the_downloads_and_pages_name(manager_client, client, consultation):
    change = reverse("admin:guidance_consultation_change", args=[consultation.pk])
    assert manager_client.post(change, settings_form(consultation, licence="cc0")).status_code == 302
    consultation.refresh_from_db()
    assert consultation.licence == "cc0"
    page = client.get(reverse("guidance:open_data", args=[consultation.slug])).content.decode()
    assert 'rel="license" href="https://creativecommons.org/publicdomain/zero/1.0/"' in page
    # A post without the field (a page opened before it was added) leaves the licence as it is.
    assert manager_client.post(change, settings_form(consultation)).status_code == 302
    consultation.refresh_from_db()
    assert consultation.licence == "cc0"
    refused = manager_client.post(change, settings_form(consultation, licence="all-rights-reserved"))
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    consultation.refresh_from_db()
    assert consultation.licence == "cc0"


@pytest.mark.parametrize("name", ["published_csv", "published_json"])
def test_a_filter_not_offered_is_a_400_saying_so(client, consultation, record, name):
    response = client.get(reverse(f"guidance:{name}", args=[consultation.slug]) + "?section=abc&respondent_type=x")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Choose a section from the list" in text and "Choose a kind of respondent from the list" in text
    assert "Pay people" not in text


@pytest.mark.parametrize("name", ["published_csv", "published_json"])
def test_downloads_past_the_hours_limit_from_one_address_are_refused_with_when_to_come_back(
    client, consultation, record, settings, name
):
    # Each download may read every published comment: a loop of them must not take the server.
    settings.RATE_LIMIT_DOWNLOADS_PER_HOUR = 2
    url = reverse(f"guidance:{name}", args=[consultation.slug])
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    text = refused.content.decode()
    assert "downloaded these responses 2 times in the last hour" in text and "Please try again at" in text
    assert "Pay people" not in text
    # A filter that cannot be used still says so, and takes nothing from the next hour's count.
    assert client.get(url + "?section=abc").status_code == 400
    # Another address is not held back by this one.
    assert client.get(url, REMOTE_ADDR="192.0.2.77").status_code == 200


@pytest.mark.parametrize("name", ["published_csv", "published_json", "open_data"])
def test_a_draft_has_no_downloads_even_for_staff(manager_client, name):
    draft = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    make_comment(SectionFactory(document=draft.document), "Draft words")
    response = manager_client.get(reverse(f"guidance:{name}", args=[draft.slug]))
    assert response.status_code == 404
    assert b"Draft words" not in response.content


def test_the_privacy_notice_says_published_comments_are_open_data(client):
    notice = client.get(reverse("guidance:privacy")).content.decode()
    assert "What we publish is also offered as open data" in notice
    assert "only if you chose “publish with my name”" in notice

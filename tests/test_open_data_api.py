"""The open data API (/api/v1/): every answer matches the OpenAPI schema drf-spectacular makes of
it; the comments' filters, pages and cursor; conditional GET; CORS on /api/ alone; the rate
limit; and nothing that is not published ever leaves it, whatever a comment's status or its
respondent's choice, and nothing at all of a draft."""

import base64
import datetime
import json
import re

import jsonschema
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from guidance.consultations.changed import public_pages_changed
from guidance.consultations.publishing import publish_outcome
from guidance.models import Comment, Consultation, Outcome, Question, Response
from guidance.moderation.decisions import decide
from guidance.public.api.views import schema
from guidance.responses import answers
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    OutcomeFactory,
    QuestionFactory,
    SectionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

EMAIL = "private.person@example.org"
ORGANISATION = "Private Organisation Ltd"


@pytest.fixture(autouse=True)
def fresh_throttle():
    # The rate limit counts in the default cache, which outlives a test when it is not the database's.
    cache.clear()


def api(client, path, **headers):
    return client.get(path, **headers)


def validate(response, path):
    """The response's JSON is what the schema says this path answers with this status."""
    document = schema()
    content = document["paths"][path]["get"]["responses"][str(response.status_code)]["content"]
    expected = {"allOf": [content["application/json"]["schema"]], "components": document["components"]}
    jsonschema.Draft202012Validator(expected).validate(response.json())
    return response.json()


def make_comment(target, text, *, status=Comment.Status.APPROVED, consent="anonymous", **response):
    details = {f"response__{name}": value for name, value in response.items()}
    on = {"section": None, "question": target} if isinstance(target, Question) else {"section": target}
    made = CommentFactory(text=text, response__consent=consent, **on, **details)
    Comment.objects.filter(pk=made.pk).update(status=status)
    made.refresh_from_db()
    return made


@pytest.fixture
def choice_question(consultation):
    question = QuestionFactory(consultation=consultation, position=2, kind=Question.Kind.ONE_CHOICE)
    answers.set_options(question, ["Yes", "No"], offers_other=True)
    return question


@pytest.fixture
def record(consultation, section, second_section, question, choice_question):
    """Published comments, and one of every status and publication choice that must never show."""
    yes, no, other = choice_question.options.order_by("position")
    made = {
        "named": make_comment(section, "Pay people for their time.", consent="named", name="Ann Named", email=EMAIL),
        "anonymous": make_comment(
            section,
            "Training matters.",
            name="Hidden Person",
            email=EMAIL,
            organisation=ORGANISATION,
            respondent_type="organisation",
        ),
        "power": make_comment(second_section, "Power should be shared.", respondent_type="carer"),
        "answer": make_comment(question, "An answer in words."),
        "yes": make_comment(choice_question, "Because it helps."),
        "other": make_comment(choice_question, "", consent="named", name="Olu Other"),
    }
    made["yes"].options.add(yes)
    made["other"].options.add(other)
    Comment.objects.filter(pk=made["other"].pk).update(other_text="A fairer way")
    never = {}
    for status in Comment.Status.values:
        for consent in Response.Consent.values:
            if status == Comment.Status.APPROVED and consent != Response.Consent.DO_NOT_PUBLISH:
                continue
            never[status, consent] = make_comment(
                section, f"Never {status} {consent}", status=status, consent=consent, name=f"Never {status} {consent}"
            )
    return made, never


def comments_path(consultation, query=""):
    return reverse("api:comments", args=[consultation.slug]) + query


def all_comments(client, consultation, query=""):
    """Every comment the API lists, following each page's next link."""
    found, url = [], comments_path(consultation, query)
    while url:
        page = validate(api(client, url), "/api/v1/consultations/{slug}/comments/")
        found += page["results"]
        url = page["next"]
    return found


def test_every_endpoint_answers_as_its_schema_says(client, consultation, record):
    slug = consultation.slug
    listed = validate(api(client, "/api/v1/consultations/"), "/api/v1/consultations/")
    assert [c["slug"] for c in listed] == [slug]
    one = validate(api(client, f"/api/v1/consultations/{slug}/"), "/api/v1/consultations/{slug}/")
    assert one["licence"] == {
        "name": "Open Government Licence v3.0",
        "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    }
    assert one["state"] == "open" and one["outcome_published"] is False
    sections = validate(
        api(client, f"/api/v1/consultations/{slug}/sections/"), "/api/v1/consultations/{slug}/sections/"
    )
    assert [(s["number"], s["title"], s["published_comments"]) for s in sections] == [
        ("1", "Reciprocity", 2),
        ("2", "Power", 1),
    ]
    questions = validate(
        api(client, f"/api/v1/consultations/{slug}/questions/"), "/api/v1/consultations/{slug}/questions/"
    )
    assert [[o["label"] for o in q["options"]] for q in questions] == [[], ["Yes", "No", "Other"]]
    assert [q["published_comments"] for q in questions] == [1, 2]
    statistics = validate(
        api(client, f"/api/v1/consultations/{slug}/statistics/"), "/api/v1/consultations/{slug}/statistics/"
    )
    assert statistics["after_close"] is None
    assert statistics["published"]["comments"] == 6
    by_type = {row["respondent_type"]: row["count"] for row in statistics["published"]["by_respondent_type"]}
    assert by_type == {**dict.fromkeys(Response.RespondentType.values, 0), "public": 4, "organisation": 1, "carer": 1}
    assert [(o["label"], o["count"]) for o in statistics["published"]["by_question"][1]["options"]] == [
        ("Yes", 1),
        ("No", 0),
        ("Other", 1),
    ]
    assert len(all_comments(client, consultation)) == 6


def test_comments_hold_what_the_published_page_shows_and_nothing_else(client, consultation, record):
    made, never = record
    found = {row["id"]: row for row in all_comments(client, consultation)}
    assert set(found) == {comment.pk for comment in made.values()}
    assert found[made["named"].pk]["name"] == "Ann Named"
    assert found[made["anonymous"].pk]["name"] == "Anonymous"  # a name given, but not to publish
    assert found[made["anonymous"].pk]["respondent_type_label"] == "On behalf of an organisation"
    assert found[made["other"].pk]["answers"] == ["Other"]
    assert found[made["other"].pk]["other"] == "A fairer way"
    assert found[made["yes"].pk]["answers"] == ["Yes"] and found[made["yes"].pk]["text"] == "Because it helps."
    assert found[made["power"].pk]["section"] == "2" and found[made["power"].pk]["question"] == ""
    # No reply and no themes before the outcome is published.
    assert all(row["reply"] == "" and row["themes"] == [] for row in found.values())
    # Nothing of an email address or organisation, nor of any comment not published, anywhere.
    everything = b"".join(
        api(client, path).content
        for path in [
            comments_path(consultation, "?page_size=200"),
            f"/api/v1/consultations/{consultation.slug}/statistics/",
            "/api/v1/consultations/",
        ]
    ).decode()
    assert EMAIL not in everything and ORGANISATION not in everything
    assert "Hidden Person" not in everything
    for status, consent in never:
        assert f"Never {status} {consent}" not in everything


def test_a_draft_consultation_is_not_found_anywhere_in_the_api(client, manager_client):
    draft = ConsultationFactory(publication=Consultation.Publication.DRAFT, slug="secret-draft")
    make_comment(SectionFactory(document=draft.document), "Draft words")
    for name in ["consultation", "sections", "questions", "comments", "statistics"]:
        response = api(manager_client, reverse(f"api:{name}", args=[draft.slug]))  # staff too
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert "Draft words" not in response.content.decode()
    assert "secret-draft" not in api(client, "/api/v1/consultations/").content.decode()
    assert api(client, reverse("api:comments", args=["no-such-thing"])).status_code == 404


def test_the_page_filters_choose_the_same_comments_through_the_api(client, consultation, record, section):
    made, _ = record
    ids = lambda query: {row["id"] for row in all_comments(client, consultation, query)}  # noqa: E731
    assert ids(f"?section={section.pk}") == {made["named"].pk, made["anonymous"].pk}
    assert ids("?respondent_type=carer") == {made["power"].pk}
    assert ids("?q=training") == {made["anonymous"].pk}
    yes = made["yes"].options.get()
    assert ids(f"?option={yes.pk}") == {made["yes"].pk}
    assert ids(f"?section={section.pk}&respondent_type=carer") == set()
    # A search with a filter: listed by id, as every list is, whatever the search would rank first.
    assert ids(f"?q=training&section={section.pk}") == {made["anonymous"].pk}
    assert ids("?q=training&respondent_type=carer") == set()


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("?section=abc", "section", "Choose a section from the list"),
        ("?section=999999", "section", "Choose a section from the list"),
        ("?question=-1", "question", "Choose a question from the list"),
        ("?option=1e3", "option", "Choose an answer from the list"),
        ("?respondent_type=robot", "respondent_type", "Choose a kind of respondent from the list"),
        ("?theme=1", "theme", "Comments can be filtered by theme once the outcome is published"),
        ("?q=" + "x" * 201, "q", "Search for 200 characters or fewer"),
        ("?page_size=0", "page_size", "Give a page size as a whole number from 1 to 200"),
        ("?page_size=ten", "page_size", "Give a page size as a whole number from 1 to 200"),
        ("?cursor=not-a-cursor", "cursor", "Use the cursor of a next or previous link, as given"),
    ],
)
def test_a_value_that_cannot_be_used_is_a_400_saying_why(client, consultation, record, query, parameter, message):
    response = api(client, comments_path(consultation, query))
    assert response.status_code == 400
    body = validate(response, "/api/v1/consultations/{slug}/comments/")
    assert body["errors"] == {parameter: message}


@pytest.fixture
def many(consultation, section):
    """205 published comments, written at once."""
    response = Response.objects.create(consultation=consultation, respondent_type="public", consent="anonymous")
    Comment.objects.bulk_create(
        Comment(response=response, consultation=consultation, section=section, text=f"Comment {n}", status="approved")
        for n in range(205)
    )
    return list(Comment.objects.filter(consultation=consultation).order_by("pk").values_list("pk", flat=True))


def test_comments_come_fifty_a_page_at_most_two_hundred_in_id_order_through_the_cursor(client, consultation, many):
    first = validate(api(client, comments_path(consultation)), "/api/v1/consultations/{slug}/comments/")
    assert len(first["results"]) == 50 and first["previous"] is None
    assert [row["id"] for row in first["results"]] == many[:50]
    capped = api(client, comments_path(consultation, "?page_size=1000")).json()
    assert len(capped["results"]) == 200
    second = api(client, capped["next"]).json()
    assert [row["id"] for row in second["results"]] == many[200:]
    assert second["next"] is None
    back = api(client, second["previous"]).json()
    assert [row["id"] for row in back["results"]] == many[:200]
    # The whole list, followed page by page: each comment once, in order.
    assert [row["id"] for row in all_comments(client, consultation, "?page_size=60")] == many
    # A cursor names a position, nothing else: it cannot be made to skip the published filter.
    cursor = base64.b64encode(b"p=0&r=0").decode()
    assert api(client, comments_path(consultation, f"?cursor={cursor}")).status_code == 200


def test_an_unchanged_answer_is_a_304_and_a_change_gives_a_new_etag(client, consultation, record):
    path = comments_path(consultation)
    first = api(client, path)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    unchanged = api(client, path, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged["ETag"] == etag
    assert api(client, path, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    # Each page and each filter is its own resource.
    assert api(client, path + "?respondent_type=carer")["ETag"] != etag
    assert api(client, path + "?page_size=2")["ETag"] != etag

    public_pages_changed(consultations=[consultation])  # as every decision on a comment does
    changed = api(client, path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    for name in ["consultations"]:
        listed = api(client, reverse(f"api:{name}"))
        assert api(client, reverse(f"api:{name}"), HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 304


def test_last_modified_is_when_what_the_public_sees_last_changed(client, consultation):
    moment = timezone.now() - datetime.timedelta(hours=2)
    Consultation.objects.filter(pk=consultation.pk).update(content_changed_at=moment)
    response = api(client, reverse("api:consultation", args=[consultation.slug]))
    # It opened a week ago, so the later moment is the change.
    assert response["Last-Modified"] == http_date(int(moment.timestamp()))
    earlier = http_date(int((moment - datetime.timedelta(minutes=1)).timestamp()))
    path = reverse("api:consultation", args=[consultation.slug])
    assert api(client, path, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_cors_lets_any_site_read_the_api_without_credentials_and_nothing_else(client, consultation, record):
    response = api(client, "/api/v1/consultations/", HTTP_ORIGIN="https://other.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]
    page = client.get(reverse("guidance:published", args=[consultation.slug]), HTTP_ORIGIN="https://other.example")
    assert "Access-Control-Allow-Origin" not in page
    preflight = client.options(
        "/api/v1/consultations/",
        HTTP_ORIGIN="https://other.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert "POST" not in preflight["Access-Control-Allow-Methods"]


def test_the_api_only_reads(client, consultation):
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(reverse("api:consultations")).status_code == 405


def test_too_many_requests_from_one_address_get_a_429_with_retry_after(client, consultation, settings):
    settings.API_REQUESTS_PER_MINUTE = 2
    path = reverse("api:consultations")
    assert [api(client, path, REMOTE_ADDR="203.0.113.5").status_code for _ in range(2)] == [200, 200]
    refused = api(client, path, REMOTE_ADDR="203.0.113.5")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert validate(refused, "/api/v1/consultations/")["detail"].startswith("Request was throttled")
    # Another address has its own count; behind the trusted proxy, the client's address counts.
    assert api(client, path, REMOTE_ADDR="203.0.113.6").status_code == 200
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    assert [api(client, path, **forwarded).status_code for _ in range(3)] == [200, 200, 429]


def test_replies_and_themes_appear_once_the_outcome_is_published(client, consultation, record, manager):
    made, _ = record
    theme = ThemeFactory(consultation=consultation, name="Money")
    made["named"].themes.add(theme)
    OutcomeFactory(consultation=consultation, comment=made["named"], kind=Outcome.Kind.CHANGED, text="We did it.")
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=timezone.now() - datetime.timedelta(days=1))
    consultation.refresh_from_db()
    before = {row["id"]: row for row in all_comments(client, consultation)}[made["named"].pk]
    assert before["reply"] == "" and before["themes"] == []
    statistics = api(client, reverse("api:statistics", args=[consultation.slug])).json()
    assert statistics["after_close"]["comments_published"] == 6

    publish_outcome(consultation, by=manager)
    after = {row["id"]: row for row in all_comments(client, consultation)}[made["named"].pk]
    assert after["reply"] == "We did it." and after["reply_kind"] == "We changed the text"
    assert after["themes"] == ["Money"]
    assert [row["id"] for row in all_comments(client, consultation, f"?theme={theme.pk}")] == [made["named"].pk]
    statistics = api(client, reverse("api:statistics", args=[consultation.slug]))
    validate(statistics, "/api/v1/consultations/{slug}/statistics/")


def test_the_schema_is_served_as_json_and_yaml_and_the_docs_page_lists_each_address(client):
    as_json = client.get(reverse("api:schema") + "?format=json")
    assert as_json.status_code == 200
    assert json.loads(as_json.content)["openapi"] == "3.1.0"
    as_yaml = client.get(reverse("api:schema"))
    assert as_yaml.status_code == 200 and b"openapi: 3.1.0" in as_yaml.content
    docs = client.get(reverse("api:docs")).content.decode()
    for path in schema()["paths"]:
        assert f"GET {path}" in docs
    assert '<script src="http' not in docs


def test_a_page_asked_for_again_is_the_same_and_a_decision_changes_it_at_once(client, consultation, record, moderator):
    # The page's records are kept until what the public sees changes: a decision does.
    made, _ = record
    path = comments_path(consultation, "?q=pay")
    first = validate(api(client, path), "/api/v1/consultations/{slug}/comments/")
    assert [comment["text"] for comment in first["results"]] == ["Pay people for their time."]
    assert validate(api(client, path), "/api/v1/consultations/{slug}/comments/") == first
    decide(Comment.objects.filter(pk=made["named"].pk), Comment.Status.PENDING, by=moderator)  # reopened
    assert validate(api(client, path), "/api/v1/consultations/{slug}/comments/")["results"] == []

"""The public reports a published comment: a link under every published comment, a small form,
a thank-you page; bad input, bots and floods store nothing; enough reports hide the comment."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from guidance.models import Comment, ModerationEvent, Report, Response
from tests.factories import CommentFactory, QuestionFactory
from tests.journey_helpers import comment_data, publish, section_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    # "Already reported" marks live in the cache, which outlives a test.
    cache.clear()


@pytest.fixture
def comment(section):
    return publish(CommentFactory(section=section, text="Carers should be paid for their time."))


def report_url(comment):
    return reverse("guidance:report_comment", args=[comment.pk])


def client_at(address):
    return Client(REMOTE_ADDR=address)


def test_every_published_comment_has_a_report_link_that_says_which_comment(client, consultation, section, comment):
    page = client.get(section_url(section, consultation)).content.decode()
    assert f'href="{report_url(comment)}"' in page
    assert 'Report this comment<span class="govuk-visually-hidden"> by Anonymous, ' in page


def test_answers_on_the_published_responses_page_have_the_link_too(client, consultation, question):
    answer = publish(CommentFactory(section=None, question=question))
    page = client.get(reverse("guidance:published", args=[consultation.slug])).content.decode()
    assert f'href="{report_url(answer)}"' in page


def test_the_form_quotes_the_comment_and_asks_for_a_reason(client, consultation, comment):
    page = client.get(report_url(comment))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"<title>Report a comment – {consultation.title} – " in html
    assert "Carers should be paid for their time." in html
    assert "section 1, Reciprocity" in html
    assert "Why are you reporting this comment?" in html
    for label in Report.Reason.labels:
        assert label.replace("'", "&#x27;") in html
    assert 'class="portal-honeypot"' in html
    assert 'class="govuk-breadcrumbs"' in html
    assert f'href="{consultation.get_absolute_url()}"' in html


def test_a_report_is_stored_and_the_reporter_sees_a_thank_you_page(client, consultation, section, comment):
    sent = client.post(report_url(comment), {"reason": "offensive", "details": "  It insults carers.  "})
    assert sent.status_code == 302
    assert sent["Location"] == reverse("guidance:report_sent")
    report = Report.objects.get()
    assert (report.comment, report.reason, report.details) == (comment, "offensive", "It insults carers.")
    thanks = client.get(sent["Location"]).content.decode()
    assert "Report sent" in thanks and "Thank you" in thanks
    assert f'href="{section_url(section, consultation)}"' in thanks
    # One report is not enough to hide it.
    assert Comment.objects.published().get() == comment


def test_the_thank_you_page_without_a_report_goes_to_the_list_of_consultations(client):
    page = client.get(reverse("guidance:report_sent"))
    assert page.status_code == 302
    assert page["Location"] == reverse("guidance:consultation_list")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select why you are reporting this comment"),
        ({"reason": "boring"}, "Select one of the reasons listed"),
        ({"reason": "other", "details": "x" * 10_001}, "Your details must be 10,000 characters or fewer"),
        ({"reason": "other", "details": "Bad\x00text"}, "Remove the hidden control characters"),
        ({"reason": "other", "details": "Bad\x1btext"}, "Remove the hidden control characters"),
    ],
)
def test_bad_input_gets_a_clear_error_and_stores_nothing(client, comment, data, message):
    page = client.post(report_url(comment), data)
    html = page.content.decode()
    assert page.status_code == 200
    assert message in html
    assert "govuk-error-summary" in html
    assert "<title>Error: Report a comment" in html
    assert not Report.objects.exists()


def test_html_in_the_details_is_stored_as_text_and_never_shown_to_the_public(client, consultation, section, comment):
    client.post(report_url(comment), {"reason": "other", "details": "<script>alert(1)</script>"})
    assert Report.objects.get().details == "<script>alert(1)</script>"
    assert "<script>alert(1)" not in client.get(section_url(section, consultation)).content.decode()


@pytest.mark.parametrize("status", ["pending", "rejected", "spam"])
def test_only_published_comments_can_be_reported(client, section, status):
    comment = CommentFactory(section=section)
    Comment.objects.filter(pk=comment.pk).update(status=status, reason_code="off_topic" if status == "rejected" else "")
    assert client.get(report_url(comment)).status_code == 404
    assert client.post(report_url(comment), {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


def test_an_approved_comment_its_author_asked_not_to_publish_cannot_be_reported(client, section):
    comment = publish(CommentFactory(section=section, response__consent=Response.Consent.DO_NOT_PUBLISH))
    assert client.get(report_url(comment)).status_code == 404


def test_an_unknown_comment_is_not_found(client):
    page = client.get(reverse("guidance:report_comment", args=[999_999]))
    assert page.status_code == 404
    assert "Page not found" in page.content.decode()


def test_a_filled_honeypot_looks_like_success_stores_nothing_and_is_logged(client, comment, caplog):
    page = client.post(report_url(comment), {"reason": "spam", "website": "http://spam.example"}, follow=True)
    assert page.status_code == 200
    assert "Report sent" in page.content.decode()
    assert not Report.objects.exists()
    assert "Honeypot filled" in caplog.text and "report discarded" in caplog.text


def test_more_reports_than_the_hourly_limit_get_a_429_page(client, section, settings):
    settings.RATE_LIMIT_REPORTS_PER_HOUR = 2
    comments = [publish(CommentFactory(section=section)) for _ in range(3)]
    for comment in comments[:2]:
        assert client.post(report_url(comment), {"reason": "spam"}).status_code == 302
    page = client.post(report_url(comments[2]), {"reason": "spam"})
    assert page.status_code == 429
    assert 0 < int(page["Retry-After"]) <= 3600
    html = page.content.decode()
    assert "You have sent a lot of reports in the last hour" in html
    assert "You can send more from" in html
    assert Report.objects.count() == 2


def test_reports_and_responses_are_limited_separately(client, consultation, section, comment, settings):
    settings.RATE_LIMIT_REPORTS_PER_HOUR = 1
    assert client.post(report_url(comment), {"reason": "spam"}).status_code == 302
    assert client.post(section_url(section, consultation), comment_data()).status_code == 302


def test_one_connection_reporting_the_same_comment_again_is_thanked_but_counted_once(comment, caplog):
    reporter = client_at("203.0.113.7")
    for _ in range(3):
        page = reporter.post(report_url(comment), {"reason": "offensive"}, follow=True)
        assert "Report sent" in page.content.decode()
    assert Report.objects.count() == 1
    assert Comment.objects.published().get() == comment
    assert "already reported today" in caplog.text


def test_reporting_the_same_comment_again_does_not_use_up_the_hourly_limit(section, comment, settings):
    settings.RATE_LIMIT_REPORTS_PER_HOUR = 2
    reporter = client_at("203.0.113.7")
    other = publish(CommentFactory(section=section))
    assert reporter.post(report_url(comment), {"reason": "offensive"}).status_code == 302
    assert reporter.post(report_url(comment), {"reason": "offensive"}).status_code == 302
    assert reporter.post(report_url(other), {"reason": "offensive"}).status_code == 302
    assert Report.objects.count() == 2


def test_a_report_with_mistakes_does_not_use_up_the_hourly_limit(client, section, comment, settings):
    settings.RATE_LIMIT_REPORTS_PER_HOUR = 1
    assert client.post(report_url(comment), {"reason": "not-a-reason"}).status_code == 200
    assert client.post(report_url(comment), {"reason": "spam"}).status_code == 302
    assert Report.objects.count() == 1


def test_the_third_report_hides_the_comment_and_puts_it_back_in_the_queue_as_the_systems_decision(
    consultation, section, comment, settings
):
    settings.REPORTS_BEFORE_REVIEW = 3
    for n in range(3):
        assert client_at(f"198.51.100.{n + 1}").post(report_url(comment), {"reason": "offensive"}).status_code == 302

    public = Client().get(section_url(section, consultation)).content.decode()
    assert "Carers should be paid for their time." not in public
    assert Client().get(report_url(comment)).status_code == 404

    event = ModerationEvent.objects.get(comment=comment)
    assert (event.from_status, event.to_status, event.by) == ("approved", "pending", None)
    staff = Client()
    staff.force_login(User.objects.create_superuser("root", password="x" * 20))
    queue = staff.get(reverse("admin:guidance_comment_changelist"))
    assert [(c.pk, c.status, c.report_count) for c in queue.context["cl"].result_list] == [(comment.pk, "pending", 3)]


def test_the_number_of_reports_that_hides_a_comment_is_a_setting(consultation, section, comment, settings):
    settings.REPORTS_BEFORE_REVIEW = 2
    client_at("192.0.2.1").post(report_url(comment), {"reason": "spam"})
    assert Comment.objects.published().exists()
    client_at("192.0.2.2").post(report_url(comment), {"reason": "spam"})
    assert not Comment.objects.published().exists()


def test_a_question_answer_can_be_reported_and_the_thank_you_page_links_to_the_published_responses(
    client, consultation
):
    answer = publish(CommentFactory(section=None, question=QuestionFactory(consultation=consultation)))
    page = client.post(report_url(answer), {"reason": "off_topic"}, follow=True).content.decode()
    assert f'href="{reverse("guidance:published", args=[consultation.slug])}"' in page
    assert Report.objects.get().comment == answer


def test_with_the_shared_cache_unreachable_a_report_is_taken_not_a_500(client, comment, settings, caplog):
    # Redis named but not there: nothing listens on port 1.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    from guidance.responses import ratelimit

    ratelimit.CACHE_FAILURE_LOGGED_AT[0] = 0.0
    page = client.post(report_url(comment), {"reason": "offensive"})
    again = client_at("203.0.113.9").post(report_url(comment), {"reason": "spam"})
    assert page.status_code == 302 and again.status_code == 302
    assert Report.objects.filter(comment=comment).count() == 2
    # Logged once a minute, not at every request.
    assert sum("shared cache could not be reached" in r.getMessage() for r in caplog.records) == 1

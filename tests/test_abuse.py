"""Bad input and abuse: each gets a clear page or form error, never a 500, and stores nothing."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment, LimitCounter, Response
from tests.factories import ConsultationFactory, QuestionFactory, SectionFactory
from tests.journey_helpers import DETAILS, comment_data, publish, section_url

pytestmark = pytest.mark.django_db


def assert_nothing_stored():
    assert Response.objects.count() == 0
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("state", ["closed", "upcoming"])
def test_posting_to_a_consultation_that_is_not_open_is_refused_with_a_page_that_explains(client, state):
    now = timezone.now()
    day = datetime.timedelta(days=1)
    if state == "closed":
        consultation = ConsultationFactory(opens_at=now - 30 * day, closes_at=now - day)
        message = "This consultation has closed"
    else:
        consultation = ConsultationFactory(opens_at=now + day, closes_at=now + 30 * day)
        message = "This consultation is not open yet"
    section = SectionFactory(document=consultation.document)
    question = QuestionFactory(consultation=consultation)
    for url, data in [
        (section_url(section, consultation), comment_data()),
        (reverse("guidance:questions", args=[consultation.slug]), {**DETAILS, f"answer_{question.pk}": "Hi"}),
    ]:
        page = client.post(url, data)
        assert page.status_code == 403
        assert message in page.content.decode()
        assert "we have not stored it" in page.content.decode()
    assert_nothing_stored()


def test_a_filled_honeypot_looks_like_success_stores_nothing_and_is_logged(client, consultation, section, caplog):
    page = client.post(section_url(section, consultation), comment_data(website="http://spam.example"), follow=True)
    assert page.status_code == 200
    assert "Comment sent" in page.content.decode()
    assert "Your reference is" in page.content.decode()
    assert_nothing_stored()
    assert "Honeypot filled" in caplog.text


def test_the_honeypot_is_hidden_from_people(client, consultation, section):
    page = client.get(section_url(section, consultation)).content.decode()
    assert 'class="portal-honeypot"' in page
    assert 'name="website"' in page and 'tabindex="-1"' in page


def test_more_new_responses_than_the_hourly_limit_from_one_address_get_a_429_page_saying_when_to_try_again(
    consultation, section, settings
):
    assert settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR == 20  # the default
    for n in range(20):
        assert Client().post(section_url(section, consultation), comment_data(f"Person {n}")).status_code == 302
    page = Client().post(section_url(section, consultation), comment_data("One too many"))
    assert page.status_code == 429
    assert 0 < int(page["Retry-After"]) <= 3600
    content = page.content.decode()
    assert "You have sent a lot of responses in the last hour" in content
    assert "You can send more from" in content and " on " in content  # a plain-English time and date
    assert "Your comment:\nOne too many" in content  # given back, to copy
    assert Response.objects.count() == 20 and not Comment.objects.filter(text="One too many").exists()


def test_forms_added_to_a_response_the_browser_holds_do_not_count_as_new_people(client, consultation, settings):
    """A thorough respondent: 15 sections, the questions and a change or two."""
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 20
    sections = [SectionFactory(document=consultation.document, major=n + 1) for n in range(25)]
    for section in sections:
        assert client.post(section_url(section, consultation), comment_data(f"On {section.major}")).status_code == 302
    assert Response.objects.count() == 1 and Comment.objects.count() == 25


def test_forms_added_to_one_response_have_a_cap_of_their_own(client, consultation, section, settings):
    settings.RATE_LIMIT_FORMS_PER_RESPONSE_PER_HOUR = 2
    url = section_url(section, consultation)
    assert client.post(url, comment_data("First, which starts the response.")).status_code == 302
    assert client.post(url, comment_data("Second.")).status_code == 302
    assert client.post(url, comment_data("Third.")).status_code == 302
    page = client.post(url, comment_data("Fourth."))
    assert page.status_code == 429
    assert "You have sent a lot of forms in the last hour" in page.content.decode()
    assert "Your comment:\nFourth." in page.content.decode()
    assert Comment.objects.count() == 3
    # Another person at the same address is not held back by this response's cap.
    assert Client().post(url, comment_data("Someone else.")).status_code == 302


def test_a_form_with_mistakes_or_sent_twice_does_not_use_up_the_hourly_limit(consultation, section, settings):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 2
    url = section_url(section, consultation)
    person = Client()
    assert person.post(url, comment_data("")).status_code == 200  # "Enter your comment"
    sent_twice = comment_data("Sent twice.", form_token="7f1c0a52-3d5e-4b8a-9c61-0e2f4a6b8d10")
    assert person.post(url, sent_twice).status_code == 302
    assert Client().post(url, sent_twice).status_code == 302  # the same form again, from a fresh session
    assert Client().post(url, comment_data("Second.")).status_code == 302
    assert Client().post(url, comment_data("Third.")).status_code == 429
    assert sorted(Comment.objects.values_list("text", flat=True)) == ["Second.", "Sent twice."]


def test_a_filled_honeypot_uses_a_place_as_a_real_submission_would(client, consultation, section, settings):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
    url = section_url(section, consultation)
    assert client.post(url, comment_data(website="http://spam.example")).status_code == 302
    assert client.post(url, comment_data()).status_code == 429
    assert_nothing_stored()


def test_the_limit_counts_each_address_separately_and_never_stores_the_address(consultation, section, settings):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
    first = Client(REMOTE_ADDR="203.0.113.7")
    second = Client(REMOTE_ADDR="198.51.100.9")
    assert first.post(section_url(section, consultation), comment_data()).status_code == 302
    assert Client(REMOTE_ADDR="203.0.113.7").post(section_url(section, consultation), comment_data()).status_code == 429
    assert second.post(section_url(section, consultation), comment_data()).status_code == 302
    keys = " ".join(LimitCounter.objects.values_list("key", flat=True))
    assert keys and "203.0.113.7" not in keys and "198.51.100.9" not in keys


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Enter your comment"),
        ("   \n\t  ", "Enter your comment"),
        ("x" * 10_001, "Your comment must be 10,000 characters or fewer: you have written 10,001"),
        ("Hello\x00world", "Remove the hidden control characters"),
        ("Hello\x1bworld", "Remove the hidden control characters"),
    ],
    ids=["empty", "whitespace", "too-long", "nul-byte", "control-character"],
)
def test_a_bad_comment_gets_a_clear_error_and_stores_nothing(client, consultation, section, text, error):
    page = client.post(section_url(section, consultation), comment_data(text))
    assert page.status_code == 200
    content = page.content.decode()
    assert "There is a problem" in content
    assert error in content
    assert '<a href="#id_comment">' in content
    assert_nothing_stored()


def test_a_comment_of_exactly_ten_thousand_characters_is_accepted(client, consultation, section):
    assert client.post(section_url(section, consultation), comment_data("x" * 10_000)).status_code == 302
    assert len(Comment.objects.get().text) == 10_000


def test_control_characters_in_a_name_are_refused(client, consultation, section):
    page = client.post(section_url(section, consultation), comment_data(name="Ann\x00Smith"))
    assert "Remove the hidden control characters" in page.content.decode()
    assert_nothing_stored()


def test_an_invalid_email_address_gets_a_clear_error(client, consultation, section):
    page = client.post(section_url(section, consultation), comment_data(email="ann at example"))
    assert "Enter an email address in the correct format, like name@example.com" in page.content.decode()
    assert_nothing_stored()


def test_an_invalid_choice_gets_an_error_not_a_500(client, consultation, section):
    page = client.post(section_url(section, consultation), comment_data(respondent_type="king", consent="maybe"))
    assert page.status_code == 200
    assert "There is a problem" in page.content.decode()
    assert_nothing_stored()


def test_a_section_of_another_consultation_is_a_404(client, consultation):
    other = ConsultationFactory()
    foreign = SectionFactory(document=other.document, slug="foreign-section")
    url = reverse("guidance:section", args=[consultation.slug, foreign.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, comment_data()).status_code == 404
    assert_nothing_stored()


def test_a_section_that_does_not_exist_is_a_404(client, consultation):
    url = reverse("guidance:section", args=[consultation.slug, "no-such-section"])
    page = client.post(url, comment_data())
    assert page.status_code == 404
    assert "Page not found" in page.content.decode()
    assert_nothing_stored()


def test_an_answer_to_another_consultations_question_is_ignored(client, consultation):
    QuestionFactory(consultation=consultation, position=1)
    foreign = QuestionFactory(consultation=ConsultationFactory(), position=1)
    page = client.post(
        reverse("guidance:questions", args=[consultation.slug]), {**DETAILS, f"answer_{foreign.pk}": "X"}
    )
    assert "Answer at least one question" in page.content.decode()
    assert_nothing_stored()


def test_questions_page_of_a_consultation_without_questions_is_a_404(client, consultation):
    assert client.get(reverse("guidance:questions", args=[consultation.slug])).status_code == 404


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_missing_or_wrong_csrf_token_gets_a_403_page_in_our_design(consultation, section, token):
    client = Client(enforce_csrf_checks=True)
    client.get(section_url(section, consultation))
    data = comment_data()
    if token:
        data["csrfmiddlewaretoken"] = token
    page = client.post(section_url(section, consultation), data)
    assert page.status_code == 403
    assert "Your form could not be sent" in page.content.decode()
    assert "govuk-footer" in page.content.decode()
    assert_nothing_stored()


def test_a_form_with_its_csrf_token_is_accepted(consultation, section):
    client = Client(enforce_csrf_checks=True)
    form_page = client.get(section_url(section, consultation))
    token = form_page.cookies["csrftoken"].value
    page = client.post(section_url(section, consultation), {**comment_data(), "csrfmiddlewaretoken": token})
    assert page.status_code == 302


def test_html_and_script_in_every_field_are_shown_as_text(client, consultation, section):
    script = '<script>alert("x")</script><b onmouseover="x()">bold</b>'
    client.post(section_url(section, consultation), comment_data(script, name=script))
    comment = publish(Comment.objects.get())
    assert comment.text == script
    for url in [section_url(section, consultation), reverse("guidance:published", args=[consultation.slug])]:
        page = client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "<b onmouseover" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    # The next form shows the name back masked, and escaped too.
    form_page = client.get(section_url(section, consultation)).content.decode()
    assert "&lt;•••" in form_page and "<script>alert" not in form_page


def test_html_in_a_question_or_its_hint_is_shown_as_text(client, consultation):
    QuestionFactory(consultation=consultation, text="<i>Why</i>?", hint="<script>x()</script>")
    page = client.get(reverse("guidance:questions", args=[consultation.slug])).content.decode()
    assert "<i>Why</i>" not in page and "&lt;i&gt;Why&lt;/i&gt;" in page
    assert "<script>x()" not in page

"""Deadline night: a form opened before the close may be sent for CLOSE_GRACE_MINUTES after it, the
time it was opened travelling in its signed token; past that, or refused for any other reason, the
page gives the person's own words back to copy or email (tests/test_browser_deadline.py does the
same in a real browser)."""

import datetime
import re
from contextlib import contextmanager
from unittest import mock
from urllib.parse import unquote

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment, Question, Response
from guidance.public.form_fields import FORM_COPY_SALT
from tests.factories import QuestionFactory
from tests.journey_helpers import DETAILS, comment_data, section_url

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
TEXT = "Payment for public contributors should be agreed before the project starts."


@contextmanager
def minutes_later(minutes):
    """The clock moved on by `minutes`, as for someone who took that long over their form."""
    later = timezone.now() + datetime.timedelta(minutes=minutes)
    with mock.patch("django.utils.timezone.now", return_value=later):
        yield


@pytest.fixture
def closing_soon(consultation):
    """The consultation closes in five minutes."""
    consultation.closes_at = timezone.now() + datetime.timedelta(minutes=5)
    consultation.save()
    return consultation


def opened_form_token(client, url):
    return TOKEN.search(client.get(url).content.decode())[1]


@pytest.mark.parametrize("minutes_after_the_close", [1, 29])
def test_a_form_opened_before_the_close_is_accepted_within_the_grace_period(
    client, closing_soon, section, minutes_after_the_close
):
    url = section_url(section, closing_soon)
    token = opened_form_token(client, url)
    with minutes_later(5 + minutes_after_the_close):
        sent = client.post(url, comment_data(TEXT, form_token=token), follow=True)
    assert "Comment sent" in sent.content.decode()
    assert Comment.objects.get().text == TEXT


def test_a_form_sent_after_the_grace_period_is_refused_and_its_text_given_back(client, closing_soon, section):
    url = section_url(section, closing_soon)
    token = opened_form_token(client, url)
    with minutes_later(5 + 31):
        page = client.post(url, comment_data(TEXT, form_token=token))
    content = page.content.decode()
    assert page.status_code == 403
    assert "This consultation has closed" in content and "we have not stored it" in content
    assert re.search(r'<textarea[^>]*id="what-you-wrote"[^>]*readonly[^>]*>Your comment:\n' + re.escape(TEXT), content)
    mailto = re.search(r'href="(mailto:consult@example.org\?[^"]+)"', content)[1]
    assert TEXT in unquote(mailto.replace("&amp;", "&"))
    assert not Response.objects.exists()


def test_the_grace_period_is_a_setting(client, closing_soon, section, settings):
    settings.CLOSE_GRACE_MINUTES = 0
    url = section_url(section, closing_soon)
    token = opened_form_token(client, url)
    with minutes_later(6):
        assert client.post(url, comment_data(TEXT, form_token=token)).status_code == 403
    assert not Response.objects.exists()


def test_a_form_whose_token_time_was_changed_gets_no_grace(client, closing_soon, section):
    """The time is signed: a browser cannot claim its form was opened before the close."""
    url = section_url(section, closing_soon)
    forged = signing.dumps({"u": "0" * 32, "t": 0}, salt="not-the-portals")
    genuine = opened_form_token(client, url)
    changed = genuine[:-1] + ("A" if genuine[-1] != "A" else "B")
    with minutes_later(10):
        for token in [forged, changed, "", "8b0e7c1a-5c3d-4e0f-9a2b-6d4c8e1f3a57"]:
            assert client.post(url, comment_data(TEXT, form_token=token)).status_code == 403
    assert not Response.objects.exists()


def test_a_form_opened_after_the_close_gets_no_grace(client, closing_soon, section):
    url = section_url(section, closing_soon)
    with minutes_later(6):
        after_the_close = signing.dumps({"u": "1" * 32, "t": int(timezone.now().timestamp())}, salt=FORM_COPY_SALT)
        assert client.post(url, comment_data(TEXT, form_token=after_the_close)).status_code == 403
    assert not Response.objects.exists()


def test_answers_refused_at_the_close_are_given_back_with_the_options_chosen(client, closing_soon):
    question = QuestionFactory(
        consultation=closing_soon, text="Is the guidance clear?", kind=Question.Kind.ONE_CHOICE, explain_label="Why?"
    )
    yes, _ = question.options.create(label="Yes", position=1), question.options.create(label="No", position=2)
    url = reverse("guidance:questions", args=[closing_soon.slug])
    with minutes_later(60):
        page = client.post(
            url, {**DETAILS, f"answer_{question.pk}": str(yes.pk), f"answer_{question.pk}_text": "Mostly, yes."}
        )
    content = page.content.decode()
    assert page.status_code == 403
    assert f"{question.number}. Is the guidance clear?:\nYes\nMostly, yes." in content
    assert not Response.objects.exists()


def test_a_form_over_the_hourly_limit_is_given_back_with_the_organisations_address(
    client, consultation, section, settings
):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 0
    page = client.post(section_url(section, consultation), comment_data(TEXT))
    content = page.content.decode()
    assert page.status_code == 429
    assert "Your comment:\n" + TEXT in content
    assert 'href="mailto:consult@example.org"' in content
    assert not Response.objects.exists()

"""When the database fails under a request: wherever the failure is met (the session, signing in,
the staff idle timeout, the view, saving the session after what was sent is stored), the person gets
the 503 page with Retry-After, saying truthfully what became of what they sent; a form sent again
after such a failure is not stored twice; a lock held too long is a 503, not a wait."""

import threading
import uuid
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection, connections
from django.test import Client

from guidance.models import Comment
from tests.factories import UserFactory
from tests.journey_helpers import comment_data, section_url

DATABASE_DOWN = OperationalError("server closed the connection unexpectedly")


def client_with_a_session(client, consultation, section):
    """A browser that has already sent a comment, so every request reads its session."""
    client.post(section_url(section, consultation), comment_data(form_token=str(uuid.uuid4())))
    assert client.cookies.get("sessionid")
    client.raise_request_exception = False
    return client


def assert_unavailable(page):
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    text = page.content.decode()
    assert "Sorry, the service is unavailable" in text
    assert "OperationalError" not in text and "Traceback" not in text
    return text


@pytest.mark.django_db
def test_a_visitor_with_a_session_gets_the_503_page_when_the_session_cannot_be_read(client, consultation, section):
    client_with_a_session(client, consultation, section)
    with mock.patch.object(SessionStore, "load", side_effect=DATABASE_DOWN):
        page = client.get(section_url(section, consultation))
    text = assert_unavailable(page)
    assert "saved" not in text  # a page view sent nothing


@pytest.mark.django_db
def test_a_signed_in_member_of_staff_gets_the_503_page_when_their_account_cannot_be_read(client):
    client.force_login(UserFactory(moderator=True))
    client.raise_request_exception = False
    with mock.patch("django.contrib.auth.get_user_model", side_effect=DATABASE_DOWN):
        page = client.get("/admin/")
    assert_unavailable(page)


@pytest.mark.django_db
def test_the_staff_idle_timeout_meeting_a_database_failure_is_the_503_page(client):
    client.force_login(UserFactory(moderator=True))
    client.raise_request_exception = False
    with mock.patch("guidance.staff.accounts.settings") as staff_settings:
        type(staff_settings).STAFF_SESSION_IDLE_SECONDS = mock.PropertyMock(side_effect=DATABASE_DOWN)
        page = client.get("/admin/")
    assert_unavailable(page)


@pytest.mark.django_db
def test_a_form_that_fails_before_anything_is_stored_is_said_not_to_be_saved(client, consultation, section):
    client_with_a_session(client, consultation, section)
    with mock.patch.object(SessionStore, "load", side_effect=DATABASE_DOWN):
        page = client.post(section_url(section, consultation), comment_data(form_token=str(uuid.uuid4())))
    assert "What you sent has not been saved" in assert_unavailable(page)
    assert Comment.objects.count() == 1  # the first comment only


@pytest.mark.django_db
def test_when_the_session_cannot_be_saved_after_the_comment_is_stored_the_page_says_it_was_saved(
    client, consultation, section
):
    client.raise_request_exception = False
    sent = comment_data("Saved before the session failed.", form_token=str(uuid.uuid4()))
    with mock.patch.object(SessionStore, "save", side_effect=DATABASE_DOWN):
        page = client.post(section_url(section, consultation), sent)
    text = assert_unavailable(page)
    assert "What you sent has been saved" in text and "not been saved" not in text
    assert list(Comment.objects.values_list("text", flat=True)) == ["Saved before the session failed."]

    # The person does not know that, and sends the same form again: it is stored once.
    again = Client().post(section_url(section, consultation), sent)
    assert again.status_code == 302 and again["Location"].endswith("/sent/")
    assert Comment.objects.count() == 1


@pytest.mark.django_db
def test_a_failure_in_the_middle_of_storing_is_said_to_be_unknown_and_safe_to_send_again(client, consultation, section):
    client.raise_request_exception = False
    with mock.patch("guidance.public.submitting.submit_response", side_effect=DATABASE_DOWN):
        page = client.post(section_url(section, consultation), comment_data(form_token=str(uuid.uuid4())))
    text = assert_unavailable(page)
    assert "We cannot tell whether what you sent was saved" in text
    assert "will not be saved twice" in text


@pytest.mark.django_db
def test_the_confirmation_page_meeting_the_database_down_says_the_comment_was_saved(client, consultation, section):
    client_with_a_session(client, consultation, section)
    with mock.patch.object(SessionStore, "load", side_effect=DATABASE_DOWN):
        page = client.get(f"/consultations/{consultation.slug}/sent/")
    text = assert_unavailable(page)
    assert "we have received it: you do not need to send it again" in text
    assert "not been saved" not in text


@pytest.mark.django_db
def test_other_failures_are_the_500_page_and_say_what_became_of_the_form(client, consultation, section):
    client.raise_request_exception = False
    with mock.patch("guidance.public.submitting.submit_response", side_effect=ValueError("a bug")):
        page = client.post(section_url(section, consultation), comment_data(form_token=str(uuid.uuid4())))
    assert page.status_code == 500
    assert "We cannot tell whether what you sent was saved" in page.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement and lock timeouts are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_page_waiting_on_a_lock_longer_than_the_lock_timeout_gets_the_503_page(consultation, section):
    locked, release = threading.Event(), threading.Event()

    def hold_the_comments_table():
        with connections["default"].cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE guidance_comment IN ACCESS EXCLUSIVE MODE")
            locked.set()
            release.wait(10)
            cursor.execute("ROLLBACK")
        connections["default"].close()

    holder = threading.Thread(target=hold_the_comments_table)
    holder.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")  # as the web process's connections are set
        client = Client(raise_request_exception=False)
        page = client.get(section_url(section, consultation))
    finally:
        release.set()
        holder.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert_unavailable(page)


WEB_TIMEOUTS_PROBE = """
import consult.wsgi
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    statement = cursor.fetchone()[0]
    cursor.execute("SHOW lock_timeout")
    print("TIMEOUTS", statement, cursor.fetchone()[0])
"""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement and lock timeouts are PostgreSQL's")
def test_the_web_process_runs_with_short_statement_and_lock_timeouts_and_commands_with_longer_ones():
    import os
    import subprocess
    import sys

    from tests.test_operations import ROOT, clean_env

    # The server's own database: the one DATABASE_URL names may not exist while the tests run.
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    web = subprocess.run(
        [sys.executable, "-c", WEB_TIMEOUTS_PROBE], cwd=ROOT, env=clean_env(DATABASE_URL=url), capture_output=True
    )
    assert b"TIMEOUTS 10s 3s" in web.stdout, web.stderr
    command = subprocess.run(
        [sys.executable, "-c", WEB_TIMEOUTS_PROBE.replace("import consult.wsgi", "import django; django.setup()")],
        cwd=ROOT,
        env=clean_env(DATABASE_URL=url),
        capture_output=True,
    )
    assert b"TIMEOUTS 10min 1min" in command.stdout, command.stderr

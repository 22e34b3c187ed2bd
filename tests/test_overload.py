"""Overload: past MAX_REQUESTS_IN_PROGRESS a process answers 503 "very busy" with Retry-After
after waiting at most BUSY_WAIT_MS for a place, instead of queueing requests until they time out
(consult.middleware.LoadSheddingMiddleware).

Requests "in progress at the same time" are real: while one request is being handled (past the
load shedding, in the session middleware), the same test client sends the next one through the
same middleware chain, which is what gunicorn's threads share in one process."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult.middleware import LoadSheddingMiddleware
from guidance.models import Comment, Response
from tests.factories import ChatHourFactory
from tests.journey_helpers import comment_data, section_url

ROOT = Path(__file__).resolve().parent.parent


class SentWhileInProgress:
    """Makes each request, while it is in progress, send the next of `requests` (functions of no
    arguments) through the same client; `answers` holds what each of them got, in order."""

    def __init__(self, *requests):
        self.waiting = list(requests)
        self.answers = [None] * len(requests)
        self.original = SessionMiddleware.process_request

    def in_progress(self, middleware, request):
        if self.waiting:
            position = len(self.answers) - len(self.waiting)
            send = self.waiting.pop(0)
            self.answers[position] = send()
        return self.original(middleware, request)

    def __enter__(self):
        self.patch = mock.patch.object(
            SessionMiddleware, "process_request", autospec=True, side_effect=self.in_progress
        )
        self.patch.start()
        return self.answers

    def __exit__(self, *exc_info):
        self.patch.stop()


@pytest.fixture
def limit_of_one(settings):
    settings.MAX_REQUESTS_IN_PROGRESS = 1
    settings.BUSY_RETRY_AFTER = 7
    # The requests below are nested in one thread, so no place can free up while one waits.
    settings.BUSY_WAIT_MS = 0
    return settings


@pytest.mark.django_db
def test_a_page_requested_while_the_limit_is_in_progress_gets_the_busy_page_at_once(client, limit_of_one):
    with SentWhileInProgress(lambda: client.get("/")) as answers:
        first = client.get("/")
    assert first.status_code == 200
    busy = answers[0]
    assert busy.status_code == 503
    assert busy["Retry-After"] == "7"
    assert busy["Cache-Control"] == "no-store"
    page = busy.content.decode()
    assert "Sorry, the service is very busy" in page
    assert "Please try again in a minute." in page
    assert "not been saved" not in page


@pytest.mark.django_db
def test_a_refusal_makes_no_database_query_even_for_signed_in_staff(admin_client, limit_of_one):
    def refused():
        with CaptureQueriesContext(connection) as queries:
            answer = admin_client.get("/")
        return answer, len(queries)

    with SentWhileInProgress(refused) as answers:
        admin_client.get("/")
    ((busy, queries),) = answers
    assert busy.status_code == 503
    assert queries == 0


@pytest.mark.django_db
def test_a_comment_sent_when_page_views_are_refused_is_still_accepted(client, limit_of_one, consultation, section):
    url = section_url(section, consultation)
    with SentWhileInProgress(lambda: client.post(url, comment_data("Sent while busy."))) as answers:
        assert client.get("/").status_code == 200
    assert answers[0].status_code == 302
    assert list(Comment.objects.values_list("text", flat=True)) == ["Sent while busy."]


@pytest.mark.django_db
def test_a_chat_hours_live_queue_and_polls_are_served_while_page_views_are_refused(
    moderator_client, limit_of_one, consultation
):
    """Every reply waits for the moderators, and every open page's poll costs about what refusing
    it does: both are refused only with the posts; the chat page itself with the page views."""
    event = ChatHourFactory(consultation=consultation)
    queue = reverse("admin:guidance_event_chat_queue", args=[event.pk])
    waiting = reverse("admin:guidance_event_chat_waiting", args=[event.pk])
    poll = reverse("guidance:event_chat_messages", args=[consultation.slug, event.slug])
    chat_page = reverse("guidance:event_chat", args=[consultation.slug, event.slug])
    answers = []
    for url in (queue, waiting, poll, chat_page):
        with SentWhileInProgress(lambda url=url: moderator_client.get(url)) as sent:
            assert moderator_client.get("/").status_code == 200
        answers += sent
    assert [answer.status_code for answer in answers] == [200, 200, 200, 503]


@pytest.mark.django_db
def test_a_comment_refused_past_twice_the_limit_is_not_stored_and_the_page_says_so(
    client, limit_of_one, consultation, section
):
    url = section_url(section, consultation)
    with SentWhileInProgress(
        lambda: client.post(url, comment_data("Sent first.")),
        lambda: client.post(url, comment_data("Sent one too many.")),
    ) as answers:
        assert client.get("/").status_code == 200
    accepted, refused = answers
    assert accepted.status_code == 302
    assert refused.status_code == 503
    assert refused["Retry-After"] == "7"
    assert refused["Cache-Control"] == "no-store"
    page = refused.content.decode()
    assert "Sorry, the service is very busy" in page
    assert "What you sent has not been saved." in page
    assert "back button" in page and "send it again" in page
    assert list(Comment.objects.values_list("text", flat=True)) == ["Sent first."]


def confirmation_url(consultation):
    return reverse("guidance:confirmation", args=[consultation.slug])


@pytest.mark.django_db
def test_the_confirmation_after_sending_a_comment_is_shown_when_page_views_are_refused(
    client, limit_of_one, consultation, section
):
    assert client.post(section_url(section, consultation), comment_data("Sent just now.")).status_code == 302
    with SentWhileInProgress(lambda: client.get(confirmation_url(consultation))) as answers:
        assert client.get("/").status_code == 200
    confirmation = answers[0]
    assert confirmation.status_code == 200
    assert Response.objects.get().reference in confirmation.content.decode()


@pytest.mark.django_db
def test_a_refused_confirmation_page_says_what_was_sent_was_received(client, limit_of_one, consultation, section):
    client.post(section_url(section, consultation), comment_data("Sent just now."))
    url = confirmation_url(consultation)
    with SentWhileInProgress(lambda: client.get(url), lambda: client.get(url)) as answers:
        client.get("/")
    shown, refused = answers
    assert shown.status_code == 200
    assert refused.status_code == 503
    assert refused["Retry-After"] == "7"
    page = refused.content.decode()
    assert "we have received it: you do not need to send it again" in page
    assert "Reload this page in a minute" in page
    assert "not been saved" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/static/js/portal.js"])
def test_the_health_check_and_static_files_are_never_refused(client, limit_of_one, path):
    with SentWhileInProgress(lambda: client.get(path)) as answers:
        client.get("/")
    assert answers[0].status_code == 200


@pytest.mark.django_db
def test_each_refusal_is_one_warning_log_line_without_the_ip_address(client, limit_of_one, caplog):
    with SentWhileInProgress(lambda: client.get("/privacy/", REMOTE_ADDR="203.0.113.9")):
        client.get("/")
    problems = [record for record in caplog.records if record.levelname in {"WARNING", "ERROR", "CRITICAL"}]
    assert len(problems) == 1
    (refusal,) = problems
    assert refusal.levelname == "WARNING"
    assert refusal.name == "consult.middleware"
    assert refusal.getMessage() == (
        "Too busy: refused a GET with 503 (1 requests already in progress in this process, limit 1)"
    )
    assert "203.0.113.9" not in caplog.text


@pytest.mark.django_db
def test_a_limit_of_zero_never_refuses(client, settings):
    settings.MAX_REQUESTS_IN_PROGRESS = 0
    with SentWhileInProgress(lambda: client.get("/"), lambda: client.get("/"), lambda: client.get("/")) as answers:
        client.get("/")
    assert [answer.status_code for answer in answers] == [200, 200, 200]


def test_the_count_goes_back_down_when_a_request_finishes_and_when_its_view_raises(rf, settings):
    settings.MAX_REQUESTS_IN_PROGRESS = 1
    outcomes = iter([HttpResponse("first"), ValueError("a bug in the view"), HttpResponse("third")])

    def view(request):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    middleware = LoadSheddingMiddleware(view)
    assert middleware(rf.get("/")).content == b"first"
    with pytest.raises(ValueError, match="a bug in the view"):
        middleware(rf.get("/"))
    third = middleware(rf.get("/"))
    assert (third.status_code, third.content) == (200, b"third")


class HeldPlaces:
    """One middleware, as one process has, whose requests run in threads of their own as gunicorn's
    threads do. A request to /hold/ keeps its place until release(); any other is answered
    "served" at once."""

    def __init__(self):
        self.release = threading.Event()
        self.middleware = LoadSheddingMiddleware(self.view)
        self.threads, self.answers = [], []

    def view(self, request):
        if request.path.startswith("/hold/"):
            self.release.wait(timeout=10)
            return HttpResponse("held")
        return HttpResponse("served")

    def send(self, request):
        thread = threading.Thread(target=lambda: self.answers.append(self.middleware(request)))
        thread.start()
        self.threads.append(thread)

    def hold(self, request):
        """Sends `request` (to /hold/) and returns once it holds a place."""
        holding = self.middleware.in_progress + 1
        self.send(request)
        deadline = time.monotonic() + 10
        while self.middleware.in_progress < holding:
            assert time.monotonic() < deadline, "the request never got a place"
            time.sleep(0.001)

    def send_to_wait(self, request):
        """Sends `request` and returns once it is waiting for a place."""
        waiting = self.middleware.waiting + 1
        self.send(request)
        deadline = time.monotonic() + 10
        while self.middleware.waiting < waiting:
            assert time.monotonic() < deadline, "the request never waited"
            time.sleep(0.001)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.release.set()
        for thread in self.threads:
            thread.join(timeout=10)


def test_a_request_that_finds_the_process_full_is_served_as_soon_as_a_place_frees(rf, settings):
    settings.MAX_REQUESTS_IN_PROGRESS = 1
    settings.BUSY_WAIT_MS = 10_000
    with HeldPlaces() as held:
        held.hold(rf.get("/hold/"))
        held.send_to_wait(rf.get("/"))
        assert held.answers == []
        held.release.set()
        released = time.monotonic()
        held.threads[-1].join(timeout=10)
        assert time.monotonic() - released < 5  # woken when the place freed, not at the end of the wait
    assert sorted(answer.content for answer in held.answers) == [b"held", b"served"]
    assert (held.middleware.in_progress, held.middleware.waiting) == (0, 0)


def test_a_request_still_without_a_place_after_the_wait_is_refused_and_the_next_may_wait_again(rf, settings):
    settings.MAX_REQUESTS_IN_PROGRESS = 1
    settings.BUSY_WAIT_MS = 50
    settings.BUSY_RETRY_AFTER = 7
    with HeldPlaces() as held:
        held.hold(rf.get("/hold/"))
        for _ in range(2):
            started = time.monotonic()
            refused = held.middleware(rf.get("/"))
            assert time.monotonic() - started >= 0.05
            assert refused.status_code == 503
            assert refused["Retry-After"] == "7"
        assert held.middleware.waiting == 0
    assert held.middleware(rf.get("/")).content == b"served"


def test_with_twice_the_limit_served_or_waiting_a_further_request_is_refused_at_once(rf, settings):
    settings.MAX_REQUESTS_IN_PROGRESS = 1
    settings.BUSY_WAIT_MS = 10_000
    with HeldPlaces() as held:
        held.hold(rf.get("/hold/"))
        held.send_to_wait(rf.get("/"))
        started = time.monotonic()
        refused = held.middleware(rf.get("/"))
        assert time.monotonic() - started < 5  # not the 10 s wait
        assert refused.status_code == 503
    assert sorted(answer.content for answer in held.answers) == [b"held", b"served"]


def test_the_busy_page_kept_for_one_kind_of_refusal_is_never_shown_for_another(rf, settings):
    # Each process renders the page once for each kind of refusal: a refused post after a refused
    # page view must still say that nothing was saved, and the page view after it must not.
    settings.MAX_REQUESTS_IN_PROGRESS = 1
    settings.BUSY_WAIT_MS = 0
    with HeldPlaces() as held:
        held.hold(rf.post("/hold/"))
        held.hold(rf.post("/hold/"))
        first_view = held.middleware(rf.get("/"))
        refused_post = held.middleware(rf.post("/"))
        second_view = held.middleware(rf.get("/"))
    assert [first_view.status_code, refused_post.status_code, second_view.status_code] == [503, 503, 503]
    assert "What you sent has not been saved." in refused_post.content.decode()
    for view in (first_view, second_view):
        assert "not been saved" not in view.content.decode()
        assert "Please try again in a minute." in view.content.decode()


def test_posts_in_progress_count_towards_what_may_wait(rf, settings):
    # Posts may have twice the limit in progress: once they do, a page view is not held to wait
    # on top of them (the threads beyond twice the limit must stay free to refuse).
    settings.MAX_REQUESTS_IN_PROGRESS = 1
    settings.BUSY_WAIT_MS = 10_000
    with HeldPlaces() as held:
        held.hold(rf.post("/hold/"))
        held.hold(rf.post("/hold/"))
        started = time.monotonic()
        refused = held.middleware(rf.get("/"))
        assert time.monotonic() - started < 5
        assert refused.status_code == 503
        assert held.middleware.waiting == 0


def test_the_default_gunicorn_has_threads_free_to_refuse_when_a_process_is_at_its_limit(settings):
    code = "import runpy, json; c = runpy.run_path('gunicorn.conf.py'); "
    code += "print(json.dumps([c['worker_class'], c['threads']]))"
    env = {key: value for key, value in os.environ.items() if not key.startswith("GUNICORN_")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    worker_class, threads = json.loads(result.stdout)
    assert worker_class == "gthread"
    assert threads > 2 * settings.MAX_REQUESTS_IN_PROGRESS > 0

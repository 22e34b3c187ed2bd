"""Limits hold when requests arrive together: many posts sent at the same moment from one address,
through the live server's threads and their own database connections, store no more than the
limit allows. On PostgreSQL, where requests really run side by side (CI runs the suite there too);
SQLite takes one writer at a time, so there nothing can race."""

import http.client
import http.cookiejar
import re
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection

from guidance.models import Comment, Report, Response
from tests.factories import CommentFactory, ConsultationFactory, SectionFactory
from tests.journey_helpers import comment_data, publish, section_url

POSTS = 30
LIMIT = 5

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite runs one writer at a time"),
]


@pytest.fixture
def limits(settings):
    cache.clear()  # "already reported" marks live in the cache, which outlives a test
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = LIMIT
    settings.RATE_LIMIT_REPORTS_PER_HOUR = LIMIT
    # Every post must reach the view: the live server is one process, whose overload refusal would
    # otherwise turn most of them away before the limit is even asked.
    settings.MAX_REQUESTS_IN_PROGRESS = 0


class Visitor:
    """One browser: its own connection to the live server, its own cookies."""

    def __init__(self, live_server):
        self.url = urllib.parse.urlsplit(live_server.url)
        self.connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=60)
        self.cookies = {}

    def request(self, method, path, data=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        answer = self.connection.getresponse()
        content = answer.read().decode()
        for header in answer.headers.get_all("Set-Cookie") or []:
            cookie = http.cookiejar.split_header_words([header])[0][0]
            self.cookies[cookie[0]] = cookie[1]
        return answer.status, content

    def form(self, path):
        """Open the page and return its form's hidden fields, as a browser would send them back."""
        status, page = self.request("GET", path)
        assert status == 200
        return dict(re.findall(r'<input type="hidden" name="(csrfmiddlewaretoken|form_token)" value="([^"]*)"', page))


def post_all_at_once(visitors_and_posts):
    """Each visitor sends its post at the same moment; returns the status codes."""
    start = threading.Barrier(len(visitors_and_posts))

    def send(visitor_and_post):
        visitor, path, data = visitor_and_post
        start.wait()
        status, _ = visitor.request("POST", path, data)
        visitor.connection.close()
        return status

    with ThreadPoolExecutor(len(visitors_and_posts)) as pool:
        return list(pool.map(send, visitors_and_posts))


def test_thirty_comments_sent_at_once_from_one_address_store_no_more_than_the_limit(live_server, limits):
    consultation = ConsultationFactory()
    section = SectionFactory(document=consultation.document)
    path = section_url(section, consultation)
    posts = []
    for n in range(POSTS):
        visitor = Visitor(live_server)
        posts.append((visitor, path, {**comment_data(f"Comment {n}"), **visitor.form(path)}))
    statuses = post_all_at_once(posts)
    assert Response.objects.count() == Comment.objects.count() == LIMIT
    assert sorted(statuses) == [302] * LIMIT + [429] * (POSTS - LIMIT)


def test_thirty_reports_sent_at_once_from_one_address_store_no_more_than_the_limit(live_server, limits):
    section = SectionFactory(document=ConsultationFactory().document)
    comments = [publish(CommentFactory(section=section)) for _ in range(POSTS)]
    posts = []
    for comment in comments:
        visitor = Visitor(live_server)
        path = f"/comments/{comment.pk}/report/"
        posts.append((visitor, path, {"reason": "offensive", "details": "", **visitor.form(path)}))
    statuses = post_all_at_once(posts)
    assert Report.objects.count() == LIMIT
    assert sorted(statuses) == [302] * LIMIT + [429] * (POSTS - LIMIT)


def test_four_first_forms_sent_at_once_from_one_browser_join_one_response_it_can_reach(live_server, limits):
    consultation = ConsultationFactory()
    sections = [SectionFactory(document=consultation.document) for _ in range(4)]
    browser = Visitor(live_server)
    forms = [browser.form(section_url(section, consultation)) for section in sections]
    posts = []
    for n, (section, hidden) in enumerate(zip(sections, forms, strict=True)):
        tab = Visitor(live_server)  # a tab of the same browser: its own connection, the same cookies
        tab.cookies = dict(browser.cookies)
        posts.append((tab, section_url(section, consultation), {**comment_data(f"Comment {n}"), **hidden}))
    statuses = post_all_at_once(posts)
    assert statuses == [302] * 4
    assert Response.objects.count() == 1
    assert Comment.objects.filter(response=Response.objects.get()).count() == 4
    # Whichever answer the browser keeps, its session leads to that one response.
    for tab, _, _ in posts:
        status, page = tab.request("GET", f"/consultations/{consultation.slug}/your-response/")
        assert status == 200 and all(f"Comment {n}" in page for n in range(4))


def test_forms_from_two_browsers_at_once_make_two_responses(live_server, limits):
    consultation = ConsultationFactory()
    section = SectionFactory(document=consultation.document)
    path = section_url(section, consultation)
    posts = []
    for n in range(2):
        visitor = Visitor(live_server)
        posts.append((visitor, path, {**comment_data(f"Comment {n}"), **visitor.form(path)}))
    assert post_all_at_once(posts) == [302, 302]
    assert Response.objects.count() == 2

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

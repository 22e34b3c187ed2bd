import datetime
import re

import pytest
from django.utils import timezone

from guidance.models import Comment
from tests.factories import CommentFactory
from tests.journey_helpers import section_url

pytestmark = pytest.mark.django_db


def publish_many(section, count):
    start = timezone.now() - datetime.timedelta(days=1)
    for n in range(count):
        CommentFactory(section=section, text=f"Published comment {n}", created_at=start + datetime.timedelta(minutes=n))
    Comment.objects.update(status=Comment.Status.APPROVED)


def page_links(html):
    pagination = html[html.index('class="govuk-pagination"') :]
    return re.findall(r'aria-label="Page (\d+)"|(govuk-pagination__item--ellipses)', pagination)


def test_a_section_shows_twenty_comments_a_page_newest_first(client, section, consultation):
    publish_many(section, 45)
    first = client.get(section_url(section, consultation)).content.decode()
    assert "Published comment 44" in first and "Published comment 25" in first
    assert "Published comment 24" not in first
    last = client.get(section_url(section, consultation) + "?page=3").content.decode()
    assert "Published comment 4" in last and "Published comment 0" in last
    assert "Published comment 5<" not in last


def test_pages_far_apart_are_left_out_of_the_page_links(client, section, consultation):
    publish_many(section, 300)
    html = client.get(section_url(section, consultation) + "?page=7").content.decode()
    numbers = ["…" if ellipsis else number for number, ellipsis in page_links(html)]
    assert numbers == ["1", "…", "6", "7", "8", "…", "15"]
    assert 'aria-current="page">7<' in html

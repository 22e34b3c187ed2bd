"""The published responses of a consultation with very many comments: beyond the page's bound
(published_search.COUNTED_AT_MOST, 10,000) it says "more than" that many, lists the first of them
and offers its choices without counting them; and read one section or question at a time, the
list is in the same order as before, on every page. Here the bound is made small."""

import datetime
import re

import pytest
from django.db.models import F
from django.utils import timezone

from guidance.models import Comment
from guidance.public import pages, published_search
from tests.factories import CommentFactory
from tests.test_public_search import published_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def bound(monkeypatch):
    monkeypatch.setattr(published_search, "COUNTED_AT_MOST", 4)
    return 4


@pytest.fixture
def few_per_page(monkeypatch):
    monkeypatch.setattr(pages, "PUBLISHED_PER_PAGE", 3)
    return 3


def published_on(targets):
    """One published comment on each target, in this order, each a minute newer than the last;
    and one pending on each, never shown."""
    start = timezone.now() - datetime.timedelta(days=1)
    made = []
    for n, target in enumerate(targets):
        on_section = hasattr(target, "major")
        where = {"section": target if on_section else None, "question": None if on_section else target}
        when = start + datetime.timedelta(minutes=n)
        made.append(CommentFactory(text=f"Comment number {n}.", created_at=when, **where))
        CommentFactory(text=f"Pending number {n}.", **where)
    Comment.objects.filter(pk__in=[c.pk for c in made]).update(status=Comment.Status.APPROVED)
    return made


def listed_numbers(html):
    return [int(n) for n in re.findall(r"Comment number (\d+)\.", html)]


def test_beyond_the_bound_the_page_says_more_than_and_lists_only_the_first(
    client, consultation, section, second_section, question, bound, few_per_page
):
    published_on([section, second_section, question, section, second_section, question])
    html = client.get(published_url(consultation)).content.decode()
    assert "More than 4 published comments</h2>" in html
    assert "The first 4 are listed. Search or filter them to find the others." in html
    assert "Showing 1 to 3." in html
    last = client.get(published_url(consultation, page=2)).content.decode()
    assert "Showing 4 to 4." in last
    assert 'aria-label="Page 3"' not in last


def test_beyond_the_bound_the_choices_are_offered_without_counts(client, consultation, section, question, bound):
    published_on([section] * 5 + [question])
    html = client.get(published_url(consultation)).content.decode()
    sections = html[html.index('name="section"') :]
    sections = sections[: sections.index("</select>")]
    assert f">Section {section.number}: {section.title}</option>" in sections
    assert not re.search(r"\(\d+\)</option>", sections)


def test_filtered_down_to_the_bound_the_page_counts_exactly_again(client, consultation, section, question, bound):
    published_on([section] * 5 + [question])
    html = client.get(published_url(consultation, question=question.pk)).content.decode()
    assert "1 published comment found</h2>" in html
    assert "More than" not in html
    assert f"Section {section.number}: {section.title} (0)</option>" in html
    # The question's own choices count without it chosen: all six, more than the bound.
    questions = html[html.index('name="question"') :]
    assert f">{question.number}: {question.text}</option>" in questions[: questions.index("</select>")]


def test_beyond_the_bound_every_page_lists_sections_in_order_then_questions_newest_first_on_each(
    client, consultation, section, second_section, question, few_per_page, monkeypatch
):
    monkeypatch.setattr(published_search, "COUNTED_AT_MOST", 7)
    published_on([question, second_section, section, question, section, second_section, section, question])
    html = "".join(client.get(published_url(consultation, page=number)).content.decode() for number in (1, 2, 3))
    # Section 1's comments (6, 4, 2), then section 2's (5, 1), then the question's first two (7, 3): seven.
    assert listed_numbers(html) == [6, 4, 2, 5, 1, 7, 3]


def test_read_by_section_every_stretch_is_the_sorted_lists(consultation, section, second_section, question):
    published_on([question, second_section, section, question, section, second_section, section, question])
    offered = published_search.Offered.for_consultation(consultation, [second_section, section])
    filters = published_search.Filters()
    comments = published_search.matching(consultation, filters)
    sorted_list = list(
        comments.order_by(
            F("section__major").asc(nulls_last=True), "section__minor", "question__position", "-created_at", "-pk"
        )
    )
    read = published_search.in_reading_order(comments, filters, offered)
    for start in range(9):
        for stop in range(start + 1, 10):
            assert read(start, stop) == sorted_list[start:stop], (start, stop)


def test_beyond_the_bound_a_filter_is_read_on_its_own_section_only(
    client, consultation, section, second_section, question, few_per_page, bound
):
    published_on([section, second_section, section, question, section, second_section, section, section])
    second = client.get(published_url(consultation, section=section.pk, page=2)).content.decode()
    assert "More than 4 published comments found</h2>" in second
    assert listed_numbers(second) == [2]

import pytest
from django.db import connection
from django.urls import reverse, reverse_lazy

from guidance.models import Comment, CommentQuerySet
from guidance.staff.admin.comments import CommentAdmin, SearchResultsPaginator
from tests.factories import CommentFactory, SectionFactory, UserFactory
from tests.html_validity import html_errors
from tests.test_html_validity import (
    checker,  # noqa: F401  (the fixture: Java and vnu.jar, or skip)
    page,
)

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse_lazy("admin:guidance_comment_changelist")

ON_POSTGRESQL = connection.vendor == "postgresql"
only_postgresql = pytest.mark.skipif(not ON_POSTGRESQL, reason="full-text search is PostgreSQL's")
only_sqlite = pytest.mark.skipif(ON_POSTGRESQL, reason="the simpler search is SQLite's")


def texts(comments):
    return [comment.text for comment in comments]


@pytest.fixture
def said(section):
    """Comments on one section, by their text."""

    def make(*words, **fields):
        return [CommentFactory(section=section, text=text, **fields) for text in words]

    return make


@pytest.fixture
def analyst_client(client):
    client.force_login(UserFactory(analyst=True))
    return client


def listed(client, **params):
    """The comment texts the comments list shows, in its order."""
    page = client.get(reverse("admin:guidance_comment_changelist"), {"status": "all", **params})
    assert page.status_code == 200
    return [comment.text for comment in page.context["cl"].result_list]


@only_postgresql
@pytest.mark.parametrize("typed", ["pay", "pays", "paying"])
def test_a_word_finds_its_other_forms(said, typed):
    said("Carers should pay nothing.", "Nobody pays for parking.", "Paying people is fair.", "Travel costs.")
    found = texts(Comment.objects.search(typed))
    assert sorted(found) == ["Carers should pay nothing.", "Nobody pays for parking.", "Paying people is fair."]


@only_postgresql
def test_the_best_match_comes_first(said):
    said("Pay once here.", "Pay, pay and pay again: payment matters, pay people.", "Pay twice, pay.")
    assert texts(Comment.objects.search("pay")) == [
        "Pay, pay and pay again: payment matters, pay people.",
        "Pay twice, pay.",
        "Pay once here.",
    ]


@only_postgresql
def test_a_phrase_in_quotes_finds_those_words_together_in_that_order(said):
    said("Write in plain English please.", "English that is plain.", "Plain words in English.")
    assert texts(Comment.objects.search('"plain english"')) == ["Write in plain English please."]
    assert len(Comment.objects.search("plain english")) == 3


@only_postgresql
def test_a_word_after_a_minus_leaves_out_comments_with_it_and_or_finds_either(said):
    said("Pay for travel.", "Pay for time.", "Parking is hard.")
    assert texts(Comment.objects.search("pay -travel")) == ["Pay for time."]
    assert sorted(texts(Comment.objects.search("travel or parking"))) == ["Parking is hard.", "Pay for travel."]


@only_postgresql
def test_a_search_reads_the_index_of_stored_words(said):
    said("Pay people.")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = Comment.objects.search("pay").explain()
        cursor.execute("RESET enable_seqscan")
    assert "comment_text_search" in plan


@only_postgresql
def test_the_database_keeps_the_stored_words_up_to_date_when_the_text_changes(said):
    (comment,) = said("Nothing about money.")
    Comment.objects.filter(pk=comment.pk).update(text="They should be paid.")
    assert texts(Comment.objects.search("paid")) == ["They should be paid."]


@only_sqlite
def test_without_postgresql_every_word_must_appear_as_typed(said):
    said("Carers should pay nothing.", "Paying people is fair.", "Pay for travel.")
    assert sorted(texts(Comment.objects.search("pay"))) == [
        "Carers should pay nothing.",
        "Pay for travel.",
        "Paying people is fair.",
    ]
    assert texts(Comment.objects.search("pay travel")) == ["Pay for travel."]
    assert texts(Comment.objects.search("paid")) == []


@only_sqlite
def test_without_postgresql_a_phrase_in_quotes_is_matched_whole(said):
    said("Write in plain English please.", "English that is plain.")
    assert texts(Comment.objects.search('"plain english"')) == ["Write in plain English please."]
    assert len(Comment.objects.search("plain english")) == 2


def test_a_blank_search_changes_nothing(said):
    said("One.", "Two.")
    assert len(Comment.objects.search("   ")) == 2


def test_the_comments_list_searches_words_within_its_filters(analyst_client, said, section):
    said("Pay carers fairly.", "Nothing here.")
    said("Pay carers late.", status=Comment.Status.APPROVED)
    other = SectionFactory(document=section.document, major=9)
    CommentFactory(section=other, text="Pay carers elsewhere.")
    assert listed(analyst_client, q="pay carers", status="approved") == ["Pay carers late."]
    assert listed(analyst_client, q="pay carers", section__id__exact=section.pk) == [
        "Pay carers fairly.",
        "Pay carers late.",
    ]
    assert listed(analyst_client, q='"carers elsewhere"') == ["Pay carers elsewhere."]


@only_postgresql
def test_the_comments_list_puts_the_best_match_first_unless_a_column_is_chosen(analyst_client, said):
    said("Pay once.", "Pay, pay, pay and pay.")
    assert listed(analyst_client, q="paying") == ["Pay, pay, pay and pay.", "Pay once."]
    # Sorted by age (the fourth column) when asked.
    assert listed(analyst_client, q="paying", o="4") == ["Pay once.", "Pay, pay, pay and pay."]


def test_a_responses_reference_in_the_search_box_finds_its_comments(analyst_client, said):
    (mine,) = said("Mine.")
    said("Someone else's.")
    assert listed(analyst_client, q=mine.response.reference.lower().replace("-", " ")) == ["Mine."]


def test_the_search_box_says_how_to_search(analyst_client):
    page = analyst_client.get(reverse("admin:guidance_comment_changelist"))
    assert "put a phrase in quotes" in page.content.decode()


def test_a_search_with_a_nul_character_is_refused_not_a_500(analyst_client):
    page = analyst_client.get(reverse("admin:guidance_comment_changelist"), {"q": "pay\x00"})
    assert page.status_code == 400


# More matches than are ranked, or counted: the list stays quick and says what it shows.


@pytest.fixture
def ranked_at_most(monkeypatch):
    def cap(count):
        monkeypatch.setattr(CommentQuerySet, "SEARCH_RANKED_AT_MOST", count)

    return cap


@pytest.fixture
def counted_at_most(monkeypatch):
    def cap(count, per_page):
        monkeypatch.setattr(SearchResultsPaginator, "COUNTED_AT_MOST", count)
        monkeypatch.setattr(CommentAdmin, "list_per_page", per_page)

    return cap


def page_text(client, **params):
    page = client.get(reverse("admin:guidance_comment_changelist"), {"status": "all", **params})
    assert page.status_code == 200
    return " ".join(page.content.decode().split())


def test_more_matches_than_are_ranked_are_listed_newest_first_and_the_page_says_so(
    analyst_client, said, ranked_at_most
):
    ranked_at_most(2)
    said("Pay, pay, pay and pay.", "Pay once.", "Pay twice, pay.", "Nothing here.")
    assert texts(Comment.objects.search("pay")) == ["Pay twice, pay.", "Pay once.", "Pay, pay, pay and pay."]
    assert listed(analyst_client, q="pay") == ["Pay twice, pay.", "Pay once.", "Pay, pay, pay and pay."]
    assert "More than 2 comments match, so they are listed newest first" in page_text(analyst_client, q="pay")
    # A column chosen to sort by: its order, and nothing said of newest first.
    assert listed(analyst_client, q="pay", o="4") == ["Pay, pay, pay and pay.", "Pay once.", "Pay twice, pay."]
    assert "newest first" not in page_text(analyst_client, q="pay", o="4")


@only_postgresql
def test_as_many_matches_as_are_ranked_are_still_listed_best_first(analyst_client, said, ranked_at_most):
    ranked_at_most(3)
    said("Pay once.", "Pay, pay, pay and pay.", "Pay twice, pay.")
    assert listed(analyst_client, q="pay") == ["Pay, pay, pay and pay.", "Pay twice, pay.", "Pay once."]
    assert "newest first" not in page_text(analyst_client, q="pay")


@only_sqlite
def test_without_postgresql_as_many_matches_as_are_ranked_are_listed_oldest_first(analyst_client, said, ranked_at_most):
    ranked_at_most(3)
    said("Pay once.", "Pay, pay, pay and pay.", "Pay twice, pay.")
    assert listed(analyst_client, q="pay") == ["Pay once.", "Pay, pay, pay and pay.", "Pay twice, pay."]
    assert "newest first" not in page_text(analyst_client, q="pay")


def test_a_search_with_more_matches_than_are_counted_says_more_than_and_pages_through_those_counted(
    analyst_client, said, counted_at_most
):
    counted_at_most(3, per_page=2)
    said(*[f"Pay {n}." for n in range(1, 6)])
    first = page_text(analyst_client, q="pay")
    assert "More than 3 results" in first
    assert "More than 3 comments: the first 3 are listed" in first
    # No "select all" across pages: the action would reach comments the page has not counted.
    assert "Select all 3 comments" not in first and "selected" in first
    # Equally good matches, oldest first: the first three over two pages, and no third page.
    assert listed(analyst_client, q="pay") == ["Pay 1.", "Pay 2."]
    assert listed(analyst_client, q="pay", p="2") == ["Pay 3."]
    beyond = analyst_client.get(reverse("admin:guidance_comment_changelist"), {"status": "all", "q": "pay", "p": "3"})
    # Refused as any page past the last is (admin/guidance/refused_filter.html), not a 500.
    assert beyond.status_code == 400


def test_a_search_with_no_more_matches_than_are_counted_gives_the_count_as_before(
    analyst_client, said, counted_at_most
):
    counted_at_most(3, per_page=2)
    said("Pay 1.", "Pay 2.", "Pay 3.", "Nothing.")
    page = page_text(analyst_client, q="pay")
    assert "3 results" in page and "More than" not in page
    assert "3 comments" in page
    assert "Select all 3 comments" in page


def test_the_list_without_a_search_counts_every_comment(analyst_client, said, counted_at_most):
    counted_at_most(3, per_page=2)
    said(*[f"Pay {n}." for n in range(1, 6)])
    page = page_text(analyst_client)
    assert "5 comments" in page and "More than" not in page
    assert "Select all 5 comments" in page


@pytest.mark.html
def test_a_search_with_more_matches_than_are_ranked_or_counted_is_valid_html(
    checker,  # noqa: F811
    analyst_client,
    said,
    ranked_at_most,
    counted_at_most,
):
    ranked_at_most(2)
    counted_at_most(3, per_page=2)
    said(*[f"Pay {n}." for n in range(1, 6)])
    html = page(analyst_client.get(SEARCH_URL, {"q": "pay"}))
    assert "listed newest first" in html and "More than 3 comments" in html
    assert html_errors({"comments list, a search with many matches": html}) == {}

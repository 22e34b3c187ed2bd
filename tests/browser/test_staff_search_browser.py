"""The comments list searched for a word with more matches than are ranked or counted (newest
first, "More than …"): axe-core finds no violation in a real browser."""

import pytest
from django.urls import reverse

from guidance.models import CommentQuerySet
from guidance.staff.admin.comments import CommentAdmin, SearchResultsPaginator
from tests.browser.conftest import axe_violations
from tests.browser.test_staff_pages_browser import consultation, signed_in  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_search_with_many_matches_passes_axe(page, live_server, consultation, monkeypatch):  # noqa: F811
    monkeypatch.setattr(CommentQuerySet, "SEARCH_RANKED_AT_MOST", 2)
    monkeypatch.setattr(SearchResultsPaginator, "COUNTED_AT_MOST", 3)
    monkeypatch.setattr(CommentAdmin, "list_per_page", 2)
    signed_in(page, live_server, "analyst")
    page.goto(live_server.url + reverse("admin:guidance_comment_changelist") + "?status=all&q=pay")
    assert "listed newest first" in page.inner_text("#content")
    assert "More than 3 comments" in page.inner_text(".paginator")
    assert axe_violations(page) == []

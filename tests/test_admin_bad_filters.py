"""A filter or search typed into an admin list's address that cannot be run gets a 400 page that
says what was wrong, never a 500 (nor the "database unavailable" 503)."""

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.urls import reverse

from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(client, section):
    CommentFactory(section=section, text="Pay people for their time.")
    user = User.objects.create_user("moderator", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderator"))
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"text__regex": "(unclosed"}, "“(unclosed” is not a regular expression that can be used"),
        ({"text__iregex": "*starts with a star"}, "is not a regular expression that can be used"),
        ({"text__icontains": "pay\x00people"}, "The address contains a NUL character"),
        ({"q": "\x00"}, "The address contains a NUL character"),
        ({"status\x00": "pending"}, "The address contains a NUL character"),
    ],
)
def test_a_filter_that_cannot_be_run_gets_a_400_page_saying_why(client, moderator, params, message):
    for url in [reverse("admin:guidance_comment_changelist"), reverse("admin:guidance_response_changelist")]:
        page = client.get(url, params)
        assert page.status_code == 400
        assert "This list cannot be filtered that way" in page.content.decode()
        assert message in page.content.decode()


def test_a_regular_expression_the_database_cannot_read_is_refused_not_a_500(client, moderator):
    # Python's re module reads named groups; PostgreSQL's regular expressions do not.
    page = client.get(reverse("admin:guidance_comment_changelist"), {"text__regex": "(?P<word>Pay)", "status": "all"})
    if connection.vendor == "postgresql":
        assert page.status_code == 400
        assert "The database could not use a value in the address." in page.content.decode()
    else:  # SQLite runs Python's re module
        assert page.status_code == 200


def test_a_valid_regular_expression_filters_the_list(client, moderator):
    page = client.get(reverse("admin:guidance_comment_changelist"), {"text__regex": "^Pay", "status": "all"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1

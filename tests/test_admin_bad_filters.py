"""A filter or search typed into an admin list's address that cannot be run gets a 400 page that
says what was wrong, never a 500 (nor the "database unavailable" 503)."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment, Report
from tests.factories import CommentFactory, ThemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_moderator(client, section):
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
        ({"no_such_field": "1"}, "A filter in the address cannot be used on this list."),
    ],
)
def test_a_filter_that_cannot_be_run_gets_a_400_page_saying_why(client, signed_in_moderator, params, message):
    for url in [reverse("admin:guidance_comment_changelist"), reverse("admin:guidance_response_changelist")]:
        page = client.get(url, params)
        assert page.status_code == 400
        assert "This list cannot be filtered that way" in page.content.decode()
        assert message in page.content.decode()


def test_a_regular_expression_the_database_cannot_read_is_refused_not_a_500(client, signed_in_moderator):
    # Python's re module reads named groups; PostgreSQL's regular expressions do not.
    page = client.get(reverse("admin:guidance_comment_changelist"), {"text__regex": "(?P<word>Pay)", "status": "all"})
    if connection.vendor == "postgresql":
        assert page.status_code == 400
        assert "The database could not use a value in the address." in page.content.decode()
    else:  # SQLite runs Python's re module
        assert page.status_code == 200


def test_a_valid_regular_expression_filters_the_list(client, signed_in_moderator):
    page = client.get(reverse("admin:guidance_comment_changelist"), {"text__regex": "^Pay", "status": "all"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1


# Numbers and dates in the address. Only the digits 0 to 9 make a number: "²" passes str.isdigit()
# and then fails int(), "٣" and "１" would be read as 3 and 1. A date must be one, in a year that
# Python and the database hold even after a time zone's offset or the date hierarchy's next year.


def every_changelist():
    return [
        (f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist", model, model_admin)
        for model, model_admin in admin.site._registry.items()
    ]


def number_filters(model, model_admin):
    names = {"id__exact"}
    names |= {f"{field.name}__id__exact" for field in model._meta.get_fields() if field.many_to_one and field.concrete}
    names |= {
        item.parameter_name
        for item in model_admin.list_filter
        if isinstance(item, type) and getattr(item, "parameter_name", "").endswith("__id__exact")
    }
    return sorted(names)


def date_fields(model):
    return [field.name for field in model._meta.concrete_fields if isinstance(field, models.DateField)]


@pytest.fixture
def signed_in_superuser(client, section):
    comment = CommentFactory(section=section, text="Pay people for their time.")
    ThemeFactory(consultation=comment.consultation).comments.add(comment)
    user = User.objects.create_superuser("root", password="x" * 20)
    client.force_login(user)
    return user


def test_every_list_refuses_a_number_or_date_that_cannot_be_one_with_a_400_page(client, signed_in_superuser):
    refused = {}
    for name, model, model_admin in every_changelist():
        url = reverse(name)
        params = [{key: "²"} for key in number_filters(model, model_admin)]
        for field in date_fields(model):
            params += [{f"{field}__year": "9999"}, {f"{field}__gte": "9999-12-31T23:59:59-05:00"}]
        if model_admin.date_hierarchy:
            params.append({f"{model_admin.date_hierarchy}__year": "99999"})
        for param in params:
            page = client.get(url, param)
            if page.status_code != 400 or "This list cannot be filtered that way" not in page.content.decode():
                refused[url, str(param)] = page.status_code
    assert refused == {}
    assert len(every_changelist()) >= 15


@pytest.mark.parametrize("value", ["²", "٣", "１", "1²", "3.0", " 3", "9" * 30])
@pytest.mark.parametrize(
    "key", ["consultation__id__exact", "section__id__exact", "question__id__exact", "themes__id__exact"]
)
def test_the_queue_refuses_a_number_not_written_in_the_digits_0_to_9(client, signed_in_superuser, key, value):
    page = client.get(reverse("admin:guidance_comment_changelist"), {key: value})
    assert page.status_code == 400
    assert "is not a number: write it with the digits 0 to 9." in page.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"created_at__year": "99999"}, "99999 is not a year this list can show."),
        ({"created_at__year": "9999"}, "9999 is not a year this list can show."),
        ({"created_at__year": "2025", "created_at__month": "13"}, "2025-13-1 is not a date this list can show."),
        ({"created_at__year": "2025", "created_at__month": "2", "created_at__day": "30"}, "is not a date"),
        ({"created_at__year": "２０２５"}, "is not a number"),
        ({"created_at__gte": "9999-12-31T23:59:59-05:00"}, "is not a date this list can use"),
        ({"created_at__lt": "0001-01-01T00:00:00+05:00"}, "is not a date this list can use"),
        ({"created_at__gte": "２０２５-01-01"}, "is not a date this list can use"),
        ({"created_at__gte": "yesterday"}, "is not a date this list can use"),
        ({"created_at__date__gte": "2025-02-30"}, "is not a date this list can use"),
    ],
)
def test_a_date_filter_that_cannot_be_a_date_gets_a_400_page_saying_why(client, signed_in_superuser, params, message):
    for url in [reverse("admin:guidance_report_changelist"), reverse("admin:guidance_comment_changelist")]:
        if "created_at__year" in params and url.endswith("/comment/"):
            continue  # the queue has no date hierarchy; its date filter takes __gte and __lt
        page = client.get(url, params)
        assert page.status_code == 400
        assert message in page.content.decode()


def test_numbers_and_dates_written_as_the_lists_write_them_still_filter(client, signed_in_superuser, section):
    comment = Comment.objects.get()
    queue = reverse("admin:guidance_comment_changelist")
    for params in [
        {"consultation__id__exact": str(comment.consultation_id), "section__id__exact": str(section.pk)},
        {"themes__id__exact": str(comment.themes.get().pk)},
        {
            "created_at__gte": str(timezone.now() - datetime.timedelta(days=1)),
            "created_at__lt": "2100-01-01T00:00:00+00:00",
        },
    ]:
        page = client.get(queue, params)
        assert page.status_code == 200
        assert page.context["cl"].result_count == 1
    Report.objects.create(comment=comment, reason="spam")
    year = timezone.localtime().year
    page = client.get(reverse("admin:guidance_report_changelist"), {"created_at__year": str(year)})
    assert page.context["cl"].result_count == 1


@pytest.mark.parametrize("value", ["²", "٣", "x", ""])
def test_ticking_something_that_is_not_one_of_the_lists_items_is_refused_with_a_400_page(
    client, signed_in_superuser, value
):
    """Django reads each ticked item as an id of the list's model, and failed with a 500 on one that is not."""
    for name, _, _ in every_changelist():
        page = client.post(reverse(name), {"action": "delete_selected", "index": 0, "_selected_action": [value]})
        assert page.status_code == 400, name
        assert "These cannot be selected" in page.content.decode()
        assert "is not one of the" in page.content.decode()

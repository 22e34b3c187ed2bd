"""Public reports on published comments: stored, counted in the queue, and after enough of them
the comment goes back to pending as the system's decision."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from guidance.models import Comment, ModerationEvent, Report
from guidance.moderation.decisions import ModerationError, decide, report_comment
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(section):
    comment = CommentFactory(section=section)
    decide(Comment.objects.filter(pk=comment.pk), "approved", by=User.objects.create_user("mod", is_staff=True))
    return Comment.objects.get(pk=comment.pk)


def test_a_report_is_stored_with_its_reason_and_details(published):
    report = report_comment(published, "offensive", "  It insults carers.  ")
    assert Report.objects.get() == report
    assert (report.comment, report.reason, report.details) == (published, "offensive", "It insults carers.")


def test_fewer_reports_than_the_setting_leave_the_comment_published(published):
    report_comment(published, "spam")
    report_comment(published, "off_topic")
    assert Comment.objects.published().get() == published
    assert ModerationEvent.objects.count() == 1


def test_the_third_report_hides_the_comment_as_the_systems_decision(published):
    for _ in range(3):
        report_comment(published, "offensive")
    published.refresh_from_db()
    assert published.status == "pending"
    assert published.moderated_by is None
    assert not Comment.objects.published().exists()
    event = ModerationEvent.objects.latest("pk")
    assert (event.from_status, event.to_status, event.by) == ("approved", "pending", None)
    assert "3 reports" in event.reason


def test_further_reports_on_a_hidden_comment_are_stored_without_another_decision(published):
    for _ in range(5):
        report_comment(published, "offensive")
    assert Report.objects.count() == 5
    assert ModerationEvent.objects.filter(to_status="pending").count() == 1


def test_the_number_of_reports_is_a_setting(published, settings):
    settings.REPORTS_BEFORE_REVIEW = 1
    report_comment(published, "personal")
    assert Comment.objects.get().status == "pending"


def test_reports_count_again_from_zero_after_a_moderator_approves_it_again(published):
    for _ in range(3):
        report_comment(published, "offensive")
    decide(Comment.objects.all(), "approved", by=None)
    report_comment(published, "offensive")
    assert Comment.objects.get().status == "approved"


def test_a_comment_a_moderator_kept_published_after_reports_is_not_hidden_by_more_reports(published):
    from guidance.moderation.decisions import keep_published

    moderator = User.objects.get(username="mod")
    report_comment(published, "offensive")
    keep_published(published.pk, by=moderator, seen_event_id=published.events.latest("pk").pk)
    for _ in range(6):
        report_comment(published, "offensive")
    assert Comment.objects.get().status == "approved"
    assert Comment.objects.reported().get() == published  # on the moderators' list instead


def test_a_comment_a_moderator_published_again_after_reports_hid_it_is_not_hidden_again(published):
    moderator = User.objects.get(username="mod")
    for _ in range(3):
        report_comment(published, "offensive")
    decide(Comment.objects.all(), "approved", by=moderator)
    for _ in range(3):
        report_comment(published, "offensive")
    assert Comment.objects.get().status == "approved"
    assert Comment.objects.reported().get() == published


def test_an_unknown_reason_is_refused_and_nothing_is_stored(published):
    with pytest.raises(ModerationError):
        report_comment(published, "boring")
    assert not Report.objects.exists()


def test_reported_comments_show_their_report_count_and_reports_in_the_admin(client, published):
    client.force_login(User.objects.create_superuser("root", password="x" * 20))
    report_comment(published, "offensive", "Nasty")
    report_comment(published, "spam")
    queue = client.get(reverse("admin:guidance_comment_changelist"), {"status": "approved", "reported": "yes"})
    assert [c.report_count for c in queue.context["cl"].result_list] == [2]
    page = client.get(reverse("admin:guidance_comment_change", args=[published.pk])).content.decode()
    assert "It is offensive or abusive" in page and "Nasty" in page

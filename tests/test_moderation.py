import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guidance.models import Comment, ModerationEvent, ModerationReason
from guidance.moderation.decisions import ALLOWED, ModerationError, decide
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

Status = Comment.Status


def test_approving_pending_comments_publishes_them_and_records_who_and_when(section, moderator):
    comments = CommentFactory.create_batch(3, section=section)
    changed = decide(Comment.objects.filter(pk__in=[c.pk for c in comments]), Status.APPROVED, by=moderator)
    assert changed == 3
    for comment in Comment.objects.all():
        assert comment.status == Status.APPROVED
        assert comment.moderated_by == moderator
        assert comment.moderated_at is not None
    assert Comment.objects.published().count() == 3


def test_each_decision_writes_one_event_per_comment_with_from_and_to(section, moderator):
    CommentFactory.create_batch(2, section=section)
    decide(Comment.objects.all(), Status.APPROVED, by=moderator)
    decide(Comment.objects.all(), Status.PENDING, by=moderator, reason="A second look")
    events = list(ModerationEvent.objects.order_by("pk"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("pending", "approved"),
        ("pending", "approved"),
        ("approved", "pending"),
        ("approved", "pending"),
    ]
    assert all(e.by == moderator for e in events)
    assert events[-1].reason == "A second look"
    comment = Comment.objects.get(pk=events[-1].comment_id)
    assert events[-1].at == comment.moderated_at
    assert abs(timezone.now() - events[-1].at).total_seconds() < 60


def test_rejecting_needs_a_reason_code_and_changes_nothing_without_one(section, moderator):
    comment = CommentFactory(section=section)
    with pytest.raises(ModerationError, match="Choose why"):
        decide(Comment.objects.all(), Status.REJECTED, by=moderator)
    comment.refresh_from_db()
    assert comment.status == Status.PENDING
    assert not ModerationEvent.objects.exists()


def test_rejecting_for_other_reason_needs_words(section, moderator):
    CommentFactory(section=section)
    with pytest.raises(ModerationError, match="in words"):
        decide(Comment.objects.all(), Status.REJECTED, by=moderator, reason_code=ModerationReason.OTHER, reason="  ")
    assert not ModerationEvent.objects.exists()


def test_an_unknown_reason_code_is_refused(section, moderator):
    CommentFactory(section=section)
    with pytest.raises(ModerationError):
        decide(Comment.objects.all(), Status.REJECTED, by=moderator, reason_code="rude")
    assert Comment.objects.get().status == Status.PENDING


def test_rejection_stores_the_reason_on_the_comment_and_the_event(section, moderator):
    CommentFactory(section=section)
    decide(
        Comment.objects.all(), Status.REJECTED, by=moderator, reason_code=ModerationReason.PERSONAL, reason="Phone no."
    )
    comment = Comment.objects.get()
    assert (comment.status, comment.reason_code, comment.reason) == ("rejected", "personal", "Phone no.")
    event = ModerationEvent.objects.get()
    assert (event.reason_code, event.reason) == ("personal", "Phone no.")
    assert not Comment.objects.published().exists()


@pytest.mark.parametrize(
    "from_status,to_status",
    [
        (f, t)
        for f in Status.values
        for t in Status.values
        if t not in {"pending": {"approved", "rejected", "spam"}}.get(f, {"pending"})
    ],
)
def test_transitions_not_in_the_table_are_refused_and_change_nothing(section, moderator, from_status, to_status):
    comment = CommentFactory(section=section)
    Comment.objects.filter(pk=comment.pk).update(status=from_status)
    with pytest.raises(ModerationError, match="Nothing was changed"):
        decide(Comment.objects.all(), to_status, by=moderator, reason_code="offensive")
    assert Comment.objects.get().status == from_status
    assert not ModerationEvent.objects.exists()


def test_the_table_allows_exactly_the_designed_moves():
    assert {f: set(t) for f, t in ALLOWED.items()} == {
        "pending": {"approved", "rejected", "spam"},
        "approved": {"pending"},
        "rejected": {"pending"},
        "spam": {"pending"},
        "withdrawn": set(),
    }


def test_one_refused_comment_stops_the_whole_batch(section, moderator):
    pending = CommentFactory.create_batch(2, section=section)
    approved = CommentFactory(section=section)
    decide(Comment.objects.filter(pk=approved.pk), Status.APPROVED, by=moderator)
    with pytest.raises(ModerationError, match="1 is approved"):
        decide(Comment.objects.all(), Status.APPROVED, by=moderator)
    assert Comment.objects.filter(pk__in=[c.pk for c in pending], status="pending").count() == 2
    assert ModerationEvent.objects.count() == 1


def test_reopening_rejected_and_spam_clears_the_reason(section, moderator):
    a, b = CommentFactory.create_batch(2, section=section)
    decide(Comment.objects.filter(pk=a.pk), Status.REJECTED, by=moderator, reason_code="off_topic")
    decide(Comment.objects.filter(pk=b.pk), Status.SPAM, by=moderator)
    assert decide(Comment.objects.all(), Status.PENDING, by=moderator) == 2
    assert set(Comment.objects.values_list("status", "reason_code")) == {("pending", "")}


def test_an_empty_selection_changes_nothing(moderator):
    assert decide(Comment.objects.none(), Status.APPROVED, by=moderator) == 0
    assert not ModerationEvent.objects.exists()


def test_a_large_batch_takes_a_fixed_number_of_queries(section, moderator):
    response = CommentFactory(section=section).response
    Comment.objects.bulk_create(
        Comment(response=response, consultation=response.consultation, section=section, text=f"c{i}")
        for i in range(300)
    )
    with CaptureQueriesContext(connection) as queries:
        assert decide(Comment.objects.all(), Status.APPROVED, by=moderator) == 301
    updates = [q for q in queries if q["sql"].startswith("UPDATE")]
    inserts = [q for q in queries if q["sql"].startswith("INSERT")]
    # The comments, the public's reports on them (now weighed), and the public pages' version.
    assert len(updates) == 3
    assert len(inserts) == 1
    assert ModerationEvent.objects.count() == 301

"""Shared bits for the respondent journey's tests."""

from django.urls import reverse

from guidance.models import Comment

DETAILS = {
    "name": "Ann Smith",
    "email": "ann@example.org",
    "respondent_type": "carer",
    "organisation": "",
    "consent": "named",
    "privacy_agreed": "on",
}


def section_url(section, consultation):
    return reverse("guidance:section", args=[consultation.slug, section.slug])


def comment_data(text="I think this section is clear.", **changes):
    return {**DETAILS, "comment": text, **changes}


def publish(comment):
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.APPROVED)
    comment.refresh_from_db()
    return comment


def deliver_emails(limit=None):
    """What the worker does (`manage.py run_worker`), inside the test's transaction: send every email
    that is due, a batch at a time (or the first `limit` batches), and return how many were taken.
    (tests/test_email_queue.py runs the real command against a real mail server.)"""
    from guidance.mail import mailqueue

    taken = batches = 0
    while limit is None or batches < limit:
        batch = mailqueue.send_due("test-worker")
        if not batch:
            break
        taken, batches = taken + batch, batches + 1
    return taken


def group_campaigns():
    """What the worker does (`manage.py run_worker`) within seconds of a comment's arrival, inside the
    test's transaction: compare every comment waiting, a batch at a time, with the others on its
    section or question (guidance/moderation/campaigns.py). Returns how many were compared."""
    from guidance.moderation import campaigns

    compared = 0
    while batch := campaigns.group_waiting():
        compared += batch
    return compared

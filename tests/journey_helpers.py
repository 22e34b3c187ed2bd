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
    """What the worker does (`manage.py run_worker`), inside the test's transaction: run every task
    that is due (or the first `limit` of them), through django-tasks' own worker, and return how
    many ran. (The worker's polling loop closes database connections between rounds, which a test's
    transaction cannot survive; tests/test_email_queue.py runs the real command against a real mail
    server.)"""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while (limit is None or ran < limit) and (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim("test-worker")
        worker.run_task(result)
        ran += 1
    return ran

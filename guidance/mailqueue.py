"""The email queue: every email to a respondent is recorded here in the transaction that causes
it, and sent by the worker (`manage.py run_worker`), never inside a request.

The queue is django-tasks with its database backend. `queue()` writes a QueuedEmail row and the
task that sends it in the caller's transaction: if that transaction commits, both exist; if it
rolls back, neither does. The worker runs `send_queued_email`, which:

1. locks the row and marks the attempt started (committed), so that another worker leaves it;
2. builds the message from the response as it is now (the address is read from the response, so
   an erasure before sending leaves nothing to send) and hands it to the mail server;
3. marks it sent (committed); or, if the server refused it or could not be reached, records the
   kind of error and queues the next attempt after a back-off (EMAIL_RETRY_SECONDS doubling up to
   EMAIL_RETRY_MAX_SECONDS), in one transaction; a permanent refusal (an SMTP 5xx) or an email
   still unsent EMAIL_GIVE_UP_HOURS after it was queued is given up ("failed").

How close to exactly once. A worker that dies before step 2 leaves the email unsent and its task
"running": `recover_interrupted()` (run by the worker every minute) queues it again once the
attempt is older than STALE_AFTER. A worker that dies between the server taking the message and
step 3 committing (a window of one database write) cannot know the server took it, so the email is
sent again: at least once, never lost. Every attempt at one email carries the same Message-ID, by
which most mail stores show a repeat once. Two workers never send one email at the same time: an
attempt started less than STALE_AFTER ago is left alone. An attempt that outlasts STALE_AFTER
(EMAIL_STALE_SECONDS, five minutes: far longer than an SMTP exchange with its socket timeout of
EMAIL_TIMEOUT) may be repeated by another worker.
"""

import contextlib
import datetime
import logging
import smtplib
import time

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from guidance.models import QueuedEmail

logger = logging.getLogger(__name__)

Status = QueuedEmail.Status
UNSENT = [Status.WAITING, Status.SENDING]


class EmailUnsent(Exception):
    """The worker's task found the email could not be sent this time (for a task result's record)."""


def stale_after():
    return datetime.timedelta(seconds=settings.EMAIL_STALE_SECONDS)


def queue(kind, response, payload=None, *, now=None):
    """Record an email to `response`'s respondent and the task that sends it, in the caller's
    transaction. Returns the QueuedEmail."""
    now = now or timezone.now()
    # Both rows or neither; inside the caller's transaction no savepoint is needed for that, as a
    # failure here undoes the caller's work too.
    with transaction.atomic(savepoint=False):
        email = QueuedEmail.objects.create(
            kind=kind, response=response, payload=payload or {}, created_at=now, next_attempt_at=now
        )
        send_queued_email.enqueue(email.pk)
    return email


@task()
def send_queued_email(email_id):
    """The worker's task: one attempt at one queued email (deliver())."""
    deliver(email_id)


def deliver(email_id, now=None):
    """One attempt at sending a queued email. Returns its status afterwards."""
    # Imported here: emails.py builds messages from the models and reaches back for queue().
    from guidance.emails import build_message

    now = now or timezone.now()
    with transaction.atomic():
        email = (
            QueuedEmail.objects.select_for_update(of=("self",))
            .select_related("response__consultation")
            .filter(pk=email_id)
            .first()
        )
        if email is None or email.status not in UNSENT:
            return email.status if email else None
        if email.status == Status.SENDING and email.last_attempt_at and now - email.last_attempt_at < stale_after():
            # Another worker started on it a moment ago and is not known to have stopped.
            return email.status
        message = build_message(email, message_id=message_id(email))
        if message is None:
            # Its address was erased, or it has nothing left to say (everything withdrawn).
            email.status = Status.DROPPED
            email.save(update_fields=["status"])
            logger.info("Email %s (%s for response %s) dropped: nothing to send", email.pk, email.kind, email.response)
            return email.status
        email.status, email.attempts, email.last_attempt_at = Status.SENDING, email.attempts + 1, now
        email.save(update_fields=["status", "attempts", "last_attempt_at"])
    try:
        message.connection = mail_connection()
        sent = message.send() == 1
        MAIL_CONNECTION["used_at"] = time.monotonic()
    except Exception as error:
        close_mail_connection()
        return attempt_failed(email, error, now=timezone.now())
    if not sent:
        return attempt_failed(email, EmailUnsent("the email backend took no message"), now=timezone.now())
    QueuedEmail.objects.filter(pk=email.pk).update(status=Status.SENT, sent_at=timezone.now(), last_error="")
    logger.info("Email %s (%s for response %s) sent", email.pk, email.kind, email.response.reference)
    return Status.SENT


# The worker's connection to the mail server, kept open from one email to the next while they follow
# each other closely (a new connection for each cost a third of the time of sending one); closed
# when it has been idle for REUSE_SECONDS, as servers drop idle connections, and after any error.
MAIL_CONNECTION = {"connection": None, "used_at": 0.0, "backend": None}
REUSE_SECONDS = 10


def mail_connection():
    backend = (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT)
    if MAIL_CONNECTION["connection"] is not None and (
        MAIL_CONNECTION["backend"] != backend or time.monotonic() - MAIL_CONNECTION["used_at"] > REUSE_SECONDS
    ):
        close_mail_connection()
    if MAIL_CONNECTION["connection"] is None:
        connection = get_connection(fail_silently=False)
        connection.open()
        MAIL_CONNECTION.update(connection=connection, backend=backend, used_at=time.monotonic())
    return MAIL_CONNECTION["connection"]


def close_mail_connection():
    connection, MAIL_CONNECTION["connection"] = MAIL_CONNECTION["connection"], None
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.close()


def is_permanent(error):
    """A refusal that will not change by trying again: the server said 5xx (no such user, say)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def retry_delay(attempts):
    """How long to wait after the attempts so far have failed: doubling from EMAIL_RETRY_SECONDS,
    up to EMAIL_RETRY_MAX_SECONDS."""
    seconds = settings.EMAIL_RETRY_SECONDS * 2 ** max(0, attempts - 1)
    return datetime.timedelta(seconds=min(seconds, settings.EMAIL_RETRY_MAX_SECONDS))


def attempt_failed(email, error, *, now):
    """Record a failed attempt and queue the next one, or give up; in one transaction. The log says
    the kind of error only: its message can hold the address."""
    kind = type(error).__name__
    give_up_at = email.created_at + datetime.timedelta(hours=settings.EMAIL_GIVE_UP_HOURS)
    with transaction.atomic():
        if is_permanent(error) or now >= give_up_at:
            QueuedEmail.objects.filter(pk=email.pk).update(status=Status.FAILED, last_error=kind)
            logger.error(
                "Could not send the %s for response %s (%s): given up after %d attempt(s)",
                email.kind,
                email.response.reference,
                kind,
                email.attempts,
            )
            return Status.FAILED
        next_attempt = now + retry_delay(email.attempts)
        QueuedEmail.objects.filter(pk=email.pk).update(
            status=Status.WAITING, last_error=kind, next_attempt_at=next_attempt
        )
        send_queued_email.using(run_after=next_attempt).enqueue(email.pk)
    logger.warning(
        "Could not send the %s for response %s (%s, attempt %d); trying again at %s",
        email.kind,
        email.response.reference,
        kind,
        email.attempts,
        timezone.localtime(next_attempt).strftime("%H:%M:%S"),
    )
    return Status.WAITING


def message_id(email):
    """The same Message-ID on every attempt at one email, so a repeat after a crash is one message."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<email-{email.pk}.{int(email.created_at.timestamp())}@{domain}>"


def recover_interrupted(now=None):
    """Queue again the emails whose worker stopped in the middle of sending them (killed, or its
    machine lost): their task has been "running" for longer than STALE_AFTER. The task is marked
    failed, so it is not counted as running. Returns how many emails were queued again."""
    now = now or timezone.now()
    stale = DBTaskResult.objects.filter(
        status="RUNNING", task_path=send_queued_email.module_path, started_at__lt=now - stale_after()
    )
    queued = 0
    with transaction.atomic():
        for result in list(stale.select_for_update(skip_locked=True)):
            email_id = result.args_kwargs["args"][0]
            DBTaskResult.objects.filter(pk=result.pk).update(
                status="FAILED",
                finished_at=now,
                exception_class_path="guidance.mailqueue.EmailUnsent",
                traceback="The worker stopped during this attempt.",
            )
            if QueuedEmail.objects.filter(pk=email_id, status__in=UNSENT).exists():
                send_queued_email.enqueue(email_id)
                queued += 1
                logger.warning("Email %s queued again: the worker sending it stopped", email_id)
    return queued


def health(now=None):
    """What /healthz says of the queue: how many emails wait, the age of the oldest in seconds, how
    many are being tried again, and how many were given up in the last seven days."""
    now = now or timezone.now()
    week_ago = now - datetime.timedelta(days=7)
    counts = QueuedEmail.objects.filter(
        Q(status__in=UNSENT) | Q(status=Status.FAILED, created_at__gte=week_ago)
    ).aggregate(
        waiting=Count("pk", filter=Q(status__in=UNSENT)),
        retrying=Count("pk", filter=Q(status__in=UNSENT, attempts__gt=0)),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        oldest=Min("created_at", filter=Q(status__in=UNSENT)),
    )
    oldest = counts["oldest"]
    return {
        "email_queue_waiting": counts["waiting"],
        "email_queue_oldest_seconds": max(0, int((now - oldest).total_seconds())) if oldest else 0,
        "email_queue_retrying": counts["retrying"],
        "email_queue_failed_last_7_days": counts["failed"],
    }

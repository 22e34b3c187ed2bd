"""The email queue: every email to a respondent is recorded here in the transaction that causes it,
and sent by the worker (`manage.py run_worker`), never inside a request.

The queue is django-tasks with its database backend. `queue()` writes a QueuedEmail row and the
task that sends it in the caller's transaction: if that transaction commits, both exist; if it
rolls back, neither does. Every email waiting to be sent has a task waiting to run; a new email's
task waits EMAIL_BATCH_WAIT_SECONDS for others to gather. The worker runs `send_queued_email`,
which sends its own email and the others that are due, up to EMAIL_BATCH_SIZE, over one
connection to the mail server (a task for each email alone cost the worker as much again as
sending it):

1. in one transaction, locks the emails (those another worker holds are left to it), marks them
   "sending" with the attempt's time, and marks the other emails' waiting tasks done, so that they
   do not run only to find their email sent;
2. builds each message from the response as it is now (the address is read from the response, so
   an erasure before sending leaves nothing to send) and hands it to the mail server;
3. marks each one sent as soon as the server has taken it (committed); or, if the server refused it
   or could not be reached, records the kind of error and queues its next attempt after a back-off
   (EMAIL_RETRY_SECONDS doubling up to EMAIL_RETRY_MAX_SECONDS), in one transaction; a permanent
   refusal (an SMTP 5xx) or an email still unsent EMAIL_GIVE_UP_HOURS after it was queued is given
   up ("failed"). A refusal of one message leaves the rest of the batch to be sent; a server that
   cannot be reached, or stops answering, fails the rest of the batch the same way, at once.

How close to exactly once. A worker that dies in the middle of a batch leaves its emails
"sending": `recover_interrupted()` (run by the worker every minute) queues them again once the
attempt is older than STALE_AFTER. A worker that dies between the server taking a message and
step 3 committing (a window of one database write) cannot know the server took it, so that email
is sent again: at least once, never lost. Every attempt at one email carries the same Message-ID,
by which most mail stores show a repeat once. Two workers never send one email at the same time:
an attempt started less than STALE_AFTER ago is left alone. An attempt that outlasts STALE_AFTER
(EMAIL_STALE_SECONDS, five minutes: far longer than a batch's SMTP exchanges, each bounded by the
socket timeout EMAIL_TIMEOUT) may be repeated by another worker.
"""

import contextlib
import datetime
import logging
import smtplib
import time

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Case, Count, F, Min, Q, Value, When
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
        # The email may go with any batch from now on; its own task waits a moment for others to
        # gather, so that under a steady stream of submissions the worker sends batches, not one
        # email per task. The wait is on the clock the worker reads, not the `now` recorded above
        # (which a caller may set to the moment it stands for).
        wait = datetime.timedelta(seconds=settings.EMAIL_BATCH_WAIT_SECONDS)
        sender = send_queued_email.using(run_after=timezone.now() + wait) if wait else send_queued_email
        sender.enqueue(email.pk)
    return email


@task()
def send_queued_email(email_id):
    """The worker's task: an attempt at this email and at the others due now (deliver())."""
    deliver(email_id)


def deliver(email_id, now=None):
    """One attempt at sending a queued email, together with the other emails that are due, up to
    EMAIL_BATCH_SIZE in all. Returns the given email's status afterwards."""
    now = now or timezone.now()
    batch = start_batch(email_id, now)
    statuses = send_batch(batch)
    if email_id in statuses:
        return statuses[email_id]
    # Sent already, held by another worker, or gone.
    return QueuedEmail.objects.filter(pk=email_id).values_list("status", flat=True).first()


def start_batch(email_id, now):
    """Step 1: lock the task's own email, if it is still to be sent, and the other emails due, mark
    them "sending" and mark the other emails' waiting tasks done; in one transaction. Returns the
    emails, the task's own first."""
    with transaction.atomic():
        emails = list(
            QueuedEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("response__consultation")
            .filter(Q(pk=email_id, status__in=UNSENT) | Q(status=Status.WAITING, next_attempt_at__lte=now))
            .order_by(Case(When(pk=email_id, then=Value(0)), default=Value(1)), "next_attempt_at", "pk")[
                : settings.EMAIL_BATCH_SIZE
            ]
        )
        if emails and emails[0].pk == email_id and started_recently(emails[0], now):
            # Another worker started on it a moment ago and is not known to have stopped.
            emails.pop(0)
        if not emails:
            return []
        QueuedEmail.objects.filter(pk__in=[email.pk for email in emails]).update(
            status=Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now
        )
        for email in emails:
            email.status, email.attempts, email.last_attempt_at = Status.SENDING, email.attempts + 1, now
        # A task another worker has claimed is left to run: it will find its email taken.
        DBTaskResult.objects.filter(
            status="READY",
            task_path=send_queued_email.module_path,
            args_kwargs__args__0__in=[email.pk for email in emails if email.pk != email_id],
        ).update(status="SUCCESSFUL", started_at=now, finished_at=now, return_value={"sent_with_email": email_id})
    return emails


def started_recently(email, now):
    return email.status == Status.SENDING and email.last_attempt_at and now - email.last_attempt_at < stale_after()


def send_batch(emails):
    """Steps 2 and 3: send each email of a started batch over one connection. Returns each email's
    status afterwards, by its id."""
    # Imported here: emails.py builds messages from the models and reaches back for queue().
    from guidance.emails import build_message, receipts_comments

    statuses = {}
    receipts = receipts_comments(emails)
    for position, email in enumerate(emails):
        try:
            message = build_message(email, message_id=message_id(email), receipt_comments=receipts.get(email.pk, ()))
        except Exception as error:
            # A fault in building one message is no reason to hold back the others.
            logger.exception("Could not build email %s (%s for response %s)", email.pk, email.kind, email.response)
            statuses[email.pk] = attempt_failed(email, error, now=timezone.now())
            continue
        if message is None:
            # Its address was erased, or it has nothing left to say (everything withdrawn).
            QueuedEmail.objects.filter(pk=email.pk).update(status=Status.DROPPED)
            logger.info("Email %s (%s for response %s) dropped: nothing to send", email.pk, email.kind, email.response)
            statuses[email.pk] = Status.DROPPED
            continue
        try:
            message.connection = mail_connection()
            sent = message.send() == 1
            MAIL_CONNECTION["used_at"] = time.monotonic()
        except Exception as error:
            close_mail_connection()
            if is_refusal_of_one_message(error):
                statuses[email.pk] = attempt_failed(email, error, now=timezone.now())
                continue
            # The server cannot be reached or stopped answering: the rest of the batch would meet the same.
            for each in emails[position:]:
                statuses[each.pk] = attempt_failed(each, error, now=timezone.now())
            break
        if not sent:
            unsent = EmailUnsent("the email backend took no message")
            statuses[email.pk] = attempt_failed(email, unsent, now=timezone.now())
            continue
        QueuedEmail.objects.filter(pk=email.pk).update(status=Status.SENT, sent_at=timezone.now(), last_error="")
        logger.info("Email %s (%s for response %s) sent", email.pk, email.kind, email.response.reference)
        statuses[email.pk] = Status.SENT
    return statuses


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


def is_refusal_of_one_message(error):
    """The server answered, and refused this message alone: the next one may well go. Anything else
    (no connection, no answer, a refused greeting or login) would meet the rest of the batch too."""
    return isinstance(error, (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError))


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
    machine lost): "sending" for longer than STALE_AFTER. Each is waiting again, with a task of its
    own; the stopped worker's task, still "running", is marked failed so that it is not counted as
    running. Returns how many emails were queued again."""
    now = now or timezone.now()
    started_before = now - stale_after()
    with transaction.atomic():
        DBTaskResult.objects.filter(
            status="RUNNING", task_path=send_queued_email.module_path, started_at__lt=started_before
        ).update(
            status="FAILED",
            finished_at=now,
            exception_class_path="guidance.mailqueue.EmailUnsent",
            traceback="The worker stopped during this attempt.",
        )
        stopped = list(
            QueuedEmail.objects.select_for_update(skip_locked=True)
            .filter(status=Status.SENDING, last_attempt_at__lt=started_before)
            .values_list("pk", flat=True)
        )
        QueuedEmail.objects.filter(pk__in=stopped).update(status=Status.WAITING, next_attempt_at=now)
        for email_id in stopped:
            send_queued_email.enqueue(email_id)
            logger.warning("Email %s queued again: the worker sending it stopped", email_id)
    return len(stopped)


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

"""The email queue: every email (to a respondent, a new staff member's link to set a password, or an
email subscriber's) is a QueuedEmail row, written in the transaction that causes it, and sent by the worker
(`manage.py run_worker`), never inside a request.

The table is the queue; nothing else is. `queue()` records the email with its recipient, fixed
there and then: a delayed or retried email goes to the address it was queued for, whatever the
response says later. The worker calls `send_due()` in a loop:

1. in one transaction, takes up to EMAIL_BATCH_SIZE emails that are due (those another worker holds
   are skipped), marks them "sending" and holds them for EMAIL_STALE_SECONDS (a lease, which the
   worker renews while it is alive: `renew_leases()`);
2. builds each message (guidance/mail/emails.py), formats it and hands it to the mail server, all over
   one connection;
3. marks each one sent as soon as the server has taken it; or records the kind of error and when to
   try again (EMAIL_RETRY_SECONDS doubling up to EMAIL_RETRY_MAX_SECONDS), giving up only when the
   server refused the recipient for good (a 5xx to RCPT TO: "no such user") or EMAIL_GIVE_UP_HOURS
   after the email was queued.

What fails one message fails that message only: an address or a header that cannot be formatted, a
recipient refused, the message refused. What is about the server (no connection, no answer, a
refusal at the greeting, HELO, login or MAIL FROM) fails the rest of the batch at once, each to be
tried again: a server that refuses everything for a while loses nothing.

How close to exactly once. A worker that dies mid-batch stops renewing its lease; once the lease has
run out, `recover_interrupted()` (every worker, each round) makes its emails due again. A worker that
dies between the server taking a message and step 3 committing (one database write) cannot know the
server took it, so that email is sent again: at least once, never lost. Every attempt at one email
carries the same Message-ID (opaque, made when it was queued), by which most mail stores show a
repeat once. Two workers never hold one email at once: the lease decides.

An erasure or a withdrawal before sending cancels what is queued (`cancel()`): nothing is rewritten
to go elsewhere.
"""

import contextlib
import datetime
import logging
import smtplib
import time

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from guidance.models import QueuedEmail

logger = logging.getLogger(__name__)

Status = QueuedEmail.Status
UNSENT = [Status.WAITING, Status.SENDING]


class EmailUnsent(Exception):
    """The mail server was handed the message but took none of it."""


def lease():
    return datetime.timedelta(seconds=settings.EMAIL_STALE_SECONDS)


def queue(kind, response, payload=None, *, to=None, user=None, subscriber=None, now=None, due_at=None):
    """Record an email to `response`'s respondent (at `to`, by default the response's address now),
    or, with no response, to the member of staff `user` or the `subscriber` (at their address now),
    in the caller's transaction, to be sent from `due_at` (by default at once). Returns the QueuedEmail."""
    if to is None:
        to = response.email if response is not None else (subscriber or user).email
    return QueuedEmail.objects.create(
        kind=kind,
        response=response,
        user=user,
        subscriber=subscriber,
        to=to,
        payload=payload or {},
        created_at=now or timezone.now(),
        # Due by the clock the worker reads, whatever moment `now` stands for.
        next_attempt_at=due_at or timezone.now(),
    )


def cancel(emails, *, reason):
    """Cancel the emails of `emails` (a queryset) not yet sent, forgetting their address: after a
    withdrawal, say. One a worker is sending at this moment may still go. Returns how many."""
    cancelled = emails.filter(status=Status.WAITING).update(status=Status.CANCELLED, to="", last_error=reason[:100])
    if cancelled:
        logger.info("%d queued email(s) cancelled: %s", cancelled, reason)
    return cancelled


def forget_addresses(emails, *, reason):
    """An erasure: cancel what is still to be sent and forget the address of every email, sent or
    not (the address is personal data, kept here only to send)."""
    cancel(emails, reason=reason)
    emails.exclude(to="").update(to="")


# The worker's round ------------------------------------------------------------------------------


def send_due(worker="", now=None):
    """One round of the worker: take the emails that are due (a batch) and send them. Returns how many
    were taken (0: nothing was due)."""
    batch = take_batch(worker, now or timezone.now())
    if batch:
        send_batch(batch)
    return len(batch)


def take_batch(worker, now):
    """Step 1: up to EMAIL_BATCH_SIZE due emails, marked "sending" and held for this worker, in one
    transaction. SKIP LOCKED: two workers asking at the same moment take different emails."""
    with transaction.atomic():
        emails = list(
            QueuedEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("response__consultation", "user", "subscriber")
            .filter(status=Status.WAITING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[: settings.EMAIL_BATCH_SIZE]
        )
        if not emails:
            return []
        QueuedEmail.objects.filter(pk__in=[email.pk for email in emails]).update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            held_by=worker,
            held_until=now + lease(),
        )
    for email in emails:
        email.status, email.attempts, email.last_attempt_at = Status.SENDING, email.attempts + 1, now
    return emails


def renew_leases(worker, now=None):
    """The worker is alive: hold its emails a while longer. Returns how many it holds."""
    now = now or timezone.now()
    return QueuedEmail.objects.filter(status=Status.SENDING, held_by=worker).update(held_until=now + lease())


def recover_interrupted(now=None):
    """Make due again the emails whose worker stopped in the middle of sending them (killed, or its
    machine lost): "sending", and their lease has run out. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        stopped = list(
            QueuedEmail.objects.select_for_update(skip_locked=True)
            .filter(status=Status.SENDING, held_until__lt=now)
            .values_list("pk", flat=True)
        )
        QueuedEmail.objects.filter(pk__in=stopped).update(status=Status.WAITING, next_attempt_at=now, held_by="")
    for email_id in stopped:
        logger.warning("Email %s queued again: the worker sending it stopped", email_id)
    return len(stopped)


def send_batch(emails):
    """Steps 2 and 3: send each email of a batch taken by take_batch, over one connection. Returns
    each email's status afterwards, by its id."""
    # Imported here, not above: emails.py queues its messages through this module.
    from guidance.mail.emails import build_message, receipts_comments

    statuses = {}
    receipts = receipts_comments(emails)
    for position, email in enumerate(emails):
        try:
            message = build_message(email, receipt_comments=receipts.get(email.pk, ()))
            if message is not None:
                formatted_for_sending(message)
        except Exception as error:
            # Something of this message alone (an address or a header that cannot be written).
            logger.exception("Could not build email %s (%s for %s)", email.pk, email.kind, email.about)
            statuses[email.pk] = attempt_failed(email, error, now=timezone.now())
            continue
        if message is None:
            QueuedEmail.objects.filter(pk=email.pk).update(status=Status.CANCELLED, to="", held_by="")
            logger.info("Email %s (%s for %s) dropped: nothing to send", email.pk, email.kind, email.about)
            statuses[email.pk] = Status.CANCELLED
            continue
        try:
            message.connection = mail_connection()
            sent = message.send() == 1
            MAIL_CONNECTION["used_at"] = time.monotonic()
        except Exception as error:
            close_mail_connection()
            if is_about_the_server(error):
                # The rest of the batch would meet the same: each is tried again after its back-off.
                for each in emails[position:]:
                    statuses[each.pk] = attempt_failed(each, error, now=timezone.now())
                break
            statuses[email.pk] = attempt_failed(email, error, now=timezone.now())
            continue
        if not sent:
            statuses[email.pk] = attempt_failed(email, EmailUnsent(), now=timezone.now())
            continue
        QueuedEmail.objects.filter(pk=email.pk).update(
            status=Status.SENT, sent_at=timezone.now(), last_error="", held_by=""
        )
        logger.info("Email %s (%s for %s) sent", email.pk, email.kind, email.about)
        statuses[email.pk] = Status.SENT
    return statuses


def formatted_for_sending(message):
    """Format `message` as the mail backend will (its headers, and each address as the server is
    told it), so that what cannot be formatted fails here, as this message's own fault, and not in
    the middle of sending, where it would look like the server's."""
    from django.core.mail.message import sanitize_address

    message.message()
    for address in [message.from_email, *message.recipients()]:
        sanitize_address(address, message.encoding or settings.DEFAULT_CHARSET)


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


def is_about_the_server(error):
    """True when the error says nothing about this message, so the next would meet it too: no
    connection or no answer (socket errors, timeouts, TLS), or the server refusing us at the
    greeting, HELO, login or MAIL FROM. A refusal of the recipient or of the message, or a message
    that could not be formatted, is about this message alone."""
    if isinstance(error, (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)):
        return False
    return isinstance(error, OSError)  # smtplib's errors are OSErrors too


def is_permanent(error):
    """Only the server saying no, for good, to the recipient (a 5xx to RCPT TO: "no such user") is
    final. A 5xx at the greeting, HELO or MAIL FROM is about the server, which may mend; a message it
    refused may go later too. Everything else is tried again until EMAIL_GIVE_UP_HOURS."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return False


def retry_delay(attempts):
    """How long to wait after the attempts so far have failed: doubling from EMAIL_RETRY_SECONDS,
    up to EMAIL_RETRY_MAX_SECONDS."""
    seconds = settings.EMAIL_RETRY_SECONDS * 2 ** max(0, attempts - 1)
    return datetime.timedelta(seconds=min(seconds, settings.EMAIL_RETRY_MAX_SECONDS))


def attempt_failed(email, error, *, now):
    """Record a failed attempt and when to try again, or give up. The log says the kind of error
    only: its message can hold the address."""
    kind = type(error).__name__
    give_up_at = email.created_at + datetime.timedelta(hours=settings.EMAIL_GIVE_UP_HOURS)
    if is_permanent(error) or now >= give_up_at:
        QueuedEmail.objects.filter(pk=email.pk).update(status=Status.FAILED, last_error=kind, held_by="")
        logger.error(
            "Could not send the %s for %s (%s): given up after %d attempt(s)",
            email.kind,
            email.about,
            kind,
            email.attempts,
        )
        return Status.FAILED
    next_attempt = now + retry_delay(email.attempts)
    QueuedEmail.objects.filter(pk=email.pk).update(
        status=Status.WAITING, last_error=kind, next_attempt_at=next_attempt, held_by=""
    )
    logger.warning(
        "Could not send the %s for %s (%s, attempt %d); trying again at %s",
        email.kind,
        email.about,
        kind,
        email.attempts,
        timezone.localtime(next_attempt).strftime("%H:%M:%S"),
    )
    return Status.WAITING


def message_id(email):
    """The same Message-ID on every attempt at one email, so a repeat after a crash is one message.
    Made of a random id given when it was queued: it says nothing of how many emails went before."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<{email.uid.hex}@{domain}>"


# What /healthz says of the queue -------------------------------------------------------------------


def health(now=None):
    """How many emails wait, the age of the oldest in seconds, whether that is older than
    EMAIL_QUEUE_ALERT_SECONDS (no worker, or the mail server failing that long), how many are being
    tried again, and how many were given up in the last seven days."""
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
    oldest_seconds = max(0, int((now - oldest).total_seconds())) if oldest else 0
    return {
        "email_queue_waiting": counts["waiting"],
        "email_queue_oldest_seconds": oldest_seconds,
        "email_queue_delayed": int(oldest_seconds > settings.EMAIL_QUEUE_ALERT_SECONDS),
        "email_queue_retrying": counts["retrying"],
        "email_queue_failed_last_7_days": counts["failed"],
    }

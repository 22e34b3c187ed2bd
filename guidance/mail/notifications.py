"""Telling respondents what happened, when they asked to be told ("Email me when my comments are
published or not, and when the outcome is published"): one email a day at most to one address,
listing what changed since the last.

The worker calls queue_notifications() every minute. From NOTIFICATION_HOUR (UK time) each day, for
every address that has something new and has had no such email that day, it queues one email
(guidance/mail/mailqueue.py) listing: each comment or answer decided since the respondent was last told
(published, or not published with the reason in public wording), and each consultation whose
outcome has been published since, with, once its "What changed" page is public
(versions.what_changed_is_public), a link to each section they commented on there
(emails.what_changed_links). What was listed is marked as told (Comment.notified_status,
Response.outcome_notified_at) in the same transaction as the email is queued, so nothing is told
twice and nothing is missed: a decision made while the email is being queued is told the next day.

The email's unsubscribe link (and its List-Unsubscribe header, for the mail program's own button)
carries a signed token naming the responses it was about: one click turns their emails off.
"""

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from guidance.mail import mailqueue
from guidance.models import Comment, Consultation, QueuedEmail, Response
from guidance.outcomes.published import has_published_outcome

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "guidance.mail.notifications.unsubscribe"
TOLD = [Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.SPAM]


def unsubscribe_token(response_ids):
    # The responses' references, not their numbers: a link says nothing of how many there are.
    references = sorted(Response.objects.filter(pk__in=response_ids).values_list("reference", flat=True))
    return signing.dumps({"refs": references}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_path(response_ids):
    return reverse("guidance:unsubscribe", args=[unsubscribe_token(response_ids)])


def responses_for_token(token):
    """The responses an unsubscribe link names, or None if the link was changed by hand."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    data = data if isinstance(data, dict) else {}
    references, ids = data.get("refs"), data.get("r")  # "r": links emailed before they named references
    if isinstance(references, list) and all(isinstance(reference, str) for reference in references):
        return Response.objects.filter(reference__in=references)
    if isinstance(ids, list) and all(isinstance(pk, int) for pk in ids):
        return Response.objects.filter(pk__in=ids)
    return None


def set_notify(responses, notify):
    """Turn the emails saying what happened off (or on again) for these responses; how many changed."""
    if notify:
        responses = responses.exclude(email="").filter(withdrawn_at__isnull=True)
    return responses.exclude(notify=notify).update(notify=notify)


def start_of_day(now):
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def asking_to_be_told():
    """The responses whose respondents asked to be told what happened and can be: sent, not
    withdrawn, with an address."""
    return Response.objects.sent().filter(notify=True, withdrawn_at__isnull=True).exclude(email="")


def rounds(now=None):
    """(when the worker next queues the emails saying what happened, when it does the day after):
    each day from NOTIFICATION_HOUR, UK time, so at once (within the minute) once that hour has come."""
    now = now or timezone.now()
    day = start_of_day(now)
    today = day.replace(hour=settings.NOTIFICATION_HOUR)
    tomorrow = (day + datetime.timedelta(days=1)).replace(hour=settings.NOTIFICATION_HOUR)
    return max(now, today), tomorrow


def outcome_recipients(consultation, now=None):
    """Who will be emailed when the consultation's outcome is published, as the Publish page says
    it: (how many addresses, how many of them had today's email already and so wait until
    tomorrow's). One email to an address, however many of its responses."""
    now = now or timezone.now()
    waiting = asking_to_be_told().filter(consultation=consultation, outcome_notified_at__isnull=True)
    addresses = set(waiting.annotate(address=Lower("email")).values_list("address", flat=True))
    told_today = (
        Response.objects.annotate(address=Lower("email"))
        .filter(address__in=addresses, notified_at__gte=start_of_day(now))
        .values("address")
        .distinct()
        .count()
    )
    return len(addresses), told_today


def queue_notifications(now=None):
    """Queue today's emails saying what happened, for every address due one. Returns how many."""
    now = now or timezone.now()
    if timezone.localtime(now).hour < settings.NOTIFICATION_HOUR:
        return 0
    asking = asking_to_be_told()
    changed = defaultdict(list)
    for pk, status, response_id in (
        Comment.objects.filter(response__in=asking, status__in=TOLD)
        .exclude(notified_status=F("status"))
        .values_list("pk", "status", "response_id")
    ):
        changed[response_id].append((pk, status))
    waiting_for_outcome = asking.filter(outcome_notified_at__isnull=True)
    consultations = Consultation.objects.closed(now).filter(pk__in=waiting_for_outcome.values("consultation"))
    with_outcome = [consultation.pk for consultation in consultations if has_published_outcome(consultation, now)]
    outcome_due = list(waiting_for_outcome.filter(consultation__in=with_outcome).values_list("pk", flat=True))
    due_ids = set(changed) | set(outcome_due)
    if not due_ids:
        return 0
    by_address = defaultdict(list)
    for pk, address in asking.filter(pk__in=due_ids).annotate(address=Lower("email")).values_list("pk", "address"):
        by_address[address].append(pk)
    # Addresses already sent one today, by any of their responses, wait until tomorrow.
    told_today = set(
        Response.objects.annotate(address=Lower("email"))
        .filter(address__in=by_address.keys(), notified_at__gte=start_of_day(now))
        .values_list("address", flat=True)
    )
    queued = 0
    for address, response_ids in by_address.items():
        if address in told_today:
            continue
        comments = [item for pk in response_ids for item in changed.get(pk, [])]
        outcomes = [pk for pk in response_ids if pk in outcome_due]
        queued += queue_one(response_ids, comments, outcomes, now)
    return queued


def queue_one(response_ids, comments, outcomes, now):
    """One address's email: queued, with what it lists marked as told, in one transaction."""
    with transaction.atomic():
        responses = list(Response.objects.select_for_update().filter(pk__in=response_ids, notify=True).order_by("pk"))
        if not responses:
            return 0
        # Only what is still as it was read: a decision made since waits for the next email.
        current = dict(
            Comment.objects.select_for_update()
            .filter(pk__in=[pk for pk, _ in comments], response__in=responses)
            .values_list("pk", "status")
        )
        comments = [[pk, status] for pk, status in comments if current.get(pk) == status]
        if not comments and not outcomes:
            return 0
        mailqueue.queue(
            QueuedEmail.Kind.NOTIFICATION,
            responses[0],
            {"responses": [r.pk for r in responses], "comments": comments, "outcomes": outcomes},
            now=now,
        )
        # Each still has the status read above (checked under lock), so told is its status now.
        Comment.objects.filter(pk__in=[pk for pk, _ in comments]).update(notified_status=F("status"))
        Response.objects.filter(pk__in=[r.pk for r in responses]).update(notified_at=now)
        Response.objects.filter(pk__in=outcomes).update(outcome_notified_at=now)
    logger.info("Email saying what happened queued for response(s) %s", ", ".join(r.reference for r in responses))
    return 1

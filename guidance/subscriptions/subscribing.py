"""The writes of subscriptions, each one transaction; and announce_due(), which the worker's
housekeeping calls every minute (guidance/management/commands/run_worker.py).

Double opt-in. ask() records an unconfirmed subscription and queues the email with its link (at
once); nothing else is ever sent for it until confirm() is called from that link (a POST: links in
emails are opened by scanners). Asking again for what the address already has sends the same kind
of email, which then says so: the page that follows says the same whoever asks, so nobody learns
from it who is subscribed. What was never confirmed is deleted after CONFIRM_DAYS
(forget_unconfirmed, from the daily retention job).

Ending. end() and end_all() delete the subscriptions, and the subscriber with its last one: its
address, its queued emails (cancelled first), what it was told. Nothing of an ended subscription is
kept.

Announcements and digests (announce_due). Each minute the worker records, once per consultation and
kind (a unique constraint, so two workers at once record one): a public consultation opened; it is
open and closes within CLOSING_SOON (when it was open for longer than that); its outcome is
published. Then every confirmed address whose last digest was queued DIGEST_EVERY ago or more (or
never) and that has announcements it has not been told, made since it confirmed the subscription
they match, gets one digest queued listing them all; what it lists is marked told (Told) and the
time kept (Subscriber.last_digest_at) in the same transaction, under a lock another worker skips:
each announcement is in one digest only, and an address gets one a day at most.
"""

import datetime
import logging
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from guidance.mail import mailqueue
from guidance.models import Announcement, Consultation, Erasure, QueuedEmail, Subscriber, Subscription, Told
from guidance.outcomes.published import has_published_outcome
from guidance.responses.ratelimit import canonical_address

logger = logging.getLogger(__name__)

CONFIRM_DAYS = 7
CLOSING_SOON = datetime.timedelta(days=7)
DIGEST_EVERY = datetime.timedelta(hours=24)
# An announcement not told within this long (the worker stopped for days, say) is stale news.
TOLD_WITHIN = datetime.timedelta(days=7)


def confirm_by(subscription):
    return subscription.created_at + datetime.timedelta(days=CONFIRM_DAYS)


# Asking, confirming, ending ----------------------------------------------------------------------


def ask(email, *, organisation="", consultation=None, now=None):
    """Someone asked, with `email`, to hear of every consultation of `organisation`, or of
    `consultation`: record the subscription, unconfirmed unless it was confirmed before, and queue
    the email with the link to confirm it (or saying it already is). Returns the Subscription."""
    now = now or timezone.now()
    address = canonical_address(email)
    with transaction.atomic():
        subscriber = subscriber_for(email, address, now)
        subscription, _ = Subscription.objects.get_or_create(
            subscriber=subscriber,
            consultation=consultation,
            organisation="" if consultation is not None else organisation,
            defaults={"created_at": now},
        )
        mailqueue.queue(
            QueuedEmail.Kind.SUBSCRIBE, None, {"subscription": subscription.pk}, subscriber=subscriber, now=now
        )
    logger.info("Subscription %s asked for by subscriber %s", subscription.pk, subscriber.pk)
    return subscription


def subscriber_for(email, address, now):
    """The subscriber of `address`, made if there is none (two requests at once make one)."""
    try:
        with transaction.atomic():
            return Subscriber.objects.get_or_create(address=address, defaults={"email": email, "created_at": now})[0]
    except IntegrityError:
        return Subscriber.objects.get(address=address)


def pending(token, now=None):
    """The subscription a confirmation link names, if it may still be confirmed (or was already);
    None when the link is unknown or too old."""
    now = now or timezone.now()
    subscription = (
        Subscription.objects.select_related("subscriber", "consultation").filter(token=token).first() if token else None
    )
    if subscription is None or (subscription.confirmed_at is None and confirm_by(subscription) <= now):
        return None
    return subscription


def confirm(subscription, now=None):
    """The address's owner confirmed: from now on its announcements are told. Confirming twice
    changes nothing."""
    now = now or timezone.now()
    confirmed = Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(confirmed_at=now)
    if confirmed:
        logger.info("Subscription %s confirmed", subscription.pk)
    return confirmed


def subscriber_for_token(token):
    return Subscriber.objects.filter(token=token).first() if token else None


def listed(subscriber):
    """The subscriber's subscriptions, for its page: confirmed first."""
    return list(
        subscriber.subscriptions.select_related("consultation").order_by(
            F("confirmed_at").asc(nulls_last=True), "created_at"
        )
    )


def end(subscriber, subscription_ids, *, reason):
    """End these of the subscriber's subscriptions (deleted), and the subscriber with its last.
    Returns how many ended; a second time, 0."""
    with transaction.atomic():
        ended, _ = Subscription.objects.filter(subscriber=subscriber, pk__in=subscription_ids).delete()
        if not Subscription.objects.filter(subscriber=subscriber).exists():
            forget(Subscriber.objects.filter(pk=subscriber.pk), reason=reason)
    logger.info("Subscriber %s ended %d subscription(s): %s", subscriber.pk, ended, reason)
    return ended


def end_all(subscriber, *, reason):
    """Every subscription of the address ends, and the address is forgotten."""
    with transaction.atomic():
        ended = Subscription.objects.filter(subscriber=subscriber).count()
        forget(Subscriber.objects.filter(pk=subscriber.pk), reason=reason)
    logger.info("Subscriber %s ended all %d subscription(s): %s", subscriber.pk, ended, reason)
    return ended


def forget(subscribers, *, reason):
    """Delete these subscribers: their address, their subscriptions, what they were told; their
    queued emails cancelled first (one a worker holds at this moment may still go)."""
    mailqueue.forget_addresses(QueuedEmail.objects.filter(subscriber__in=subscribers), reason=reason)
    return subscribers.delete()[1].get(Subscriber._meta.label, 0)


def find(query):
    """The subscriber of an address (written any way), for the staff's erasure page; or None."""
    query = query.strip()
    if "@" not in query:
        return None
    return (
        Subscriber.objects.filter(address=canonical_address(query))
        .prefetch_related("subscriptions__consultation")
        .first()
    )


def erase(subscriber, *, by):
    """Erasure on request: the address and everything of it goes, recorded (without the address)
    as every erasure is."""
    with transaction.atomic():
        followed = [str(subscription) for subscription in subscriber.subscriptions.select_related("consultation")]
        forget(Subscriber.objects.filter(pk=subscriber.pk), reason="subscriber erased on request")
        Erasure.objects.create(
            by=by,
            consultation=None,
            scope=Erasure.Scope.SUBSCRIPTIONS,
            response_count=0,
            reason=f"On request: an address and its {len(followed)} subscription{'' if len(followed) == 1 else 's'} "
            f"({'; '.join(followed)}) deleted.",
        )
    logger.info("Subscriber %s erased on request by staff member %s", subscriber.pk, by.pk)


def forget_unconfirmed(now=None):
    """Retention: subscriptions not confirmed within CONFIRM_DAYS are deleted, and subscribers left
    with none. Returns how many subscriptions were deleted."""
    now = now or timezone.now()
    with transaction.atomic():
        deleted, _ = Subscription.objects.filter(
            confirmed_at__isnull=True, created_at__lte=now - datetime.timedelta(days=CONFIRM_DAYS)
        ).delete()
        forget(Subscriber.objects.filter(subscriptions__isnull=True), reason="never confirmed")
    return deleted


# Announcements and digests ------------------------------------------------------------------------


def announce_due(now=None):
    """The worker's housekeeping: record what happened, then queue the digests due. Returns how many
    digests were queued."""
    now = now or timezone.now()
    record_announcements(now)
    return queue_digests(now)


def record_announcements(now):
    """One Announcement per public consultation and kind, the first time the worker sees it."""
    public = Consultation.objects.public()
    already = defaultdict(set)
    for consultation_id, kind in Announcement.objects.values_list("consultation_id", "kind"):
        already[kind].add(consultation_id)
    Kind = Announcement.Kind
    due = [(pk, Kind.OPENED) for pk in public.open(now).values_list("pk", flat=True)]
    due += [
        (pk, Kind.CLOSING_SOON)
        for pk in public.open(now)
        .filter(closes_at__lte=now + CLOSING_SOON, opens_at__lte=F("closes_at") - CLOSING_SOON)
        .values_list("pk", flat=True)
    ]
    with_outcome = public.closed(now).filter(publication=Consultation.Publication.OUTCOME_PUBLISHED)
    due += [
        (consultation.pk, Kind.OUTCOME_PUBLISHED)
        for consultation in with_outcome.exclude(pk__in=already[Kind.OUTCOME_PUBLISHED])
        if has_published_outcome(consultation, now)
    ]
    new = [Announcement(consultation_id=pk, kind=kind, announced_at=now) for pk, kind in due if pk not in already[kind]]
    # Another worker recording the same at this moment: the constraint keeps one.
    Announcement.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def queue_digests(now):
    recent = list(
        Announcement.objects.filter(
            announced_at__gt=now - TOLD_WITHIN, consultation__in=Consultation.objects.public()
        ).select_related("consultation")
    )
    if not recent:
        return 0
    due_subscribers = Subscriber.objects.filter(
        Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - DIGEST_EVERY)
    )
    subscriptions = Subscription.objects.filter(confirmed_at__isnull=False, subscriber__in=due_subscribers).filter(
        Q(consultation__in={a.consultation_id for a in recent})
        | Q(consultation__isnull=True, organisation__in={a.consultation.organisation for a in recent})
    )
    wanted = defaultdict(set)
    for subscription in subscriptions:
        for announcement in recent:
            if matches(subscription, announcement):
                wanted[subscription.subscriber_id].add(announcement.pk)
    told = set(
        Told.objects.filter(subscriber__in=wanted.keys(), announcement__in=[a.pk for a in recent]).values_list(
            "subscriber_id", "announcement_id"
        )
    )
    queued = 0
    for subscriber_id, announcement_ids in wanted.items():
        untold = sorted(pk for pk in announcement_ids if (subscriber_id, pk) not in told)
        if untold:
            queued += queue_digest(subscriber_id, untold, now)
    return queued


def matches(subscription, announcement):
    """The announcement is news for the subscription: about what it follows, and made since it was
    confirmed (what happened before, the subscriber could see when they subscribed)."""
    consultation = announcement.consultation
    follows = (
        subscription.consultation_id == consultation.pk
        if subscription.consultation_id
        else subscription.organisation == consultation.organisation
    )
    return follows and announcement.announced_at >= subscription.confirmed_at


def queue_digest(subscriber_id, announcement_ids, now):
    """One address's digest, queued with what it lists marked told, under a lock another worker
    skips; nothing if another worker did it meanwhile. Returns 1 if queued."""
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update(skip_locked=True)
            .filter(pk=subscriber_id)
            .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - DIGEST_EVERY))
            .first()
        )
        if subscriber is None:
            return 0
        told = set(subscriber.told.filter(announcement__in=announcement_ids).values_list("announcement_id", flat=True))
        untold = [pk for pk in announcement_ids if pk not in told]
        if not untold:
            return 0
        Told.objects.bulk_create([Told(subscriber=subscriber, announcement_id=pk, at=now) for pk in untold])
        mailqueue.queue(QueuedEmail.Kind.DIGEST, None, {"announcements": untold}, subscriber=subscriber, now=now)
        Subscriber.objects.filter(pk=subscriber.pk).update(last_digest_at=now)
    logger.info("Digest of %d announcement(s) queued for subscriber %s", len(untold), subscriber.pk)
    return 1


def digest_lines(email):
    """What a queued digest lists when it is sent: its announcements, of consultations still public
    and still followed by one of the subscriber's confirmed subscriptions, in the order they happened."""
    announcements = Announcement.objects.filter(
        pk__in=email.payload.get("announcements", []), consultation__in=Consultation.objects.public()
    ).select_related("consultation")
    subscriptions = list(email.subscriber.subscriptions.filter(confirmed_at__isnull=False))
    now = timezone.now()
    return [
        announcement
        for announcement in announcements
        # "Closes in a week" is no news once it has closed (the worker was stopped for days).
        if not (announcement.kind == Announcement.Kind.CLOSING_SOON and announcement.consultation.closes_at <= now)
        and any(
            (s.consultation_id == announcement.consultation_id)
            or (not s.consultation_id and s.organisation == announcement.consultation.organisation)
            for s in subscriptions
        )
    ]

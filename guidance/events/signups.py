"""Signing up to an event, cancelling, the waiting list and the reminder the day before: every write
to EventSignUp, each in one transaction with the emails it causes (guidance/mail/emails.py builds
them when the worker sends them).

Places. An event with a capacity gives that many places, first come first served; whoever signs up
after that joins its waiting list. Each sign-up and each cancellation first locks the event's row
(select_for_update), so two people signing up at the same moment are counted one after the other
and never take more places than there are; a cancelled place goes to the first on the waiting
list, in the same transaction, with an email saying so. Nobody is promoted once the event is over.

One address, one sign-up. Signing up again with an address already signed up (written however:
ratelimit.canonical_address) stores nothing new: the confirmation is emailed again to that address,
never shown on the page, so that whoever types someone else's address learns nothing they could use.

Reminders (send_reminders, from the worker's housekeeping): each confirmed sign-up gets one, once
the event is less than REMINDER_HOURS away, unless it was made within those hours (its confirmation
is fresh). reminded_at is set by a conditional update before the email is queued, in one
transaction, so two workers running at once never queue two.
"""

import dataclasses
import datetime
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guidance.mail import mailqueue
from guidance.models import Event, EventSignUp, QueuedEmail
from guidance.responses import ratelimit

logger = logging.getLogger(__name__)

Status = EventSignUp.Status
REMINDER_HOURS = 24
EVENT_EMAILS = [QueuedEmail.Kind.EVENT_SIGNUP, QueuedEmail.Kind.EVENT_PLACE, QueuedEmail.Kind.EVENT_REMINDER]


class SignUpRefused(Exception):
    """The event takes no sign-ups now: the message says why, in plain English."""


@dataclasses.dataclass(frozen=True)
class SignedUp:
    """What became of a sign-up asked for: the sign-up (new, or the address's earlier one) and
    whether it is new."""

    signup: EventSignUp
    new: bool


def refusal(event, now=None):
    """Why `event` takes no sign-up now, in words, or "" if it does."""
    now = now or timezone.now()
    if not event.signup_open:
        return "Sign-up for this event is closed."
    if event.ends_at <= now:
        return "This event has already happened."
    if not event.consultation.is_public:
        return "Nobody can sign up to an event of a consultation that is not published."
    return ""


def places_left(event):
    """How many places are left (None: no limit)."""
    if event.capacity is None:
        return None
    return max(event.capacity - event.signups.holding_places().count(), 0)


def sign_up(event, *, name, email, access_needs="", now=None):
    """Sign someone up to `event`: a place if one is left, else the waiting list; the email saying
    which is queued. An address already signed up (not cancelled) gets its confirmation again and
    nothing new is stored. Returns SignedUp; raises SignUpRefused."""
    now = now or timezone.now()
    with transaction.atomic():
        # The lock that makes sign-ups to one event count one after the other.
        event = Event.objects.select_for_update().select_related("consultation").get(pk=event.pk)
        why = refusal(event, now)
        if why:
            raise SignUpRefused(why)
        earlier = already_signed_up(event, email)
        if earlier is not None:
            queue_signup_email(earlier, now)
            return SignedUp(earlier, new=False)
        left = places_left(event)
        signup = EventSignUp.objects.create(
            event=event,
            name=name,
            email=email.strip(),
            access_needs=access_needs,
            status=Status.CONFIRMED if left is None or left > 0 else Status.WAITING,
            created_at=now,
        )
        queue_signup_email(signup, now)
    logger.info("Sign-up %s to event %s: %s", signup.pk, event.pk, signup.status)
    return SignedUp(signup, new=True)


def already_signed_up(event, email):
    """The sign-up (not cancelled) of `event` made with this address, written however, or None."""
    canonical = ratelimit.canonical_address(email)
    for signup in event.signups.not_cancelled():
        if ratelimit.canonical_address(signup.email) == canonical:
            return signup
    return None


def queue_signup_email(signup, now):
    """The email saying what the person got (a place, or the waiting list), with their links."""
    mailqueue.queue(
        QueuedEmail.Kind.EVENT_SIGNUP, None, {"signup": signup.pk, "status": signup.status}, to=signup.email, now=now
    )


def signup_for_token(token):
    """The sign-up whose link carries `token`, or None."""
    if not token or len(token) > EventSignUp._meta.get_field("token").max_length:
        return None
    return EventSignUp.objects.select_related("event__consultation").filter(token=token).first()


def cancel(signup, now=None):
    """Cancel a sign-up (from its link). A place given up goes to the first on the waiting list,
    who is emailed. Cancelling twice changes nothing. Returns the sign-up promoted, or None."""
    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=signup.event_id)
        signup = EventSignUp.objects.select_for_update().get(pk=signup.pk)
        if signup.status == Status.CANCELLED:
            return None
        gave_up_a_place = signup.status == Status.CONFIRMED
        signup.status, signup.cancelled_at = Status.CANCELLED, now
        signup.save(update_fields=["status", "cancelled_at"])
        # What is still to be sent to them about it goes nowhere now.
        mailqueue.cancel(emails_about([signup.pk]), reason="sign-up cancelled")
        promoted = None
        if gave_up_a_place and event.ends_at > now and places_left(event):
            promoted = event.signups.waiting().select_for_update().first()
            if promoted is not None:
                promoted.status = Status.CONFIRMED
                promoted.save(update_fields=["status"])
                mailqueue.queue(QueuedEmail.Kind.EVENT_PLACE, None, {"signup": promoted.pk}, to=promoted.email, now=now)
    logger.info(
        "Sign-up %s to event %s cancelled%s", signup.pk, event.pk, f"; {promoted.pk} promoted" if promoted else ""
    )
    return promoted


def emails_about(signup_ids):
    """The queued emails about these sign-ups."""
    return QueuedEmail.objects.filter(kind__in=EVENT_EMAILS, response__isnull=True, payload__signup__in=signup_ids)


def due_reminders(now):
    """The confirmed sign-ups whose event starts within REMINDER_HOURS and that have had no reminder."""
    soon = now + datetime.timedelta(hours=REMINDER_HOURS)
    return EventSignUp.objects.filter(
        status=Status.CONFIRMED,
        reminded_at__isnull=True,
        event__starts_at__gt=now,
        event__starts_at__lte=soon,
        # Made less than a day before the event: the confirmation has only just gone.
        created_at__lt=F("event__starts_at") - datetime.timedelta(hours=REMINDER_HOURS),
    )


def send_reminders(now=None):
    """The worker's housekeeping: queue the reminder for each sign-up due one, once. Returns how many."""
    now = now or timezone.now()
    queued = 0
    for signup_id, email in due_reminders(now).values_list("pk", "email"):
        with transaction.atomic():
            # Only the worker whose update changes the row queues the reminder: a second worker
            # reading the same sign-up at the same moment finds reminded_at set and changes nothing.
            if EventSignUp.objects.filter(pk=signup_id, reminded_at__isnull=True, status=Status.CONFIRMED).update(
                reminded_at=now
            ):
                mailqueue.queue(QueuedEmail.Kind.EVENT_REMINDER, None, {"signup": signup_id}, to=email, now=now)
                queued += 1
    if queued:
        logger.info("%d event reminder(s) queued", queued)
    return queued

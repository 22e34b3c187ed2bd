"""Removing respondents' personal data: after a consultation's retention period, and on request.

Personal data is what Response.PERSONAL_DATA_FIELDS lists: a response's name, email address and
organisation, and the link to where an imported response was found (a tweet names its author);
and the respondent's equality monitoring answers (EqualityAnswers), which are deleted; and the name a
chat hour's participant typed with each reply (ChatMessage.display_name).
Each removal runs in one transaction and writes an Erasure record saying who removed what and
when; the references stay, so a removal can be confirmed to the person who asked.

Forms saved to finish later (SavedForm) are of no use once a consultation has closed: the retention
job deletes them at the close, and removes the personal data of responses that were saved but
never sent. An erasure on request deletes them too. The emails queued for a response whose address
is removed are cancelled, and every email's copy of the address forgotten (guidance/mail/mailqueue.py).

Email subscriptions (guidance/subscriptions/) never confirmed are deleted by the same daily job, 7
days after they were asked for; ended ones are deleted at once; the staff's erasure page erases an address's
(guidance/staff/erasure.py, subscribing.erase).

Sign-ups to a consultation's events (EventSignUp: a name, an email address, access needs, which
may say something about someone's health) are needed only to run the event: they are deleted
SIGNUPS_KEPT_DAYS after the event ends, or when the consultation's retention ends if that is sooner
(expire_signups, part of apply_retention), and at once on a person's request (erase_signups). Each
deletion writes an Erasure record (scope EVENT_SIGNUPS) saying how many, never who.
"""

import calendar
import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guidance.consultations.changed import public_pages_changed
from guidance.equality.monitoring import forget_answers
from guidance.events import live
from guidance.mail import mailqueue
from guidance.models import (
    CampaignKey,
    ChatMessage,
    Comment,
    Consultation,
    Erasure,
    EventSignUp,
    ModerationEvent,
    QueuedEmail,
    Response,
    SavedForm,
    StaffNote,
    Submission,
    normalise_reference,
)
from guidance.subscriptions import subscribing

REMOVED_TEXT = "[removed at the respondent's request]"
# Staff notes may say who someone is ("Checked: this is Mrs Jones, the carer from Leeds").
REMOVED_NOTE = "[note removed with the respondent's personal data]"
PERSONAL_FIELDS = dict.fromkeys(Response.PERSONAL_DATA_FIELDS, "")
# Long enough to send the notes or a follow-up to those who came; no longer.
SIGNUPS_KEPT_DAYS = 30


def add_months(moment, months):
    """The same UK wall-clock time `months` later; the 31st becomes the month's last day."""
    local = timezone.localtime(moment)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return timezone.make_aware(local.replace(tzinfo=None, year=year, month=month, day=day))


def retention_ends(consultation):
    return add_months(consultation.closes_at, consultation.retention_months)


def apply_retention(now=None):
    """Anonymise the responses of every consultation whose retention period has ended and that
    still hold personal data. Returns the Erasure records written, one per consultation."""
    now = now or timezone.now()
    erasures = []
    subscribing.forget_unconfirmed(now)
    with transaction.atomic():
        for consultation in Consultation.objects.closed(now).order_by("closes_at"):
            SavedForm.objects.filter(response__consultation=consultation).delete()
            erasures += erase_never_sent(consultation, now)
            if retention_ends(consultation) > now:
                continue
            due = consultation.responses.filter(anonymised_at__isnull=True)
            reason = (
                f"Retention: {consultation.retention_months} months after the close on "
                f"{timezone.localtime(consultation.closes_at):%d %B %Y}."
            )
            erasures += anonymise(consultation, due, now, reason)
        erasures += expire_signups(now)
    return erasures


def expire_signups(now):
    """Delete the sign-ups of every event that ended SIGNUPS_KEPT_DAYS ago, and of every event of a
    consultation whose retention has ended. Returns the Erasure records written, one per event."""
    kept_since = now - datetime.timedelta(days=SIGNUPS_KEPT_DAYS)
    erasures = []
    event_ids = set(EventSignUp.objects.filter(event__ends_at__lte=kept_since).values_list("event_id", flat=True))
    for consultation in Consultation.objects.closed(now).filter(events__signups__isnull=False).distinct():
        if retention_ends(consultation) <= now:
            event_ids |= set(consultation.events.values_list("pk", flat=True))
    for event_id in sorted(event_ids):
        signups = EventSignUp.objects.filter(event_id=event_id).select_related("event__consultation")
        first = signups.first()
        if first is None:
            continue
        event = first.event
        reason = (
            f"Sign-ups to “{event.title}”, {SIGNUPS_KEPT_DAYS} days after the event or at the end of the "
            "consultation's retention period, whichever came first."
        )
        erasures.append(delete_signups(event.consultation, signups, now, by=None, reason=reason))
    return erasures


def delete_signups(consultation, signups, now, *, by, reason):
    """Delete `signups` (of one consultation), forgetting the address of every email about them, and
    record it: the Erasure."""
    from guidance.events.signups import emails_about

    ids = list(signups.select_for_update().values_list("pk", flat=True))
    mailqueue.forget_addresses(emails_about(ids), reason="event sign-up deleted")
    EventSignUp.objects.filter(pk__in=ids).delete()
    return Erasure.objects.create(
        at=now,
        by=by,
        consultation=consultation,
        scope=Erasure.Scope.EVENT_SIGNUPS,
        response_count=0,
        references="",
        reason=f"{len(ids)} sign-up{'' if len(ids) == 1 else 's'} deleted. {reason}".strip(),
    )


def find_signups(query):
    """The event sign-ups made with the email address `query` (none for a reference)."""
    query = query.strip()
    if "@" not in query:
        return EventSignUp.objects.none()
    return EventSignUp.objects.filter(email__iexact=query).select_related("event__consultation").order_by("-created_at")


def erase_signups(query, *, by, reason=""):
    """On a person's request: delete every sign-up made with their address, in one transaction,
    writing an Erasure record per consultation. Returns how many were deleted."""
    now = timezone.now()
    deleted = 0
    with transaction.atomic():
        found = find_signups(query)
        for consultation_id in sorted(set(found.values_list("event__consultation_id", flat=True))):
            consultation = Consultation.objects.get(pk=consultation_id)
            theirs = found.filter(event__consultation_id=consultation_id)
            deleted += theirs.count()
            delete_signups(consultation, theirs, now, by=by, reason=reason or "On request.")
    return deleted


def erase_never_sent(consultation, now):
    """After the close: the personal data of responses that were saved to finish later and never
    sent. Returns the Erasure records written (none if there was nothing to remove)."""
    due = consultation.responses.filter(submitted_at__isnull=True, anonymised_at__isnull=True)
    return anonymise(consultation, due, now, "Saved to finish later and never sent before the close.")


def anonymise(consultation, due, now, reason):
    """Blank the personal data of the `due` responses and record it: [the Erasure], or [] if none was due."""
    references = list(due.select_for_update().order_by("reference").values_list("reference", flat=True))
    if not references:
        return []
    emails = QueuedEmail.objects.filter(response__reference__in=references)
    mailqueue.forget_addresses(emails, reason="personal data removed under retention")
    forget_what_else_identifies(Response.objects.filter(reference__in=references))
    # Every browser holding one of them lets go of it (guidance/public/visitors.py, bound_response).
    due.update(**PERSONAL_FIELDS, anonymised_at=now, link_version=F("link_version") + 1)
    public_pages_changed(consultations=[consultation])  # names published with comments
    erasure = Erasure.objects.create(
        at=now,
        by=None,
        consultation=consultation,
        scope=Erasure.Scope.PERSONAL_DATA,
        response_count=len(references),
        references="\n".join(references),
        reason=reason,
    )
    return [erasure]


def forget_what_else_identifies(responses):
    """Beside a response's own fields: its equality monitoring answers, the staff notes on its
    comments, the fingerprints of the forms it was sent with (a hash of the details and text, which
    whoever knows them could match), and the hash of the browser that started it."""
    forget_answers(responses)
    StaffNote.objects.filter(comment__response__in=responses).exclude(text=REMOVED_NOTE).update(text=REMOVED_NOTE)
    Submission.objects.filter(response__in=responses).exclude(fingerprint="").update(fingerprint="")
    responses.exclude(started_by="").update(started_by="")
    # The name a chat hour's participant typed, kept with each reply (guidance/events/chat.py).
    ChatMessage.objects.filter(response__in=responses).exclude(display_name="").update(display_name="")
    # Open chat pages show them again without the name (or the words), and no poll gives the old.
    live.messages_changed(ChatMessage.objects.filter(response__in=responses), at=timezone.now())


def erase_response(response, *, by, include_text=False, reason=""):
    """Remove one response's personal data and, if asked, the text of its comments (replaced with
    REMOVED_TEXT, so counts and moderation history still add up). Returns the Erasure record."""
    now = timezone.now()
    with transaction.atomic():
        response = Response.objects.select_for_update().get(pk=response.pk)
        for field, blank in PERSONAL_FIELDS.items():
            setattr(response, field, blank)
        response.anonymised_at = response.anonymised_at or now
        # Every browser holding the response lets go of it (guidance/public/visitors.py, bound_response).
        response.link_version += 1
        response.save(update_fields=[*PERSONAL_FIELDS, "anonymised_at", "link_version"])
        public_pages_changed(consultations=[response.consultation_id])
        # What was saved and never sent goes whatever was asked: it was never part of the response.
        SavedForm.objects.filter(response=response).delete()
        mailqueue.forget_addresses(response.emails.all(), reason="personal data erased on request")
        forget_what_else_identifies(Response.objects.filter(pk=response.pk))
        if include_text:
            # The words given for "Other" too; the options chosen are the question's own words.
            Comment.objects.filter(response=response).update(text=REMOVED_TEXT, other_text="")
            ChatMessage.objects.filter(response=response).update(text=REMOVED_TEXT)
            # The texts a respondent replaced, kept in their comments' history.
            ModerationEvent.objects.filter(comment__response=response).exclude(earlier_text="").update(
                earlier_text=REMOVED_TEXT
            )
            # The hashes of their words that near-copies were found by (guidance/moderation/campaigns.py).
            CampaignKey.objects.filter(comment__response=response).delete()
        return Erasure.objects.create(
            at=now,
            by=by,
            consultation_id=response.consultation_id,
            scope=Erasure.Scope.PERSONAL_DATA_AND_TEXT if include_text else Erasure.Scope.PERSONAL_DATA,
            response_count=1,
            references=response.reference,
            reason=reason,
        )


def find_responses(query):
    """The responses a person asking for erasure can be found by: a reference (written any way
    normalise_reference accepts) or the email address they gave."""
    query = query.strip()
    if "@" in query:
        found = Response.objects.filter(email__iexact=query)
    else:
        reference = normalise_reference(query)
        found = Response.objects.filter(reference=reference) if reference else Response.objects.none()
    return found.select_related("consultation").order_by("-submitted_at")

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
"""

import calendar

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guidance.consultations.changed import public_pages_changed
from guidance.equality.monitoring import forget_answers
from guidance.mail import mailqueue
from guidance.models import (
    CampaignKey,
    ChatMessage,
    Comment,
    Consultation,
    Erasure,
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
    return erasures


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

"""A consultation's life: draft, then published, then its outcome published. Only forward, each
step in one transaction, recorded with who took it and when (Consultation.published_at and _by,
outcome_published_at and _by).

A draft is seen by staff and by colleagues holding a preview link (guidance/consultations/previews.py), never by
the public: Consultation.objects.public() leaves drafts out of every public page. Once published,
its dates decide whether it is upcoming, open or closed. Publishing the outcome shows
"what you said and what we did" on its public pages (guidance/outcomes/published.py); until then a closed
consultation shows its figures and says the outcome is being written.

Publishing is for staff with the permission "Can publish consultations and their outcomes"
(Consultation managers). The staff page asks for confirmation when warnings() finds something a
manager would want to know first.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guidance.consultations import versions
from guidance.consultations.access import Access
from guidance.models import Comment, Consultation


class NotAllowed(Exception):
    """The consultation is not at the step this would take it from."""


def warnings(consultation, now=None):
    """What to confirm before publishing: a consultation without questions or sections, or with
    dates in the past. An empty list: nothing to confirm."""
    now = now or timezone.now()
    found = []
    if not consultation.document.sections.exists():
        found.append("Its draft has no sections, so there is nothing to read or comment on.")
    if not consultation.questions.exists():
        found.append("It has no questions, so people can only comment on the draft's sections.")
    if consultation.closes_at <= now:
        found.append("Its closing date is in the past, so it will be closed as soon as it is published.")
    elif consultation.opens_at < now:
        found.append("Its opening date is in the past, so it will be open for responses as soon as it is published.")
    return found


def publish(consultation, *, by):
    """Make a draft public. Raises NotAllowed if it is not a draft (published already)."""
    with transaction.atomic():
        current = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if current.publication != Consultation.Publication.DRAFT:
            raise NotAllowed("This consultation has been published already.")
        now = timezone.now()
        Consultation.objects.filter(pk=consultation.pk).update(
            publication=Consultation.Publication.PUBLISHED,
            published_at=now,
            published_by=by,
            content_version=F("content_version") + 1,  # public on every server process at once
            section_pages_version=F("section_pages_version") + 1,
            content_changed_at=now,
        )
    consultation.publication, consultation.published_at, consultation.published_by = (
        Consultation.Publication.PUBLISHED,
        now,
        by,
    )


def outcome_warnings(consultation):
    """What to confirm before publishing the outcome: nothing written; sections people commented on
    without a "we did"."""
    found = []
    if not consultation.outcome.strip() and not consultation.outcomes.exists():
        found.append("No outcome is written yet, so the page will only show how the responses were handled.")
    unanswered = [
        section.number
        for section in consultation.document.sections.filter(
            pk__in=Comment.objects.published().filter(consultation=consultation).values("section")
        ).exclude(pk__in=consultation.outcomes.filter(section__isnull=False).values("section"))
    ]
    if unanswered:
        found.append(f"No “we did” for sections with published comments: {', '.join(unanswered)}.")
    return found


def publish_outcome(consultation, *, by, now=None):
    """Show the outcome on the public pages. Only a published consultation that has closed."""
    now = now or timezone.now()
    with transaction.atomic():
        current = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if current.publication != Consultation.Publication.PUBLISHED:
            raise NotAllowed(
                "Publish the consultation first."
                if current.publication == Consultation.Publication.DRAFT
                else "Its outcome has been published already."
            )
        if not Access(current, now=now).outcome_may_be_published:
            raise NotAllowed("The consultation has not closed yet: publish its outcome after the close.")
        # Respondents are told of the outcome once, when it is published, with links to what
        # changed in the sections they commented on: a next version still being linked would be
        # missing from that one email.
        if versions.unconfirmed_version(current.document) is not None:
            raise NotAllowed(
                "The next version's section links are not confirmed yet. Confirm where each of its sections comes "
                "from (or delete it) first: the email telling respondents of the outcome links to what changed."
            )
        Consultation.objects.filter(pk=consultation.pk).update(
            publication=Consultation.Publication.OUTCOME_PUBLISHED,
            outcome_published_at=now,
            outcome_published_by=by,
            content_version=F("content_version") + 1,
            section_pages_version=F("section_pages_version") + 1,
            content_changed_at=now,
        )
    consultation.publication = Consultation.Publication.OUTCOME_PUBLISHED
    consultation.outcome_published_at, consultation.outcome_published_by = now, by

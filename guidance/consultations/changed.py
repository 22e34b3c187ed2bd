"""Telling every server process that what the public pages show of a consultation has changed.

Each process keeps the public pages' parts in its own memory (guidance/public/reading.py), under
the consultation's content_version. Whatever changes them adds one to it, in the same transaction:
the next view, on any process of any copy of the portal, reads afresh. The keeping time
(PUBLIC_CACHE_SECONDS) remains only as a safety net.

Called from each write that changes many rows at once (a decision on comments, a respondent's
change, an erasure, publishing); an edit of one object (a consultation, its document's sections, a
question, an outcome) moves it on when the object is saved (connect, below).
"""

from django.db.models import F, Q
from django.db.models.functions import Now

from guidance.models import Consultation


def public_pages_changed(*, consultations=(), documents=(), section_pages=True):
    """The public pages of these consultations (ids or objects), and of every consultation of these
    documents, show something new. section_pages=False when no section page shows it (answers to
    questions alone): those pages, kept under section_pages_version, are left as they are."""
    ids = [getattr(each, "pk", each) for each in consultations]
    document_ids = [getattr(each, "pk", each) for each in documents]
    if not ids and not document_ids:
        return
    moved = {"content_version": F("content_version") + 1, "content_changed_at": Now()}
    if section_pages:
        moved["section_pages_version"] = F("section_pages_version") + 1
    Consultation.objects.filter(Q(pk__in=ids) | Q(document_id__in=document_ids)).update(**moved)


def consultations_of_comments(comment_ids):
    """The consultations these comments are on, for public_pages_changed."""
    from guidance.models import Comment

    return list(Comment.objects.filter(pk__in=comment_ids).values_list("consultation_id", flat=True).distinct())


# What staff edit one object at a time, in the admin or its pages (a consultation's dates or text, its
# document's sections, a question, an outcome, a theme, a supporting document), moves the version on
# when it is saved or deleted, however it was saved: a missed edit would leave a page showing the
# old dates or text on some copies. Changes made many rows at a time (decisions, erasures,
# publishing) call public_pages_changed themselves, in their own transaction.


def consultation_changed(sender, instance, **kwargs):
    public_pages_changed(consultations=[instance.pk])


def document_changed(sender, instance, **kwargs):
    public_pages_changed(documents=[instance.pk])


def part_of_a_document_changed(sender, instance, **kwargs):
    public_pages_changed(documents=[getattr(instance, "document_id", None) or instance.later.document_id])


def part_of_a_consultation_changed(sender, instance, **kwargs):
    consultation_id = getattr(instance, "consultation_id", None) or instance.question.consultation_id
    public_pages_changed(consultations=[consultation_id])


def event_changed(sender, instance, **kwargs):
    part_of_a_consultation_changed(sender, instance)
    # A chat hour's polls are answered from a token carrying its times: drop it.
    from guidance.events import live

    live.event_saved(instance.pk)


def connect():
    """Called once the app is ready (guidance/apps.py)."""
    from django.db.models.signals import post_delete, post_save

    from guidance.models import (
        Consultation,
        Document,
        Event,
        Option,
        Outcome,
        Question,
        Section,
        SectionLink,
        SupportingDocument,
        Theme,
    )

    watched = {
        Consultation: consultation_changed,
        Document: document_changed,
        Section: part_of_a_document_changed,
        SectionLink: part_of_a_document_changed,
        Question: part_of_a_consultation_changed,
        Option: part_of_a_consultation_changed,
        Outcome: part_of_a_consultation_changed,
        Theme: part_of_a_consultation_changed,
        SupportingDocument: part_of_a_consultation_changed,
        # The consultation's page lists its events.
        Event: event_changed,
    }
    for model, receiver in watched.items():
        post_save.connect(receiver, sender=model, dispatch_uid=f"public-pages-{model.__name__}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"public-pages-deleted-{model.__name__}")

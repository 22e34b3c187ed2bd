"""Versions of a document. After a consultation closes, staff publish the next version of the
consulted document: a Document that `revises` it, each of whose sections is linked (SectionLink)
to the section or sections of the consulted version it comes from. The consulted version stays as
it was, at its own address, with the comments made on it.

The public "What changed" page (guidance/changes.py) shows the next version once staff have
confirmed its links and the consultation's outcome is published: both are the organisation's
account of what it did, and appear together.
"""

from guidance.models import Document
from guidance.outcomes import has_published_outcome


def next_version(consultation):
    """The version that follows the one consulted on, once staff have confirmed where each of its
    sections comes from; the latest if there are several. None until then."""
    return (
        Document.objects.filter(revises=consultation.document_id, links_confirmed_at__isnull=False)
        .order_by("-links_confirmed_at", "-pk")
        .first()
    )


def what_changed_is_public(consultation, now=None):
    """True when the public may read the consultation's "What changed" page: it has closed, its
    outcome is published, and a next version with confirmed links exists."""
    return has_published_outcome(consultation, now) and next_version(consultation) is not None

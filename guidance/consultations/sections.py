"""Reordering a document's sections: moving one up or down among its neighbours.

A section's place is its number (major, minor), so moving it swaps numbers: a section with its
sub-sections trades places with the section before or after it; a sub-section trades places
with the sub-section before or after it under the same section. The numbers stay unique at every
step (the database's section_number_unique): the moving group first goes to a number no section
uses, in one transaction.
"""

from django.db import transaction
from django.db.models import F

from guidance.consultations.changed import public_pages_changed
from guidance.models import Section

# Above any real section number, below PositiveSmallIntegerField's limit.
PARKED = 30000


class CannotMove(Exception):
    """The section is first or last already."""


@transaction.atomic
def move(section, direction):
    """Move the section "up" (earlier) or "down" (later). Raises CannotMove at either end."""
    siblings = Section.objects.select_for_update().filter(document_id=section.document_id)
    if section.minor:
        neighbours = siblings.filter(major=section.major, minor__gt=0)
        key = "minor"
    else:
        neighbours = siblings.filter(minor=0)
        key = "major"
    mine = getattr(section, key)
    if direction == "up":
        other = neighbours.filter(**{f"{key}__lt": mine}).order_by(f"-{key}").first()
    else:
        other = neighbours.filter(**{f"{key}__gt": mine}).order_by(key).first()
    if other is None:
        raise CannotMove(f"Section {section.number} is {'first' if direction == 'up' else 'last'} already.")
    theirs = getattr(other, key)
    if key == "minor":
        group = siblings.filter(major=section.major)
        group.filter(minor=mine).update(minor=PARKED)
        group.filter(minor=theirs).update(minor=mine)
        group.filter(minor=PARKED).update(minor=theirs)
    else:
        # Each section goes with its sub-sections.
        siblings.filter(major=mine).update(major=F("major") - mine + PARKED)
        siblings.filter(major=theirs).update(major=mine)
        siblings.filter(major=PARKED).update(major=theirs)
    public_pages_changed(documents=[section.document_id])
    section.refresh_from_db()
    return other

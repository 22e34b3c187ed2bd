"""A document's sections once they exist: what may still change once a consultation on them has
opened or closed, and the writes (saving one, removing one, moving one, renumbering them all).
Importing a draft over them is guidance/consultations/draft_import.py.

The record holds. A published consultation's sections are what people read and answered:
- once it has opened, none of them may be removed (people may have read it, quoted its number,
  commented on it);
- once it has closed, none may be changed, moved, renumbered or added either: the text consulted
  on is the record of the consultation, which "What changed" compares the next version with.
  Changes go into the next version (guidance/consultations/versions.py), which staff start on the
  consultation's Next version page.
A draft consultation holds nothing: its dates only say when it would be open. Every staff page and
the admin write sections through the functions here, which refuse (RecordHolds, nothing changed)
what the record forbids; the pages say the same before anything is tried.

A section's place is its number (major, minor), unique in its document (the database's
section_number_unique): moving or renumbering parks the sections moving at numbers no section uses,
then gives them their new ones, in one transaction.
"""

import dataclasses
import re

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guidance.consultations.changed import public_pages_changed
from guidance.models import Consultation, Section
from guidance.templatetags.portal import uk_datetime

# Above any real section number, below PositiveSmallIntegerField's limit.
PARKED = 30000
# The largest number a section may be given: the same as a number typed in a draft's heading.
MAX_NUMBER = 999
SECTIONS_CHANGED = (
    "Sections were added or removed since the numbers were typed, so they were not saved. "
    "Look at the sections as they are now and type the numbers again."
)
NUMBER = re.compile(r"\s*([0-9]{1,3})(?:\.([0-9]{1,3}))?\s*")


class CannotMove(Exception):
    """The section is first or last already."""


class RecordHolds(Exception):
    """The sections were consulted on, so this change is refused; the message says why and where
    to make it instead. Nothing was changed."""


class NumbersRefused(Exception):
    """The numbers given for a document's sections cannot all be used; `problems` lists each, as
    NumberProblem. Nothing was changed."""

    def __init__(self, problems):
        super().__init__(" ".join(problem.message for problem in problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class NumberProblem:
    message: str
    section_ids: tuple = ()  # the sections it is about, so a form can mark each one's field


# The record ------------------------------------------------------------------------------------


def _consulted_on(document, now):
    return Consultation.objects.public().filter(document=document, opens_at__lte=now).order_by("opens_at")


def removal_refusal(document, now=None):
    """Why no section of the document may be removed now (a published consultation on it has
    opened), or ""."""
    now = now or timezone.now()
    opened = _consulted_on(document, now).first()
    if opened is None:
        return ""
    return (
        f"“{opened}” opened at {uk_datetime(opened.opens_at)}, so its sections stay: people may have read them "
        "and commented on them. Change a section's text instead"
        + (", or leave it out of the next version." if opened.closes_at > now else " in the next version.")
    )


def change_refusal(document, now=None):
    """Why the document's sections may not be changed, moved, renumbered or added to now (a
    published consultation on it has closed), or ""."""
    now = now or timezone.now()
    closed = _consulted_on(document, now).filter(closes_at__lte=now).order_by("-closes_at").first()
    if closed is None:
        return ""
    return (
        f"“{closed}” closed at {uk_datetime(closed.closes_at)}, so its sections are the record of what people "
        "were consulted on and stay as they were. Make the change in the next version of the document, "
        "started on the consultation's Next version page."
    )


def _refuse(refusal):
    if refusal:
        raise RecordHolds(refusal)


# Writes --------------------------------------------------------------------------------------


@transaction.atomic
def save(section):
    """Save a section, new or changed. RecordHolds, nothing saved, once a consultation on its
    document has closed; a section moved to another document is removed from its own, so that
    needs its own document to allow a removal too."""
    if section.pk:
        stored = Section.objects.select_for_update().select_related("document").get(pk=section.pk)
        if stored.document_id != section.document_id:
            _refuse(removal_refusal(stored.document) or change_refusal(stored.document))
    _refuse(change_refusal(section.document))
    section.save()


@transaction.atomic
def remove(section):
    """Remove a section. RecordHolds, nothing removed, once a consultation on its document has opened."""
    _refuse(removal_refusal(section.document))
    section.delete()
    public_pages_changed(documents=[section.document_id])


@transaction.atomic
def move(section, direction):
    """Move the section "up" (earlier) or "down" (later), swapping numbers with its neighbour: a
    section with its sub-sections, a sub-section within its section. Raises CannotMove at either
    end, RecordHolds once a consultation on the document has closed."""
    siblings = Section.objects.select_for_update().filter(document_id=section.document_id)
    _refuse(change_refusal(section.document))
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


# Renumbering them all at once ----------------------------------------------------------------------


def read_number(text):
    """(major, minor) of a number as staff type it, "3" or "3.1", or None."""
    match = NUMBER.fullmatch(text or "")
    if not match:
        return None
    major, minor = int(match[1]), int(match[2] or 0)
    if major < 1 or (match[2] is not None and minor < 1):
        return None
    return major, minor


def written(number):
    major, minor = number
    return f"{major}.{minor}" if minor else str(major)


def _named(section):
    return f"“{section.title}” (now {section.number})"


def _listed(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def number_problems(sections, numbers):
    """What stops `numbers` ({section id: (major, minor)}) being the numbers of `sections`, the
    whole of a document's sections, as a list of NumberProblem naming the sections concerned; an
    empty list when they can all be used. Every section needs a number; no two the same; a
    sub-section (3.1) needs its section (3) among them."""
    problems = []
    by_id = {section.pk: section for section in sections}
    if set(numbers) != set(by_id):
        return [NumberProblem(SECTIONS_CHANGED)]
    if len(sections) > MAX_NUMBER:
        return [NumberProblem(f"A document may have at most {MAX_NUMBER} sections to renumber at once.")]
    holders = {}
    for section in sections:
        major, minor = numbers[section.pk]
        if not (1 <= major <= MAX_NUMBER and 0 <= minor <= MAX_NUMBER):
            problems.append(
                NumberProblem(
                    f"{_named(section)} needs a number from 1 to {MAX_NUMBER}, such as 3 or 3.1.", (section.pk,)
                )
            )
        holders.setdefault((major, minor), []).append(section)
    for number, found in sorted(holders.items()):
        if len(found) > 1:
            verb = "would both be" if len(found) == 2 else "would all be"
            problems.append(
                NumberProblem(
                    f"{_listed([_named(section) for section in found])} {verb} {written(number)}: "
                    "give each its own number.",
                    tuple(section.pk for section in found),
                )
            )
    majors = {major for major, minor in holders if not minor}
    for (major, minor), found in sorted(holders.items()):
        if minor and major not in majors:
            for section in found:
                problems.append(
                    NumberProblem(
                        f"{_named(section)} would be sub-section {major}.{minor}, but no section would be {major}: "
                        f"number one of the sections {major}, or this one another section's sub-section.",
                        (section.pk,),
                    )
                )
    return problems


@transaction.atomic
def renumber(document, numbers):
    """Give the document's sections the numbers {section id: (major, minor)}, all at once: the order
    of the sections is the order of their numbers, so this reorders them too. NumbersRefused
    (naming each section in conflict) or RecordHolds, and nothing changed, if they cannot all be
    used. Returns how many sections have a new number."""
    sections = list(Section.objects.select_for_update().filter(document=document).order_by("major", "minor"))
    _refuse(change_refusal(document))
    problems = number_problems(sections, numbers)
    if problems:
        raise NumbersRefused(problems)
    moving = [section for section in sections if (section.major, section.minor) != numbers[section.pk]]
    if not moving:
        return 0
    # Parked first, each at a number of its own, so no two sections share one at any step.
    for place, section in enumerate(moving):
        section.major, section.minor = PARKED + place, 0
    Section.objects.bulk_update(moving, ["major", "minor"])
    for section in moving:
        section.major, section.minor = numbers[section.pk]
    Section.objects.bulk_update(moving, ["major", "minor"])
    public_pages_changed(documents=[document.pk])
    return len(moving)

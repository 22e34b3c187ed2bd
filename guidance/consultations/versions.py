"""Versions of a document. After a consultation closes, staff publish the next version of the
consulted document: a Document that `revises` it, each of whose sections is linked (SectionLink)
to the section or sections of the consulted version it comes from. The consulted version stays as
it was, at its own address, with the comments made on it.

Staff start the next version by copying the consulted one (copy_version) or from a Word or
Markdown file (import_version, read as guidance/consultations/draft_import.py reads a draft), edit its sections
on the document's own pages, then confirm where each section comes from (confirm_links). The
links are proposed by propose_links and stored only once staff confirm them: a proposal is a
guess, and the public page reports what staff stand behind.

How sections are matched: by their words, not their position, so that moved and renumbered
sections are found. Each section's text becomes a multiset of its words (common words such as
"the" left out, as every text shares them) and of its pairs of neighbouring words. Comparing
multisets costs the size of their common part, so a document of 40 long sections compares in a
fraction of a second, where aligning every pair of texts word by word would take minutes.
- Text alike (the share of words two texts have in common) links a section unchanged, renamed,
  moved or lightly edited.
- A later section most of whose word pairs are found in one earlier section comes from it, even if
  it is much shorter: that finds each part of a section split in two. Likewise an earlier
  section most of whose word pairs are found in one later section went into it: a merge.
- A section whose text was rewritten is found by its title, or by its number and a title or text
  somewhat alike, among the earlier sections that did not carry on whole elsewhere.
- Anything else is new; an earlier section nothing comes from was removed.

The public "What changed" page (guidance/outcomes/changes.py) shows the next version once staff have
confirmed its links and the consultation's outcome is published: both are the organisation's
account of what it did, and appear together.
"""

import dataclasses
import itertools
import re
from collections import Counter
from difflib import SequenceMatcher

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from guidance.consultations import draft_import
from guidance.consultations.changed import public_pages_changed
from guidance.models import Document, SectionLink
from guidance.outcomes.published import has_published_outcome

# Shared by nearly every English text, so they say nothing about where a text comes from.
COMMON_WORDS_TEXT = """a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me might
    more most must my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours"""
COMMON_WORDS = frozenset(COMMON_WORDS_TEXT.split())
WORD = re.compile(r"\w+")
SAME_TEXT = 0.9
TEXT_ALIKE = 0.6  # at least this share of words in common: the same text, edited
MOSTLY_FROM = 0.5  # at least this share of a text's word pairs found in another: it comes from it
PAIRS_ENOUGH = 8  # fewer word pairs than this are too few to tell a split or merge from chance
TITLE_ALIKE = 0.8
MAX_OCCURRENCES = 1_000_000  # of one word in one text, counted
SOMEWHAT_ALIKE = 0.3  # text, with the same number: rewritten in place
TITLE_SOMEWHAT_ALIKE = 0.5  # titles of unrelated sections are often a third alike, letter by letter


class VersionRefused(Exception):
    """A new version or its links cannot be saved; the message says why."""


# Matching ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Words:
    """A text's words and pairs of neighbouring words, each as a multiset: a set of (item, n) for
    the n-th time the item occurs, so that the size of what two texts share is the size of a set
    intersection, computed in C however long the texts."""

    words: frozenset
    pairs: frozenset

    @classmethod
    def of(cls, text, numbers):
        words = [word for word in WORD.findall(text.lower()) if word not in COMMON_WORDS]
        return cls(_multiset(words, numbers), _multiset(itertools.pairwise(words), numbers))


def _multiset(items, numbers):
    """The multiset as a set of numbers, one per (item, n): `numbers` numbers the items, shared
    between the texts compared, and the n-th occurrence of item i is i * MAX_OCCURRENCES + n.
    Sets of integers intersect several times faster than sets of tuples."""
    numbered = set()
    for item, count in Counter(items).items():
        start = numbers.setdefault(item, len(numbers)) * MAX_OCCURRENCES
        numbered.update(range(start, start + min(count, MAX_OCCURRENCES)))
    return frozenset(numbered)


@dataclasses.dataclass(frozen=True)
class Likeness:
    """How alike one later section is to one earlier section: each a share from 0 to 1."""

    later_id: int
    earlier_id: int
    text: float  # words in common, of both texts' words
    later_from_earlier: float  # of the later text's word pairs, the share found in the earlier one
    earlier_in_later: float  # of the earlier text's word pairs, the share found in the later one
    title: float
    same_number: bool
    reason: str = ""  # why it is proposed: "text", "split", "merged", "title" or "number"; "" if not

    @property
    def worth_showing(self):
        """Alike enough that staff may want to tick it, though it is not proposed."""
        return self.same_number or self.text >= 0.2 or self.title >= TITLE_SOMEWHAT_ALIKE

    def in_words(self):
        """The likeness as staff read it beside a checkbox: "text 92% alike, same title"."""
        said = [f"text {percent(self.text)} alike"]
        # Texts of different lengths: how much of the shorter is in the longer says more.
        if self.text < SAME_TEXT and self.later_from_earlier >= max(MOSTLY_FROM, self.earlier_in_later):
            said.append(f"{percent(self.later_from_earlier)} of its text is from this section")
        elif self.text < SAME_TEXT and self.earlier_in_later >= MOSTLY_FROM:
            said.append(f"{percent(self.earlier_in_later)} of this section's text is in it")
        if self.title == 1:
            said.append("same title")
        elif self.title >= TITLE_ALIKE:
            said.append("title alike")
        if self.same_number:
            said.append("same number")
        return ", ".join(said)


def percent(share):
    # Rounded down: "100%" only for the very same words.
    return f"{int(share * 100)}%"


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Every later section against every earlier one. `pairs`: (later id, earlier id) → Likeness;
    `proposed`: later id → the Likeness of each earlier section it most likely comes from, most
    alike first (an empty list: new)."""

    pairs: dict
    proposed: dict

    def removed(self, earlier_ids):
        """The earlier sections no later section is proposed to come from."""
        linked = {likeness.earlier_id for found in self.proposed.values() for likeness in found}
        return [pk for pk in earlier_ids if pk not in linked]


def compare(earlier_document, later_document):
    """The Comparison of a later version's sections with those of the version it revises."""
    return compare_sections(list(earlier_document.sections.all()), list(later_document.sections.all()))


def propose_links(earlier_document, later_document):
    """{later section id: [Likeness of each earlier section it most likely comes from]}, most alike
    first; the ids are `likeness.earlier_id`, and `likeness.in_words()` says how alike."""
    return compare(earlier_document, later_document).proposed


def compare_sections(earlier_sections, later_sections):
    numbers = {}
    earlier_words = {section.pk: Words.of(section.body, numbers) for section in earlier_sections}
    later_words = {section.pk: Words.of(section.body, numbers) for section in later_sections}
    titles = {}
    pairs = {}
    for later in later_sections:
        lw = later_words[later.pk]
        for earlier in earlier_sections:
            ew = earlier_words[earlier.pk]
            in_common = len(lw.words & ew.words)
            pairs_in_common = len(lw.pairs & ew.pairs)
            title_key = (later.title.casefold(), earlier.title.casefold())
            if title_key not in titles:
                titles[title_key] = SequenceMatcher(None, *title_key, autojunk=False).ratio()
            pairs[later.pk, earlier.pk] = Likeness(
                later_id=later.pk,
                earlier_id=earlier.pk,
                text=_share(2 * in_common, len(lw.words) + len(ew.words)),
                later_from_earlier=_share(pairs_in_common, len(lw.pairs), PAIRS_ENOUGH),
                earlier_in_later=_share(pairs_in_common, len(ew.pairs), PAIRS_ENOUGH),
                title=titles[title_key],
                same_number=(later.major, later.minor) == (earlier.major, earlier.minor),
            )
    proposed = _propose(pairs, [section.pk for section in earlier_sections], [section.pk for section in later_sections])
    return Comparison(pairs=pairs, proposed=proposed)


def _share(part, whole, at_least=1):
    return part / whole if whole >= at_least else 0.0


def _propose(pairs, earlier_ids, later_ids):
    proposed = {}
    # First what the texts show: the same text, or a part of one text found in another.
    for later_id in later_ids:
        found = []
        for earlier_id in earlier_ids:
            likeness = pairs[later_id, earlier_id]
            reason = (
                "text"
                if likeness.text >= TEXT_ALIKE
                else "split"
                if likeness.later_from_earlier >= MOSTLY_FROM
                else "merged"
                if likeness.earlier_in_later >= MOSTLY_FROM
                else ""
            )
            if reason:
                found.append(_with_reason(likeness, reason))
        proposed[later_id] = found
    # Then, for a section whose text says nothing, its title or its number: rewritten in place.
    # Not from an earlier section whose text carries on whole in another section.
    carried_on = {likeness.earlier_id for found in proposed.values() for likeness in found if likeness.reason == "text"}
    taken = set()
    for later_id in later_ids:
        if proposed[later_id]:
            continue
        candidates = [
            pairs[later_id, earlier_id]
            for earlier_id in earlier_ids
            if earlier_id not in carried_on and earlier_id not in taken
        ]
        best = max(candidates, key=lambda likeness: (likeness.title, likeness.text), default=None)
        same_number = next((likeness for likeness in candidates if likeness.same_number), None)
        if best is not None and best.title >= TITLE_ALIKE:
            reason = "title"
        elif same_number and (same_number.title >= TITLE_SOMEWHAT_ALIKE or same_number.text >= SOMEWHAT_ALIKE):
            best, reason = same_number, "number"
        else:
            continue
        proposed[later_id] = [_with_reason(best, reason)]
        taken.add(best.earlier_id)
    return {
        later_id: sorted(found, key=lambda likeness: (-likeness.text, -likeness.title))
        for later_id, found in proposed.items()
    }


def _with_reason(likeness, reason):
    return dataclasses.replace(likeness, reason=reason)


# Making a new version ------------------------------------------------------------------------------


def copy_version(document, *, version_label):
    """A new version of `document` with a copy of each of its sections, to be edited. Its links
    are proposed like any other's (each section from the one it copies) and confirmed by staff."""
    sections = [
        {name: getattr(section, name) for name in ["major", "minor", "part", "title", "slug", "body"]}
        for section in document.sections.all()
    ]
    if not sections:
        raise VersionRefused("The version consulted on has no sections to copy. Import the new version instead.")
    return create_version(document, sections, version_label=version_label)


def import_version(document, file_name, data, *, version_label):
    """A new version of `document` whose sections come from a Word or Markdown file, read as a
    draft is (guidance/consultations/draft_import.py). DraftRefused says what is wrong with the file."""
    draft = draft_import.read_draft(file_name, data)
    return create_version(document, draft.sections, version_label=version_label, title=draft.title)


def create_version(document, sections, *, version_label, title=""):
    """A new Document revising `document`, with these sections (DraftSection or their
    as_dict()), in one transaction. Refused (VersionRefused) while another new version of it
    waits for its links to be confirmed: two unfinished next versions would be two accounts of
    the same change."""
    version_label = version_label.strip()
    if not version_label:
        raise VersionRefused("Give the new version a name, such as “Published guidance, 2018”.")
    with transaction.atomic():
        # Locked, so that two people starting a next version at once make one, not two.
        Document.objects.select_for_update().get(pk=document.pk)
        waiting = unconfirmed_version(document)
        if waiting is not None:
            raise VersionRefused(
                f"“{waiting.version_label or waiting}” is already a next version of this document, waiting for "
                "its links to be confirmed. Carry on with it, or delete it before starting another."
            )
        version = Document.objects.create(
            title=title or document.title,
            slug=_free_slug(f"{document.slug}-{slugify(version_label) or 'next'}"),
            version_label=version_label,
            revises=document,
        )
        try:
            draft_import.save_sections(version, sections)
        except draft_import.DraftRefused as refusal:
            raise VersionRefused(str(refusal)) from refusal
    return version


def unconfirmed_version(document):
    """The new version of `document` whose links are not confirmed yet, or None."""
    return Document.objects.filter(revises=document, links_confirmed_at__isnull=True).order_by("-pk").first()


def _free_slug(base):
    limit = Document._meta.get_field("slug").max_length
    base = base[: limit - 4].strip("-")
    slug, n = base, 2
    while Document.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# Confirming where each section comes from ----------------------------------------------------------


def confirm_links(later_document, links, *, by):
    """Replace the SectionLinks of `later_document`'s sections with `links`, {later section id:
    [earlier section ids]} (a section left out, or with no ids, is new), and record who confirmed
    them and when, in one transaction. VersionRefused, and nothing changed, if a later id is not a
    section of `later_document` or an earlier id not one of the version it revises."""
    if later_document.revises_id is None:
        raise VersionRefused("This document is not a new version of another, so its sections come from nowhere.")
    links = {int(later_id): {int(earlier_id) for earlier_id in earlier_ids} for later_id, earlier_ids in links.items()}
    with transaction.atomic():
        later_ids = set(later_document.sections.values_list("pk", flat=True))
        earlier_ids = set(later_document.revises.sections.values_list("pk", flat=True))
        if not later_ids:
            raise VersionRefused("The new version has no sections yet: add or import them first.")
        if not set(links) <= later_ids:
            raise VersionRefused("Some of the sections given are not sections of the new version. Nothing was saved.")
        if not set().union(*links.values()) <= earlier_ids:
            raise VersionRefused(
                "Some of the sections given are not sections of the version consulted on. Nothing was saved."
            )
        SectionLink.objects.filter(later__document=later_document).delete()
        SectionLink.objects.bulk_create(
            SectionLink(later_id=later_id, earlier_id=earlier_id)
            for later_id, earlier_ids in sorted(links.items())
            for earlier_id in sorted(earlier_ids)
        )
        now = timezone.now()
        Document.objects.filter(pk=later_document.pk).update(links_confirmed_at=now, links_confirmed_by=by)
        public_pages_changed(documents=[later_document.revises_id])  # what changed after them
    later_document.links_confirmed_at, later_document.links_confirmed_by = now, by


def confirmed_links(later_document):
    """{later section id: [earlier section ids]} as staff last confirmed them."""
    found = {}
    for later_id, earlier_id in SectionLink.objects.filter(later__document=later_document).values_list(
        "later_id", "earlier_id"
    ):
        found.setdefault(later_id, []).append(earlier_id)
    return found


# Who may see what ----------------------------------------------------------------------------------


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

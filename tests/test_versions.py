"""Versions of a document: matching a new version's sections to the consulted version's (kept,
renamed, rewritten, split, merged, new, removed, reordered), making a new version by copying or
from a Markdown file, and confirming its links."""

import random
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User

from guidance.consultations import versions
from guidance.consultations.draft_import import DraftRefused, read_draft, replace_refusal, save_sections
from guidance.models import Document, SectionLink
from tests.factories import ConsultationFactory, DocumentFactory, NextVersionFactory, SectionFactory

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[1] / "docs" / "sample-draft.md"

NEW_TEXT = (
    "Recordings of meetings are kept on the university's secure drive for two years. Partners agree "
    "beforehand which recordings are made, who may listen to them, and when they are deleted, and anyone "
    "can ask for a recording of their own words to be destroyed without giving a reason."
)
REWRITTEN_PAYMENT = (
    "Budgets should include fees at a fixed hourly rate, travel refunded within a fortnight, childcare, "
    "and help with benefits advice; invoices are settled promptly by finance officers."
)


def consulted():
    """The demo's draft, its fifteen sections saved as the version consulted on."""
    document = DocumentFactory(title="Draft guidance")
    save_sections(document, read_draft("draft.md", SAMPLE.read_bytes()).sections)
    return document


def new_version(earlier, sections):
    """A version revising `earlier` with these (title, text) sections, numbered 1, 2, 3…"""
    later = NextVersionFactory(revises=earlier)
    for number, (title, body) in enumerate(sections, start=1):
        SectionFactory(document=later, major=number, title=title, slug=f"s-{number}", body=body)
    return later


def proposed_titles(earlier, later):
    """{later section's title: [titles of the earlier sections it is proposed to come from]}."""
    titles = titles_of(earlier) | titles_of(later)
    return {
        titles[later_id]: [titles[likeness.earlier_id] for likeness in found]
        for later_id, found in versions.propose_links(earlier, later).items()
    }


def titles_of(document):
    return {section.pk: section.title for section in document.sections.all()}


def text_of(document, title):
    return document.sections.get(title=title).body


def test_an_unchanged_copy_links_each_section_to_its_own_with_the_text_100_percent_alike():
    earlier = consulted()
    later = versions.copy_version(earlier, version_label="Published guidance, 2018")
    proposals = versions.propose_links(earlier, later)
    pairs = {
        later.sections.get(pk=later_id).title: [
            earlier.sections.get(pk=likeness.earlier_id).title for likeness in found
        ]
        for later_id, found in proposals.items()
    }
    assert pairs == {title: [title] for title in titles_of(earlier).values()}
    reciprocity = later.sections.get(title="Reciprocity")
    assert proposals[reciprocity.pk][0].in_words() == "text 100% alike, same title, same number"


def test_a_renamed_section_is_found_by_its_text():
    earlier = consulted()
    later = new_version(
        earlier,
        [
            ("Sharing power", text_of(earlier, "Sharing of power")),
            ("Give something back", text_of(earlier, "Reciprocity") + " Say thank you."),
        ],
    )
    assert proposed_titles(earlier, later) == {
        "Sharing power": ["Sharing of power"],
        "Give something back": ["Reciprocity"],
    }


def test_a_rewritten_section_is_found_by_its_title_wherever_it_moved():
    earlier = consulted()
    later = new_version(
        earlier,
        [("Sharing of power", text_of(earlier, "Sharing of power")), ("Reciprocity", REWRITTEN_PAYMENT)],
    )
    assert proposed_titles(earlier, later) == {"Sharing of power": ["Sharing of power"], "Reciprocity": ["Reciprocity"]}
    reciprocity = later.sections.get(title="Reciprocity")
    assert versions.propose_links(earlier, later)[reciprocity.pk][0].reason == "title"


def test_a_rewritten_section_with_a_title_somewhat_alike_is_found_by_its_number():
    earlier = consulted()
    sections = [(section.title, section.body) for section in earlier.sections.all()]
    sections[11] = ("Being flexible", REWRITTEN_PAYMENT)
    later = new_version(earlier, sections)
    assert proposed_titles(earlier, later)["Being flexible"] == ["Flexibility"]
    flexible = later.sections.get(title="Being flexible")
    assert versions.propose_links(earlier, later)[flexible.pk][0].reason == "number"


def test_a_split_section_links_both_parts_to_it():
    earlier = consulted()
    intro = "Introduction: what is co-producing a research project?"
    words = text_of(earlier, intro).split()
    quarter = len(words) // 4  # a small part, too short to be "the same text"
    later = new_version(
        earlier,
        [
            ("What co-production means", " ".join(words[:quarter])),
            ("What this guidance is for", " ".join(words[quarter:])),
            ("Sharing of power", text_of(earlier, "Sharing of power")),
        ],
    )
    assert proposed_titles(earlier, later) == {
        "What co-production means": [intro],
        "What this guidance is for": [intro],
        "Sharing of power": ["Sharing of power"],
    }
    small = later.sections.get(title="What co-production means")
    (likeness,) = versions.propose_links(earlier, later)[small.pk]
    assert likeness.in_words() == "text 40% alike, 100% of its text is from this section, same number"


def test_merged_sections_link_the_one_they_make_to_each_of_them():
    earlier = consulted()
    merged_titles = ["Continuing dialogue", "Joint ownership of key decisions", "Flexibility"]
    merged = "\n\n".join(text_of(earlier, title) for title in merged_titles)
    later = new_version(earlier, [("Deciding together", merged), ("Reciprocity", text_of(earlier, "Reciprocity"))])
    proposals = proposed_titles(earlier, later)
    assert sorted(proposals["Deciding together"]) == sorted(merged_titles)
    assert proposals["Reciprocity"] == ["Reciprocity"]
    merged_section = later.sections.get(title="Deciding together")
    said = [likeness.in_words() for likeness in versions.propose_links(earlier, later)[merged_section.pk]]
    assert all(words.endswith(", 100% of this section's text is in it") for words in said), said


def test_a_new_section_comes_from_nothing_and_a_removed_one_is_left_over():
    earlier = consulted()
    kept = [(section.title, section.body) for section in earlier.sections.all() if section.title != "Flexibility"]
    later = new_version(earlier, [*kept, ("Keeping recordings safely", NEW_TEXT)])
    comparison = versions.compare(earlier, later)
    new = later.sections.get(title="Keeping recordings safely")
    assert comparison.proposed[new.pk] == []
    assert comparison.removed([section.pk for section in earlier.sections.all()]) == [
        earlier.sections.get(title="Flexibility").pk
    ]


def test_reordered_and_renumbered_sections_are_found_by_their_text_not_their_number():
    earlier = consulted()
    shuffled = [(section.title, section.body) for section in earlier.sections.all()]
    random.Random(4).shuffle(shuffled)
    later = new_version(earlier, shuffled)
    assert proposed_titles(earlier, later) == {title: [title] for title, _ in shuffled}


def test_a_new_section_at_the_number_of_an_old_one_is_not_taken_for_it():
    earlier = consulted()
    sections = [(section.title, section.body) for section in earlier.sections.all()]
    # Number 3, as "Including all perspectives and skills" was, with a title somewhat alike; but
    # that section's text carries on whole as section 4.
    sections.insert(2, ("Including recordings safely", NEW_TEXT))
    later = new_version(earlier, sections)
    proposals = proposed_titles(earlier, later)
    assert proposals["Including recordings safely"] == []
    assert proposals["Including all perspectives and skills"] == ["Including all perspectives and skills"]


def test_forty_long_sections_are_compared_in_well_under_a_few_seconds():
    vocabulary = SAMPLE.read_text().split()

    def sections(first_pk):
        return [
            SimpleNamespace(
                pk=first_pk + n,
                major=n + 1,
                minor=0,
                title=f"Section {n}",
                body=" ".join(random.Random(n).choices(vocabulary, k=5000)),
            )
            for n in range(40)
        ]

    started = time.process_time()
    comparison = versions.compare_sections(sections(0), sections(1000))
    assert time.process_time() - started < 10
    assert len(comparison.pairs) == 1600
    assert [likeness.earlier_id for likeness in comparison.proposed[1000]][:1] == [0]


# Making a new version --------------------------------------------------------------------------------


def test_copying_makes_a_new_document_revising_the_consulted_one_with_the_same_sections_and_no_links():
    earlier = consulted()
    later = versions.copy_version(earlier, version_label="Published guidance, 2018")
    assert later.revises == earlier
    assert later.version_label == "Published guidance, 2018"
    assert later.title == earlier.title and later.slug != earlier.slug
    assert [(s.number, s.part, s.title, s.body) for s in later.sections.all()] == [
        (s.number, s.part, s.title, s.body) for s in earlier.sections.all()
    ]
    assert earlier.sections.count() == 15  # the consulted version is untouched
    assert not SectionLink.objects.exists()
    assert later.links_confirmed_at is None
    assert versions.next_version(ConsultationFactory(document=earlier)) is None


def test_importing_from_markdown_makes_a_new_version_titled_from_the_file():
    earlier = consulted()
    later = versions.import_version(
        earlier,
        "guidance.md",
        b"# Guidance on co-producing a research project\n\n## Principles\n\nShare power.\n\n## Payment\n\nPay people.",
        version_label="Published guidance, 2018",
    )
    assert later.revises == earlier
    assert later.title == "Guidance on co-producing a research project"
    assert list(later.sections.values_list("title", flat=True)) == ["Principles", "Payment"]


def test_a_bad_file_makes_no_new_version():
    earlier = consulted()
    with pytest.raises(DraftRefused, match="no headings"):
        versions.import_version(earlier, "x.md", b"Just words.", version_label="Next")
    assert not Document.objects.filter(revises=earlier).exists()


def test_a_second_next_version_waits_until_the_first_has_its_links_confirmed():
    earlier = consulted()
    first = versions.copy_version(earlier, version_label="Published guidance")
    with pytest.raises(versions.VersionRefused, match="waiting for its links to be confirmed"):
        versions.copy_version(earlier, version_label="Another")
    with pytest.raises(versions.VersionRefused, match="waiting for its links"):
        versions.import_version(earlier, "x.md", b"# A\n\nB", version_label="Another")
    assert Document.objects.filter(revises=earlier).count() == 1
    versions.confirm_links(first, {}, by=None)
    second = versions.copy_version(earlier, version_label="Published guidance")
    assert second.slug != first.slug


def test_a_document_without_sections_is_not_copied():
    with pytest.raises(versions.VersionRefused, match="no sections to copy"):
        versions.copy_version(DocumentFactory(), version_label="Next")
    assert not Document.objects.filter(revises__isnull=False).exists()


def test_a_new_version_needs_a_name():
    with pytest.raises(versions.VersionRefused, match="Give the new version a name"):
        versions.copy_version(consulted(), version_label="  ")


def test_a_revision_nobody_has_commented_on_can_have_its_sections_replaced_until_its_links_are_confirmed():
    earlier = consulted()
    later = versions.copy_version(earlier, version_label="Next")
    assert replace_refusal(later) == ""
    save_sections(later, read_draft("n.md", b"# One\n\nText.").sections)
    versions.confirm_links(later, {}, by=None)
    later.refresh_from_db()
    assert "has been confirmed" in replace_refusal(later)


# Confirming the links ---------------------------------------------------------------------------------


def test_confirming_replaces_the_links_and_records_who_and_when():
    earlier = consulted()
    later = versions.copy_version(earlier, version_label="Next")
    boss = User.objects.create_user("boss")
    first, second = later.sections.all()[:2]
    versions.confirm_links(later, {first.pk: [earlier.sections.get(major=1).pk]}, by=boss)
    versions.confirm_links(
        later,
        {first.pk: [earlier.sections.get(major=1).pk, earlier.sections.get(major=2).pk], second.pk: []},
        by=boss,
    )
    later.refresh_from_db()
    assert later.links_confirmed_by == boss and later.links_confirmed_at is not None
    assert sorted(SectionLink.objects.values_list("later__title", "earlier__major")) == [
        (first.title, 1),
        (first.title, 2),
    ]
    assert versions.confirmed_links(later) == {
        first.pk: [earlier.sections.get(major=1).pk, earlier.sections.get(major=2).pk]
    }
    assert versions.next_version(ConsultationFactory(document=earlier)) == later


@pytest.mark.parametrize(
    "case",
    ["earlier section of another document", "later section of another document", "not a revision", "no sections"],
)
def test_links_that_do_not_fit_are_refused_and_nothing_changes(case):
    earlier = consulted()
    later = versions.copy_version(earlier, version_label="Next")
    section = later.sections.first()
    versions.confirm_links(later, {section.pk: [earlier.sections.first().pk]}, by=None)
    stranger = SectionFactory()
    target, links, message = {
        "earlier section of another document": (
            later,
            {section.pk: [stranger.pk]},
            "not sections of the version consulted on",
        ),
        "later section of another document": (
            later,
            {stranger.pk: [earlier.sections.first().pk]},
            "not sections of the new version",
        ),
        "not a revision": (earlier, {}, "not a new version of another"),
        "no sections": (NextVersionFactory(revises=earlier), {}, "no sections yet"),
    }[case]
    confirmed_at = Document.objects.get(pk=later.pk).links_confirmed_at
    with pytest.raises(versions.VersionRefused, match=message):
        versions.confirm_links(target, links, by=None)
    assert list(SectionLink.objects.values_list("later", "earlier")) == [(section.pk, earlier.sections.first().pk)]
    assert Document.objects.get(pk=later.pk).links_confirmed_at == confirmed_at
    assert not Document.objects.filter(links_confirmed_at__isnull=False).exclude(pk=later.pk).exists()

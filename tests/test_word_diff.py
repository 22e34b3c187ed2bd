"""The word-by-word diff of a section's text (guidance/outcomes/diff.py, word_diff): of the words people
read, never the Markdown they were typed in. Headings, paragraphs, lists, tables, bold and links keep
their formatting; what was added and removed is marked for the eye without colour and announced to
screen readers; every word is shown as text; the output is valid HTML; long sections stay fast."""

import random
import re
import time

import pytest
from django.urls import reverse

from guidance.outcomes.diff import text_is_unchanged, word_diff
from tests.html_validity import html_errors
from tests.test_html_validity import checker  # noqa: F401  (the fixture: Java and vnu.jar, or skip)
from tests.what_changed_helpers import consulted_and_revised, published

ADDED_START = '<ins class="portal-diff__ins"><span class="govuk-visually-hidden">Added: </span>'
ADDED_END = '<span class="govuk-visually-hidden"> end of addition</span></ins>'
REMOVED_START = '<del class="portal-diff__del"><span class="govuk-visually-hidden">Removed: </span>'
REMOVED_END = '<span class="govuk-visually-hidden"> end of removal</span></del>'


def added(words):
    return f"{ADDED_START}{words}{ADDED_END}"


def removed(words):
    return f"{REMOVED_START}{words}{REMOVED_END}"


def test_an_inserted_word_is_marked_as_added_and_announced():
    assert word_diff("Pay people for their time.", "Pay people fairly for their time.") == (
        f"<p>Pay people {added('fairly')} for their time.</p>"
    )


def test_a_deleted_word_is_marked_as_removed_and_announced():
    assert word_diff("Pay people fairly for their time.", "Pay people for their time.") == (
        f"<p>Pay people {removed('fairly')} for their time.</p>"
    )


def test_replaced_words_show_the_removal_then_the_addition():
    assert word_diff("Involve patients early.", "Involve carers and patients from the start.") == (
        f"<p>Involve {added('carers and')} patients {removed('early.')} {added('from the start.')}</p>"
    )


def test_a_run_of_several_words_is_one_mark():
    diff = word_diff("one two three", "one four five six three")
    assert diff == f"<p>one {removed('two')} {added('four five six')} three</p>"
    assert diff.count("<ins") == 1


MARKDOWN_OLD = """**Listen first.** Then act.

- Ask people what matters
- Pay them

Read [our guidance](https://example.org/guidance)."""

MARKDOWN_NEW = """**Listen first.** Then act together.

- Ask people what matters to them
- Pay them
- Thank them

Read [our new guidance](https://example.org/guidance)."""


def test_the_diff_shows_the_words_people_read_never_markdown_symbols():
    diff = word_diff(MARKDOWN_OLD, MARKDOWN_NEW)
    words = re.sub(r"<[^>]+>", "", diff)
    for symbol in ["**", "- ", "](", "[our"]:
        assert symbol not in words
    assert "<strong>Listen first.</strong>" in diff
    assert f"<li>Ask people what matters {added('to them')}</li><li>Pay them</li><li>{added('Thank them')}</li>" in diff
    assert diff.startswith("<p>") and "<ul>" in diff
    assert (
        f'Read <a href="https://example.org/guidance" rel="noopener noreferrer">our {added("new")} guidance</a>.'
        in diff
    )


def test_a_word_made_bold_or_a_link_given_a_new_address_counts_as_changed():
    assert word_diff("Listen first.", "**Listen first.**") == (
        f"<p>{removed('Listen first.')} <strong>{added('Listen first.')}</strong></p>"
    )
    moved = word_diff("See [the page](https://example.org/a).", "See [the page](https://example.org/b).")
    assert f'<a href="https://example.org/a" rel="noopener noreferrer">{removed("the page")}</a>' in moved
    assert f'<a href="https://example.org/b" rel="noopener noreferrer">{added("the page")}</a>' in moved


def test_a_mark_over_words_in_and_out_of_bold_is_one_mark_around_them():
    diff = word_diff("Keep this.", "Keep this. **Listen first.** Then act.")
    assert diff == f"<p>Keep this. {added('<strong>Listen first.</strong> Then act.')}</p>"


def test_headings_paragraphs_quotes_and_tables_keep_their_elements():
    table = "| Who | What |\n|---|---|\n| Partners | Paid"
    old = f"## Payment\n\nPay people.\n\n> As one partner said.\n\n{table} |"
    new = f"## Fair Payment\n\nPay people.\n\n> As two partners said.\n\n{table} fairly |"
    diff = word_diff(old, new)
    assert diff.startswith(f"<h2>{added('Fair')} Payment</h2><p>Pay people.</p>")
    assert f"<blockquote><p>As {removed('one partner')} {added('two partners')} said.</p></blockquote>" in diff
    assert f"<td>Partners</td><td>Paid {added('fairly')}</td>" in diff


def test_a_changed_cell_stays_in_its_place_in_the_row():
    diff = word_diff("| A | B |\n|---|---|\n| 1 | 2 |", "| A | B |\n|---|---|\n| 1 | 3 |")
    assert f"<tr><td>1</td><td>{removed('2')} {added('3')}</td></tr>" in diff


def test_a_removed_paragraph_or_list_item_is_shown_struck_through_in_its_place():
    diff = word_diff("One.\n\nTwo.\n\n- a\n- b", "One.\n\n- a")
    assert diff == f"<p>One.</p><p>{removed('Two.')}</p><ul><li>a</li><li>{removed('b')}</li></ul>"


def test_text_that_looks_like_html_is_shown_as_text():
    diff = word_diff("a < b & c", 'a < b & c <script>alert("x")</script> <b>bold</b> <img src=x onerror=alert(1)>')
    assert "<script" not in diff and "onerror" not in diff and "<img" not in diff
    assert diff.startswith("<p>a &lt; b &amp; c ")
    assert f"<b>{added('bold')}</b>" in diff


def test_no_change_gives_no_diff():
    assert word_diff("Same words.\n\nSame paragraphs.", "Same words.\n\nSame paragraphs.") == ""
    assert text_is_unchanged("Same **words**.", "Same **words**.")
    assert not text_is_unchanged("Same words.", "Same **words**.")


def test_text_only_reflowed_or_marked_up_another_way_counts_as_unchanged():
    assert word_diff("Same  words\r\nhere.", "Same words here.") == ""
    assert word_diff("Some __bold__.\n\n* a\n* list", "Some **bold**.\n\n- a\n- list") == ""


def test_paragraph_breaks_are_kept_in_the_diff():
    diff = word_diff("First paragraph.\n\nSecond paragraph.", "First paragraph changed.\n\nSecond paragraph.")
    assert diff == f"<p>First {removed('paragraph.')} {added('paragraph changed.')}</p><p>Second paragraph.</p>"


def test_text_added_to_or_removed_from_nothing_is_all_marked():
    assert word_diff("", "All new.") == f"<p>{added('All new.')}</p>"
    assert word_diff("All gone.", "") == f"<p>{removed('All gone.')}</p>"


def test_words_removed_from_the_end_stand_apart_from_the_last_word_kept():
    assert word_diff("Share power and credit.", "Share power") == f"<p>Share power {removed('and credit.')}</p>"


def test_words_removed_from_the_start_of_a_paragraph_stay_at_its_start():
    assert word_diff("One\n\ntwo three", "One\n\nthree") == f"<p>One</p><p>{removed('two')} three</p>"


def test_two_long_sections_are_compared_quickly():
    random.seed(16)
    vocabulary = [f"word{n}" for n in range(600)] + ["the", "and", "of", "to"] * 40
    old = [random.choice(vocabulary) for _ in range(5000)]
    new = list(old)
    for _ in range(300):
        position = random.randrange(len(new))
        new[position : position + 1] = random.choice([[], [random.choice(vocabulary)] * 2, ["changed"]])

    def text(words):
        return "\n\n".join(" ".join(words[n : n + 60]) for n in range(0, len(words), 60))

    # The processor time of this process alone: a busy machine (other tests beside) leaves it as it is.
    # A comparison that went quadratic in the words would take minutes, not a fraction of a second.
    started = time.process_time()
    diff = word_diff(text(old), text(new))
    assert time.process_time() - started < 2
    assert diff.count("<ins") > 50
    assert diff.count("<del") > 50
    # The diff reads as the new text once the removals are taken out.
    kept = re.sub(re.escape(REMOVED_START) + ".*?" + re.escape(REMOVED_END), "", diff)
    kept = re.sub(r"<[^>]+>", " ", kept.replace(ADDED_START, "").replace(ADDED_END, ""))
    assert kept.split() == text(new).split()


@pytest.mark.html
def test_the_diffs_are_valid_html(checker):  # noqa: F811
    cases = {
        "lists and links": (MARKDOWN_OLD, MARKDOWN_NEW),
        "bold made plain": ("**Listen first.** Then act.", "Listen first. Then act."),
        "tables": ("| A | B |\n|---|---|\n| 1 | 2 |", "| A | B |\n|---|---|\n| 1 | 3 |\n| 4 | 5 |"),
        "nested lists": ("- one\n    - sub a\n- two", "- one\n    - sub b\n- two\n\n1. first"),
        "headings and quotes": ("## A\n\n> quote", "### A\n\n> quote changed\n\n---\n\nEnd"),
    }
    pages = {
        name: "<!DOCTYPE html><html lang=en><title>t</title><div>" + word_diff(old, new) + "</div>"
        for name, (old, new) in cases.items()
    }
    assert html_errors(pages) == {}


@pytest.mark.html
@pytest.mark.django_db
def test_the_what_changed_page_shows_formatted_changes_without_markdown_and_is_valid_html(
    checker,  # noqa: F811
    client,
):
    consultation, objects = consulted_and_revised()
    objects["old"]["reciprocity"].body = MARKDOWN_OLD
    objects["old"]["reciprocity"].save()
    objects["new"]["reciprocity"].body = MARKDOWN_NEW
    objects["new"]["reciprocity"].save()
    page = client.get(reverse("guidance:what_changed", args=[published(consultation).slug])).content.decode()
    diff = re.search(r'<div class="govuk-body portal-diff">(.*?)</div>', page, re.S)[1]
    words = re.sub(r"<[^>]+>", "", diff)
    assert "**" not in words and "- " not in words and "](" not in words
    assert "<strong>Listen first.</strong>" in diff and "<li>" in diff
    assert '<a href="https://example.org/guidance" rel="noopener noreferrer">' in diff
    assert html_errors({"what changed": page}) == {}

"""The word-by-word diff of a section's text (guidance/outcomes/changes.py, word_diff): what was added and
removed is marked for the eye without colour and announced to screen readers, every word is shown
as text, and long sections stay fast."""

import random
import time

from guidance.outcomes.changes import text_is_unchanged, word_diff

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
        f"Pay people {added('fairly')} for their time."
    )


def test_a_deleted_word_is_marked_as_removed_and_announced():
    assert word_diff("Pay people fairly for their time.", "Pay people for their time.") == (
        f"Pay people {removed('fairly')} for their time."
    )


def test_replaced_words_show_the_removal_then_the_addition():
    assert word_diff("Involve patients early.", "Involve carers and patients from the start.") == (
        f"Involve {added('carers and')} patients {removed('early.')} {added('from the start.')}"
    )


def test_a_run_of_several_words_is_one_mark():
    diff = word_diff("one two three", "one four five six three")
    assert diff == f"one {removed('two')} {added('four five six')} three"
    assert diff.count("<ins") == 1


def test_text_that_looks_like_html_is_shown_as_text():
    diff = word_diff("a < b & c", 'a < b & c <script>alert("x")</script> <b>bold</b>')
    assert "<script" not in diff
    assert "<b>" not in diff
    assert diff == "a &lt; b &amp; c " + added(
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;"
    )


def test_removed_html_like_text_is_escaped_too():
    assert word_diff("Keep <img src=x onerror=alert(1)> this", "Keep this") == (
        f"Keep {removed('&lt;img src=x onerror=alert(1)&gt;')} this"
    )


def test_no_change_gives_no_diff():
    assert word_diff("Same words.\n\nSame paragraphs.", "Same words.\n\nSame paragraphs.") == ""
    assert text_is_unchanged("Same words.", "Same words.")


def test_text_only_reflowed_counts_as_unchanged():
    assert word_diff("Same  words\r\nhere.", "Same words here.") == ""
    assert text_is_unchanged("Same  words\r\nhere.", "Same words here.")


def test_paragraph_breaks_are_kept_in_the_diff():
    diff = word_diff("First paragraph.\n\nSecond paragraph.", "First paragraph changed.\n\nSecond paragraph.")
    assert diff == f"First {removed('paragraph.')} {added('paragraph changed.')}\n\nSecond paragraph."


def test_the_space_or_break_after_a_mark_stays_outside_it():
    diff = word_diff("a\n\nb", "a new\n\nb")
    assert diff == f"a {added('new')}\n\nb"


def test_text_added_to_or_removed_from_nothing_is_all_marked():
    assert word_diff("", "All new.") == added("All new.")
    assert word_diff("All gone.", "") == removed("All gone.")


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

    started = time.perf_counter()
    diff = word_diff(text(old), text(new))
    assert time.perf_counter() - started < 2
    assert diff.count("<ins") > 50
    assert diff.count("<del") > 50
    # The diff reads as the new text once the removals are taken out.
    kept = diff
    while REMOVED_START in kept:
        start = kept.index(REMOVED_START)
        end = kept.index(REMOVED_END, start) + len(REMOVED_END)
        kept = kept[:start] + kept[end:]
    kept = kept.replace(ADDED_START, "").replace(ADDED_END, "")
    assert kept.split() == text(new).split()


def test_words_removed_from_the_end_stand_apart_from_the_last_word_kept():
    assert word_diff("Share power and credit.", "Share power") == f"Share power {removed('and credit.')}"


def test_words_removed_from_the_end_of_a_paragraph_stay_in_that_paragraph():
    assert word_diff("One two\n\nthree", "One\n\nthree") == f"One {removed('two')}\n\nthree"
    assert word_diff("One two\n\nthree four", "One two\n\nthree") == f"One two\n\nthree {removed('four')}"


def test_words_removed_from_the_start_of_a_paragraph_stay_at_its_start():
    assert word_diff("One\n\ntwo three", "One\n\nthree") == f"One\n\n{removed('two')} three"

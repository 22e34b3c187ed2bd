"""Redaction: a moderator hides a few words of a comment (a phone number, an address, a name)
instead of rejecting the whole of it, so what the person said can still be published and counted.

A moderator edits a copy of the comment in a text box and replaces each word or phrase to hide
with the marker "[redacted]". `redacted_text` checks, on the server, that the copy is the
comment exactly as written but for those replacements: nothing added, reworded or silently left
out (leaving out "not" would change what someone said), and returns the text to store. The write
itself, with its event in the comment's history holding the original, is
guidance/moderation/decisions.py `redact`.
"""

import re

MARKER = "[redacted]"
# The marker as a moderator may type it ("[Redacted]", "[ REDACTED ]"): stored as MARKER.
_MARKER_TYPED = re.compile(r"\[\s*redacted\s*\]", re.IGNORECASE)
_QUOTED_LENGTH = 40


class RedactionError(ValueError):
    """A copy that is not the comment with only words replaced by the marker; nothing was changed."""


def _plain(text):
    """The text with every line break as one LF, without spaces at either end: a browser sends a
    text box's line breaks as CRLF whatever was stored."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def redacted_text(original, copy):
    """The text to store for `original` from the moderator's `copy`, in which each part to hide is
    replaced by "[redacted]". Raises RedactionError if the copy changes anything else, hides
    nothing, or hides everything (that is a rejection)."""
    original, copy = _plain(original), _plain(copy)
    kept = _MARKER_TYPED.split(copy)
    if len(kept) == 1:
        if copy == original:
            raise RedactionError(f"Nothing was redacted: replace the words to hide with “{MARKER}”.")
        raise RedactionError(
            f"The copy has no “{MARKER}” in it. Replace the words to hide with “{MARKER}” and change nothing else."
        )
    if not "".join(kept).strip():
        raise RedactionError("Nothing of the comment would be left. To publish none of it, reject it instead.")
    different = _first_difference(original, kept)
    if different is not None:
        raise RedactionError(
            f"The copy changes more than the redacted words, near “{different}”. Only replace words with "
            f"“{MARKER}”: everything else must stay exactly as the respondent wrote it."
        )
    text = MARKER.join(kept)
    if text == original:
        raise RedactionError(f"Nothing was redacted: replace the words to hide with “{MARKER}”.")
    return text


def _first_difference(original, kept):
    """None if `original` is the parts of `kept` in order, each pair separated by something (the
    words a marker replaces); otherwise the words of the copy around the first place it differs.
    Each part is placed as early as it can be, which leaves the most room for the rest, so a copy
    that fits is never refused."""
    first, *middle, last = kept
    if not original.startswith(first):
        return _around(first, _common_prefix(original, first))
    position = len(first)
    for part in middle:
        # At least one character after the last part: a marker replaces something.
        found = original.find(part, position + 1)
        if found < 0:
            return _around(part, _longest_found_prefix(original, part, position + 1))
        position = found + len(part)
    if not original.endswith(last):
        return _around(last, len(last) - _common_prefix(original[::-1], last[::-1]))
    if len(original) - len(last) < position + 1:
        return MARKER  # a marker with nothing left to replace
    return None


def _common_prefix(a, b):
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def _longest_found_prefix(text, part, start):
    """The length of the longest beginning of `part` found in `text` from `start` on."""
    low, high = 0, len(part)  # part[:low] is found; part[:high + 1] is not
    while low < high:
        middle = (low + high + 1) // 2
        if text.find(part[:middle], start) >= 0:
            low = middle
        else:
            high = middle - 1
    return low


def _around(part, index):
    """The words of `part` around `index`, a few before it and more after, on one line."""
    start, end = max(0, index - _QUOTED_LENGTH // 2), index + _QUOTED_LENGTH
    words = part[start:end].split()
    # Whole words only: a word cut at either end is left out (unless it is the only one).
    if start > 0 and len(words) > 1 and not part[start - 1].isspace():
        words = words[1:]
    if end < len(part) and len(words) > 1 and not part[end].isspace():
        words = words[:-1]
    return ("…" if start > 0 else "") + (" ".join(words) or MARKER) + ("…" if end < len(part) else "")

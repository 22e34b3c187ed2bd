"""The rules for text people send us, the same at every door: the public's forms, a response typed
in by staff in the admin, and imported files (the admin's upload and the import_responses command).

Two kinds of text:

- Names (a respondent's name, an organisation, an email address, an imported author) are one
  line, shown in lists, in exports and, a name with "Publish with my name", on public pages. They
  may hold no control character (line breaks and tabs included) and no bidirectional override or
  isolate, which could make a name display as something else ("Trojan Source" reordering).
- Long text (a comment, an answer, a report's details) may hold line breaks and tabs but no other
  control character. Bidirectional overrides are allowed in it: people writing in Arabic or Hebrew
  may need them, and each comment is shown in its own block, so an override cannot reach beyond
  it.

Text made only of spaces and invisible characters (zero-width spaces and joiners, byte-order
marks, other format characters) counts as empty.

check_name and check_long_text raise django.core.exceptions.ValidationError, so forms, model
fields (the admin) and the importer all use the same functions and say the same thing.

A number in an address or a form's raw data is read by whole_number alone: only the digits 0 to 9.

A limit on a text's length is counted by length(), as the person counts it; the public's forms
state each limit and check it when the form is sent (guidance/public/form_fields.py), and never let the
browser cut a longer text short.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError

# C0 controls other than tab, line feed and carriage return; DEL; the C1 controls. NUL in
# particular breaks PostgreSQL text columns and many tools that read an export; ESC and BEL can
# drive a terminal that shows a log line or an exported file.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAKS_AND_TABS = re.compile(r"[\t\n\r\x85\u2028\u2029]")
# Bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI).
# The marks (LRM, RLM, ALM) only nudge neutral characters and stay allowed.
DIRECTION_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Invisible characters that are not format characters (Unicode category Cf, such as zero-width
# spaces and joiners, the byte-order mark and soft hyphen, all invisible too): the combining
# grapheme joiner, Hangul fillers, Mongolian and other variation selectors, the blank braille
# pattern.
OTHER_INVISIBLE = set("\u034f\u115f\u1160\u3164\uffa0\u2800\u180b\u180c\u180d\u180e\u180f") | {
    chr(c) for c in [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
}

# A whole number as an address or a form writes one: ASCII digits only. str.isdigit() is also true
# of "²" and "٣", which int() then refuses (a 500) or reads as 3. Eighteen digits is beyond any
# id and inside every database's integer.
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")

CONTROL_MESSAGE = "Remove the hidden control characters, for example by typing the text again instead of pasting it"
DIRECTION_MESSAGE = (
    "Remove the hidden characters that change the direction of the text, "
    "for example by typing it again instead of pasting it"
)


def whole_number(value):
    """value (text from a request) as a whole number if it is one written in the digits 0 to 9,
    else None."""
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value):
        return int(value)
    return None


def is_invisible(character):
    return character.isspace() or unicodedata.category(character) == "Cf" or character in OTHER_INVISIBLE


def is_blank(value):
    """True when nothing in value would show on a screen: empty, spaces or invisible characters."""
    return all(is_invisible(character) for character in value or "")


def tidy(value):
    """value without the spaces around it, or "" when nothing in it is visible."""
    value = (value or "").strip()
    return "" if is_blank(value) else value


def shown(value):
    """value with each control character and direction override replaced by �, for echoing text
    that broke the rules (in a terminal, an ESC would otherwise drive it)."""
    return DIRECTION_CONTROLS.sub("\ufffd", CONTROL_CHARACTERS.sub("\ufffd", value or ""))


def length(value):
    """How long value is as the person who wrote it counts it, and as the forms' character count
    shows it: a line break is one character, though browsers send it as two (carriage return, line
    feed)."""
    return len((value or "").replace("\r\n", "\n"))


def check_long_text(value):
    """A comment, an answer or a report's details: line breaks and tabs, but no other control character."""
    if CONTROL_CHARACTERS.search(value or ""):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")


def check_name(value):
    """A name or an organisation: one line, no control character, no direction override."""
    if CONTROL_CHARACTERS.search(value or "") or LINE_BREAKS_AND_TABS.search(value or ""):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")
    if DIRECTION_CONTROLS.search(value or ""):
        raise ValidationError(DIRECTION_MESSAGE, code="direction_controls")


EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.com"


def check_email_address(value):
    """An address the mail server will be told exactly as it was typed. Django's own check accepts
    forms that sending then changes or refuses: a quoted name ("a b"@example.org), an encoded word
    (=?utf-8?q?...?=, which becomes a line break when decoded), an IP address for a domain
    ([192.0.2.1]), a name in another script. Nobody needs these to get a receipt, and each could
    make the email go somewhere else or fail for others sent with it, so they are refused."""
    if not value:
        return
    from django.core.mail.message import sanitize_address

    name, _, domain = value.rpartition("@")
    if name.startswith('"') or "=?" in value or domain.startswith("[") or not name.isascii():
        raise ValidationError(EMAIL_MESSAGE, code="invalid")
    try:
        written = sanitize_address(value, "utf-8")
    except (ValueError, TypeError, IndexError):
        raise ValidationError(EMAIL_MESSAGE, code="invalid") from None
    if written.rpartition("@")[0] != name or "\n" in written or "\r" in written:
        raise ValidationError(EMAIL_MESSAGE, code="invalid")


def check_not_blank(value):
    """For model fields, where Django strips only spaces before deciding a field is empty."""
    if value and is_blank(value):
        raise ValidationError(
            "Enter some text: this contains only invisible characters", code="only_invisible_characters"
        )

"""An event as an iCalendar file (RFC 5545), for people to add it to their calendar.

Written here by hand, because the file is small and fixed: one VCALENDAR with one VEVENT. What
RFC 5545 asks of it, and how it is met:

- times in UTC with the "Z" suffix (3.3.5, form #2), which every calendar reads and shows in its
  own time zone, so no VTIMEZONE has to be written for Europe/London's summer time;
- a UID that never changes for the event (its id and the portal's host), so a calendar that
  imports the file again updates the event rather than adding a second;
- TEXT values escaped (3.3.11): backslash, semicolon and comma with a backslash, line breaks as \\n;
- lines folded at 75 octets (3.1), never inside a UTF-8 character, and ended with CRLF.

The online meeting's link is not in it: the file is public, the link is for people with a place
(their emails carry it).
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

PRODUCT = "-//Consultation portal//Events//EN"
MAX_OCTETS = 75


def escape_text(value):
    """A TEXT value as RFC 5545 3.3.11 writes it."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line):
    """A content line folded to at most 75 octets a line (the first), continuation lines starting
    with a space (which counts in their 75), never splitting a character's UTF-8 bytes."""
    pieces, current, size, limit = [], [], 0, MAX_OCTETS
    for character in line:
        octets = len(character.encode())
        if size + octets > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1
        current.append(character)
        size += octets
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def utc(moment):
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def uid(event):
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"event-{event.pk}@{host}"


def event_ics(event, *, url, now=None):
    """The iCalendar file of `event` (its public page at `url`), as bytes."""
    now = now or timezone.now()
    consultation = event.consultation
    description = "\n\n".join(
        part
        for part in [
            event.description,
            f"Part of the consultation “{consultation.title}” ({consultation.organisation}).",
            f"Accessibility: {event.accessibility}" if event.accessibility else "",
            f"Details and sign-up: {url}",
        ]
        if part
    )
    if event.is_chat:
        location = url
    else:
        location = event.place or ("Online: the link to join is in your confirmation email" if event.link else "")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid(event)}",
        f"DTSTAMP:{utc(now)}",
        f"DTSTART:{utc(event.starts_at)}",
        f"DTEND:{utc(event.ends_at)}",
        f"SUMMARY:{escape_text(event.title)}",
        f"DESCRIPTION:{escape_text(description)}",
        *([f"LOCATION:{escape_text(location)}"] if location else []),
        f"URL:{url}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines).encode()

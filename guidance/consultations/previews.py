"""Preview links: a draft consultation shown to colleagues who have no staff account.

A consultation manager makes a link on the consultation's staff page and sends it. The link holds
the consultation's and the link's ids, signed with the portal's secret key (django.core.signing),
so it cannot be guessed or altered; the PreviewLink row says until when it works (7 days by
default, settings.PREVIEW_LINK_DAYS) and whether it was revoked. Opening it remembers the preview in
the visitor's session, and every page of the draft then checks that row again, so a link that
expires or is revoked stops working at once, on every page.

A preview is read-only: the pages say "Preview" at the top, show the consultation as it will look
while open, and a form sent from them is checked but nothing is stored (guidance/public/submitting.py). Staff
signed in with permission to view consultations preview a draft without a link.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from guidance.models import PreviewLink

SALT = "guidance.preview-link"
SESSION_KEY = "previews"


class Refused(Exception):
    """A preview link that does not (or no longer) let its holder in. `reason` is one of
    "broken" (not a link we made, or altered), "other" (a link to another consultation),
    "expired" or "revoked"; `message` says so in plain words."""

    MESSAGES = {
        "broken": "This preview link is not complete or has been changed. Copy the whole link from the message "
        "you were sent, or ask the person who sent it for a new one.",
        "other": "This preview link is for a different consultation. Ask the person who sent it for the right one.",
        "expired": "This preview link has expired. Ask the person who sent it for a new one.",
        "revoked": "This preview link has been withdrawn. Ask the person who sent it for a new one.",
    }

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason
        self.message = self.MESSAGES[reason]


def make_link(consultation, *, by, days=None):
    days = settings.PREVIEW_LINK_DAYS if days is None else days
    return PreviewLink.objects.create(
        consultation=consultation, created_by=by, expires_at=timezone.now() + datetime.timedelta(days=days)
    )


def token_for(link):
    return signing.dumps({"k": link.key}, salt=SALT)


@transaction.atomic
def revoke(link, *, by):
    updated = PreviewLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    return bool(updated)


def check(link, consultation, now=None):
    """Raise Refused unless this link lets its holder preview this consultation now."""
    if link.consultation_id != consultation.pk:
        raise Refused("other")
    if link.revoked_at is not None:
        raise Refused("revoked")
    if (now or timezone.now()) >= link.expires_at:
        raise Refused("expired")


def link_from_token(token, consultation):
    """The PreviewLink a token names, checked for this consultation, or Refused."""
    try:
        value = signing.loads(token, salt=SALT)
        found = {"key": str(value["k"])} if "k" in value else {"pk": int(value["l"])}  # links made before keys
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Refused("broken") from None
    link = PreviewLink.objects.filter(**found).first()
    if link is None:
        raise Refused("broken")
    check(link, consultation)
    return link


def remember(session, link):
    previews = dict(session.get(SESSION_KEY, {}))
    previews[str(link.consultation_id)] = link.pk
    session[SESSION_KEY] = previews


def remembered_link(session, consultation):
    """The preview link this session opened for the consultation, checked now: None if it opened
    none, Refused if it has expired or been revoked since."""
    link_id = session.get(SESSION_KEY, {}).get(str(consultation.pk))
    if link_id is None:
        return None
    link = PreviewLink.objects.filter(pk=link_id).first()
    if link is None:
        raise Refused("revoked")
    check(link, consultation)
    return link

"""The receipt a respondent gets by email, and what became of it, for the confirmation page to say.

Sent once the response is committed; a failure to send is logged and never touches the stored
response. The page says "We have sent a receipt" only when a mail server took the message: not
when the portal has no mail server (the console, file or dummy backend), nor when this address has
had its receipts for the day (RATE_LIMIT_RECEIPTS_PER_DAY, counted whoever sends the form, so
that nobody can use the form to fill a stranger's inbox).
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import models
from django.template.loader import render_to_string

from guidance import ratelimit
from guidance.models import Section

logger = logging.getLogger(__name__)

# Django's email backends that hand nothing to a mail server: they print the message, write it to a
# file or drop it. (The tests' in-memory backend stands in for a mail server.)
BACKENDS_THAT_SEND_NOTHING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


class Receipt(models.TextChoices):
    """What became of a response's receipt; the confirmation page says it in words."""

    SENT = "sent", "Handed to the mail server"
    NOT_ASKED = "none", "No email address given"
    NO_MAIL_SERVER = "no_mail_server", "The portal has no mail server"
    DAILY_LIMIT = "daily_limit", "The address has had its receipts for today"
    FAILED = "failed", "The mail server could not be reached or refused it"
    ALREADY_SENT = "already_sent", "The same form was sent before"


def send_receipt(response, targets_and_texts):
    """Email the respondent what they sent: `response`, once committed, and the (section or
    question, text) pairs stored with it. Returns what became of the receipt (a Receipt)."""
    if not response.email:
        return Receipt.NOT_ASKED
    if settings.EMAIL_BACKEND in BACKENDS_THAT_SEND_NOTHING:
        # Chosen on purpose (a system check refuses the console by default with DEBUG off): it is
        # given the message as the operator wants, but no mail server has it.
        _send(response, targets_and_texts)
        return Receipt.NO_MAIL_SERVER
    place = ratelimit.take_place("receipts", ratelimit.recipient_fingerprint(response.email))
    if not place.taken:
        logger.info("Receipt for response %s not sent: its address has had its receipts for today", response.reference)
        return Receipt.DAILY_LIMIT
    if not _send(response, targets_and_texts):
        ratelimit.give_back(place)
        return Receipt.FAILED
    return Receipt.SENT


def _send(response, targets_and_texts):
    """Send the receipt; True if the backend took it. Built from what was sent rather than read
    back from the database: the same text, without a query."""
    try:
        sent = [
            {"section": target, "text": text} if isinstance(target, Section) else {"question": target, "text": text}
            for target, text in targets_and_texts
        ]
        sent.sort(key=lambda item: item["question"].position if "question" in item else 0)
        context = {"response": response, "comments": sent, "site_name": settings.SITE_NAME}
        subject = f"Your response to {response.consultation.title} ({response.reference})"
        body = render_to_string("emails/receipt.txt", context)
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [response.email]) == 1
    except Exception as error:
        # The response is safe in the database; the receipt is a courtesy. Staff see this in the
        # log, with the kind of error only: its message and traceback can hold the address.
        logger.error("Could not send the receipt for response %s (%s)", response.reference, type(error).__name__)
        return False

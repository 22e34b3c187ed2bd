"""The receipt a respondent gets by email. Sent after the response is committed; a failure to
send is logged and never touches the stored response."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def send_receipt(response, comments):
    """Email the respondent what they sent: `response` and its `comments` as just stored (this
    runs once the transaction has committed, so they are in the database)."""
    try:
        comments = sorted(comments, key=lambda c: (c.question.position if c.question_id else 0, c.pk))
        context = {"response": response, "comments": comments, "site_name": settings.SITE_NAME}
        subject = f"Your response to {response.consultation.title} ({response.reference})"
        body = render_to_string("emails/receipt.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [response.email])
    except Exception:
        # The response is safe in the database; the receipt is a courtesy. Staff see this in the log.
        logger.exception("Could not send the receipt for response %s", response.reference)

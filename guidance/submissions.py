"""Storing what the public sends: one response and its comments, in one transaction.

Each form carries a one-time token. Sending the same form again (a double click, or going back
and resubmitting) finds the response stored the first time instead of adding a second one.
"""

import logging

from django.db import IntegrityError, transaction

from guidance.models import Comment, Question, Response, Section

logger = logging.getLogger(__name__)


def submit_response(consultation, details, targets_and_texts, form_token=None):
    """Store a response with one comment per (section or question, text) pair.

    Returns (response, created). created is False when this form's token was already used:
    nothing new is stored. The caller sends the receipt (guidance.emails) once this has returned,
    that is once the response is committed.
    """
    try:
        with transaction.atomic():
            response = Response.objects.create(
                consultation=consultation, channel=Response.Channel.ONLINE, form_token=form_token, **details
            )
            Comment.objects.bulk_create(
                Comment(
                    response=response,
                    consultation=consultation,
                    section=target if isinstance(target, Section) else None,
                    question=target if isinstance(target, Question) else None,
                    text=text,
                )
                for target, text in targets_and_texts
            )
    except IntegrityError:
        # This form was sent before (a double click, or going back and sending it again), or two
        # copies arrived at the same moment: its token is taken, so the first response stands.
        if form_token is None:
            raise
        existing = Response.objects.filter(form_token=form_token).first()
        if existing is None:
            raise
        return existing, False
    logger.info("Response %s stored with %d comment(s)", response.reference, len(targets_and_texts))
    return response, True

"""Storing what the public sends: one response and its comments, in one transaction.

Each form carries a one-time token. Sending the same form again (a double click, or going back
and resubmitting it unchanged) finds the response stored the first time instead of adding a second
one. A token already used for anything else (changed answers, another section, another
consultation's form) is refused with FormAlreadySent: one response's reference is never shown for
another, and nothing sent is dropped without the respondent knowing.
"""

import logging

from django.db import IntegrityError, transaction

from guidance import answers
from guidance.models import Comment, Question, Response, Section

logger = logging.getLogger(__name__)


class FormAlreadySent(Exception):
    """This copy of a form was already used to send something else: nothing was stored."""


def submit_response(consultation, details, targets_and_texts, form_token=None):
    """Store a response with one comment per (section or question, text) pair: the text of a
    comment on a section is a string, an answer to a question a guidance.answers.Answer (a
    string is taken as the answer to a free-text question).

    Returns (response, created). created is False when this same form, with the same
    consultation, details, targets and texts, was sent before: nothing new is stored. Raises
    FormAlreadySent when the token was used to send anything else. The caller sends the receipt
    (guidance.emails) once this has returned, that is once the response is committed.
    """
    try:
        with transaction.atomic():
            response = Response.objects.create(
                consultation=consultation, channel=Response.Channel.ONLINE, form_token=form_token, **details
            )
            comments = Comment.objects.bulk_create(
                Comment(
                    response=response,
                    consultation=consultation,
                    section=target if isinstance(target, Section) else None,
                    question=target if isinstance(target, Question) else None,
                    **answers.comment_fields(text),
                )
                for target, text in targets_and_texts
            )
            answers.save_options(zip(comments, (text for _, text in targets_and_texts), strict=True))
    except IntegrityError:
        # This form was sent before (a double click, or going back and sending it again), or two
        # copies arrived at the same moment: its token is taken, so the first response stands.
        if form_token is None:
            raise
        existing = Response.objects.filter(form_token=form_token).first()
        if existing is None:
            raise
        if not is_same_submission(existing, consultation, details, targets_and_texts):
            logger.warning("Submission refused: its form token was already used for another response")
            raise FormAlreadySent from None
        return existing, False
    logger.info("Response %s stored with %d comment(s)", response.reference, len(targets_and_texts))
    return response, True


def is_same_submission(response, consultation, details, targets_and_texts):
    """True when response is what this submission would store: the same form sent again."""
    if response.consultation_id != consultation.pk or response.channel != Response.Channel.ONLINE:
        return False
    if any(getattr(response, name) != value for name, value in details.items()):
        return False
    stored = sorted(
        (section_id, question_id, answers.comparable(answers.stored_answer(comment)))
        for comment, section_id, question_id in (
            (comment, comment.section_id, comment.question_id) for comment in response.comments.all()
        )
    )
    sent = sorted(
        (
            target.pk if isinstance(target, Section) else None,
            target.pk if isinstance(target, Question) else None,
            answers.comparable(text),
        )
        for target, text in targets_and_texts
    )
    return stored == sent

"""Storing and forgetting a respondent's equality monitoring answers: each write one function, in
one transaction."""

from django.db import transaction
from django.utils import timezone

from guidance.equality.models import EqualityAnswers
from guidance.equality.questions import BY_KEY, KEYS


class AnswersRefused(Exception):
    """An answer that is not one of its question's options, or a question the consultation does not ask."""


def record_answers(response, chosen):
    """Store what the respondent chose ({key: value}, "" for a question left unanswered), replacing
    any earlier answers of theirs. Nothing chosen at all stores nothing (and removes earlier answers):
    skipping is the same as not answering. Returns the EqualityAnswers row, or None."""
    asked = set(response.consultation.equality_questions or ())
    for key, value in chosen.items():
        if key not in asked or (value and value not in BY_KEY[key].labels):
            raise AnswersRefused(f"{key}={value!r} is not an answer this consultation asks for")
    values = {key: chosen.get(key, "") for key in KEYS}
    with transaction.atomic():
        if not any(values.values()):
            EqualityAnswers.objects.filter(response=response).delete()
            return None
        answers, _ = EqualityAnswers.objects.update_or_create(
            response=response, defaults={**values, "answered_at": timezone.now()}
        )
        return answers


def forget_answers(responses):
    """Delete the equality answers of these responses (a queryset): part of removing their personal
    data, under retention or on request (guidance/privacy/retention.py). Returns how many went."""
    deleted, _ = EqualityAnswers.objects.filter(response__in=responses).delete()
    return deleted

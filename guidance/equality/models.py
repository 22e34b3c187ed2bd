"""A respondent's answers to the equality monitoring questions: one row per response, apart from its
comments so that nothing about the comments (their export, their publication) can carry it."""

from django.db import models
from django.utils import timezone

from guidance.equality.questions import BY_KEY
from guidance.responses.models import Response


def answer_field(key):
    characteristic = BY_KEY[key]
    return models.CharField(characteristic.name, max_length=20, blank=True, choices=characteristic.options)


class EqualityAnswers(models.Model):
    """What one respondent chose to say about themselves; "" where they left a question unanswered.
    Personal data (special category, for ethnic group and disability): seen only with
    roles.SEE_PERSONAL_DATA, deleted with the response's personal data (guidance/privacy/retention.py)."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="equality_answers")
    answered_at = models.DateTimeField(default=timezone.now)
    age_band = answer_field("age_band")
    sex = answer_field("sex")
    gender_identity = answer_field("gender_identity")
    ethnic_group = answer_field("ethnic_group")
    disability = answer_field("disability")
    carer = answer_field("carer")
    region = answer_field("region")

    class Meta:
        verbose_name = "equality monitoring answers"
        verbose_name_plural = "equality monitoring answers"

    def __str__(self):
        return f"Equality monitoring answers of {self.response_id}"

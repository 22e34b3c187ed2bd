from django import template
from django.db.models import Count

from guidance.models import Comment, Consultation
from guidance.moderation.decisions import reading_reported

register = template.Library()


@register.simple_tag
def consultations_at_work():
    """Each consultation, open ones first, with how many comments wait for a decision and how
    many published ones were reported: the staff home page's list of work. Two grouped counts,
    whatever the number of comments."""
    pending = count_by_consultation(Comment.objects.pending())
    with reading_reported():
        reported = count_by_consultation(Comment.objects.reported())
    consultations = list(Consultation.objects.in_list_order())
    for consultation in consultations:
        consultation.pending_count = pending.get(consultation.pk, 0)
        consultation.reported_count = reported.get(consultation.pk, 0)
    return consultations


def count_by_consultation(comments):
    """{consultation id: how many of `comments`}, counted in the database."""
    return dict(comments.order_by().values_list("consultation").annotate(n=Count("*")).values_list("consultation", "n"))

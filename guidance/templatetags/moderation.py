from django import template
from django.db.models import Count

from guidance.models import Comment, Consultation
from guidance.moderation import reading_reported

register = template.Library()


@register.simple_tag
def consultations_at_work():
    """Each consultation, open ones first, with how many comments wait for a decision and how
    many published ones were reported: the staff home page's list of work. Two grouped counts,
    whatever the number of comments."""
    pending = dict(
        Comment.objects.pending()
        .order_by()
        .values_list("consultation")
        .annotate(n=Count("*"))
        .values_list("consultation", "n")
    )
    with reading_reported():
        reported = dict(
            Comment.objects.reported()
            .order_by()
            .values_list("consultation")
            .annotate(n=Count("*"))
            .values_list("consultation", "n")
        )
    consultations = list(Consultation.objects.in_list_order())
    for consultation in consultations:
        consultation.pending_count = pending.get(consultation.pk, 0)
        consultation.reported_count = reported.get(consultation.pk, 0)
    return consultations

"""Shared bits for the respondent journey's tests."""

from django.urls import reverse

from guidance.models import Comment

DETAILS = {
    "name": "Ann Smith",
    "email": "ann@example.org",
    "respondent_type": "carer",
    "organisation": "",
    "consent": "named",
    "privacy_agreed": "on",
}


def section_url(section, consultation):
    return reverse("guidance:section", args=[consultation.slug, section.slug])


def comment_data(text="I think this section is clear.", **changes):
    return {**DETAILS, "comment": text, **changes}


def publish(comment):
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.APPROVED)
    comment.refresh_from_db()
    return comment

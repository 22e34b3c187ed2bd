from django import template

from guidance.models import Comment

register = template.Library()


@register.simple_tag
def pending_comment_count():
    """How many comments wait for a decision, for the admin's home page."""
    return Comment.objects.pending().count()

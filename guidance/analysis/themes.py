"""Coding comments with themes: the one write, adding a theme to comments."""

from django.db import transaction

from guidance.consultations.changed import public_pages_changed
from guidance.models import Comment


def add_theme(comments, theme):
    """Tag each comment with the theme, once. Returns how many comments gained it."""
    through = Comment.themes.through
    with transaction.atomic():
        already = set(through.objects.filter(theme=theme, comment__in=comments).values_list("comment_id", flat=True))
        new = [
            through(comment_id=pk, theme_id=theme.pk)
            for pk in comments.values_list("pk", flat=True)
            if pk not in already
        ]
        through.objects.bulk_create(new, batch_size=1000)
        public_pages_changed(consultations=[theme.consultation_id])  # what people said, by theme
    return len(new)

"""Coding comments with themes: the two writes, adding a theme to comments (the queue's action) and
setting one comment's themes (its own page). Each in one transaction, each telling the public
pages, which show what people said by theme."""

from django.db import transaction

from guidance.consultations.changed import public_pages_changed
from guidance.models import Comment


class ThemeOfAnotherConsultation(ValueError):
    """A theme is of one consultation: a comment of another cannot have it."""


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


def set_themes(comment, themes):
    """Give the comment exactly these themes: those it lacks are added, those not among them taken
    off, the others left as they are. Refuses (ThemeOfAnotherConsultation, nothing changed) a theme
    of another consultation. Returns (themes added, themes taken off), each a set of ids."""
    wanted = {theme.pk for theme in themes}
    if any(theme.consultation_id != comment.consultation_id for theme in themes):
        raise ThemeOfAnotherConsultation("A theme of another consultation cannot be applied to this comment.")
    through = Comment.themes.through
    with transaction.atomic():
        had = set(through.objects.filter(comment=comment).values_list("theme_id", flat=True))
        added, removed = wanted - had, had - wanted
        through.objects.filter(comment=comment, theme_id__in=removed).delete()
        through.objects.bulk_create([through(comment_id=comment.pk, theme_id=pk) for pk in sorted(added)])
        if added or removed:
            public_pages_changed(consultations=[comment.consultation_id])
    return added, removed

"""Responses received by email, by post, at an event or on social media, which staff type in (the
admin's response page, guidance/staff/admin/responses.py) or import from a file
(guidance/analysis/imports.py). Their comments and answers are stored as those sent online are: an
answer to a choice or agreement question holds the options chosen as rows
(guidance/responses/answers.py received_answer), so every channel counts alike in the dashboard,
the published figures and the export; and each new comment, or one whose words changed, is
compared with the others on its section or question by the worker, as one sent online is
(guidance/moderation/campaigns.py)."""

from django.db import transaction

from guidance.models import Comment
from guidance.moderation import campaigns
from guidance.responses import answers


def save_entered(comment, value):
    """Store one comment or answer that staff typed in for a response received offline, new or
    corrected while it waits for moderation: `value` is its text, or for an answer an Answer. Its
    options replace any it had. A new comment waits for the worker to compare it for campaigns, as
    one whose words changed does again. One transaction (the admin's own, when it saves the response)."""
    with transaction.atomic():
        earlier = None
        if comment.pk:
            # Locked, and its group as it stands now: the worker may have grouped it since the
            # admin's page read it, and saving the page's copy must not undo that.
            earlier, comment.group, comment.compared_at = Comment.objects.select_for_update().filter(
                pk=comment.pk
            ).values_list("text", "group", "compared_at").first() or (None, None, None)
        for name, field_value in answers.comment_fields(value).items():
            setattr(comment, name, field_value)
        comment.save()
        if comment.question_id:
            answers.replace_options(comment, value)
        if earlier is not None and earlier != comment.text:
            campaigns.compare_again(comment.pk)

"""A tweetchat's transcript imported as an event's messages: the import of responses received
elsewhere (guidance/analysis/imports.py, unchanged) and, in the same transaction, each row it adds
made a message of the event, so the event's story can be made from them as from a chat hour held
here. Rows imported before are skipped by the import, and so here too."""

from django.db import transaction
from django.utils import timezone

from guidance.analysis.imports import ImportRefused, run_import
from guidance.events.models import ChatMessage
from guidance.models import Comment, Response

DISPLAY_NAME_MAX_LENGTH = ChatMessage._meta.get_field("display_name").max_length


def import_as_messages(preview, event, *, by):
    """run_import(preview), and every response it adds becomes an approved, imported message of
    `event`: under the question its row went to, named as its author, posted when it was received,
    its comment the answer. All or nothing. Returns the number of responses added."""
    if event.consultation_id != preview.consultation.pk:
        raise ImportRefused("Nothing was imported: that event is another consultation's.")
    keys = [row.import_key for row in preview.rows if row.import_key]
    with transaction.atomic():
        before = set(Response.objects.filter(import_key__in=keys).values_list("import_key", flat=True))
        added = run_import(preview, by=by)
        now = timezone.now()
        comments = (
            Comment.objects.filter(response__import_key__in=set(keys) - before)
            .select_related("response")
            .order_by("created_at", "pk")
        )
        ChatMessage.objects.bulk_create(
            [
                ChatMessage(
                    event=event,
                    question_id=comment.question_id,
                    response=comment.response,
                    comment=comment,
                    display_name=comment.response.name[:DISPLAY_NAME_MAX_LENGTH],
                    text=comment.text,
                    status=ChatMessage.Status.APPROVED,
                    imported=True,
                    posted_at=comment.created_at,
                    decided_at=now,
                    decided_by=by,
                )
                for comment in comments
            ]
        )
    return added

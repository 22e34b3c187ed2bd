"""Publishing an event's notes (what was said and done) on its public page, once it is over."""

from django.db import transaction
from django.utils import timezone

from guidance.consultations.changed import public_pages_changed
from guidance.consultations.markdown import MarkdownTooComplex, checked_html
from guidance.models import Event


class NotesRefused(Exception):
    """The notes cannot be published now: the message says why."""


def publish_notes(event, now=None):
    """Show the event's notes on its page from now on (published again, the page shows them as they
    now are). Returns the event; raises NotesRefused."""
    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.ends_at > now:
            raise NotesRefused("The notes can be published once the event is over.")
        if not event.notes.strip():
            raise NotesRefused("There are no notes to publish: write them on the event's page first.")
        try:
            checked_html(event.notes)
        except MarkdownTooComplex as error:
            raise NotesRefused(str(error)) from None
        event.notes_published_at = now
        event.save(update_fields=["notes_published_at"])
        # The consultation's page lists its events, and says which have notes.
        public_pages_changed(consultations=[event.consultation_id])
    return event

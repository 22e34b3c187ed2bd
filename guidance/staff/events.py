"""An event's staff pages beside its admin page (guidance/staff/admin/events.py): publishing its
notes once it is over, and the organiser's list of who signed up (names and access needs) as CSV,
through the export's one writer, recorded as every export is."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from guidance.analysis.exports import export_filename, record_export, table_csv
from guidance.events import notes
from guidance.models import Event
from guidance.staff import roles
from guidance.templatetags.portal import uk_datetime

SIGNUP_LIST_HEADER = ["Name", "Email address", "Status", "Access needs", "Signed up at"]


@require_POST
@permission_required(roles.PUBLISH_EVENT_NOTES, raise_exception=True)
def publish_notes(request, event_id):
    event = get_object_or_404(Event, pk=event_id)
    try:
        notes.publish_notes(event)
    except notes.NotesRefused as refused:
        messages.error(request, f"The notes were not published. {refused}")
    else:
        messages.success(request, f"The notes of “{event}” are published on its page.")
    return redirect("admin:guidance_event_change", event.pk)


@permission_required(roles.SEE_EVENT_SIGNUPS, raise_exception=True)
def signup_list(request, event_id):
    """Who signed up and is still coming or waiting (cancelled sign-ups left out), first come first."""
    event = get_object_or_404(Event.objects.select_related("consultation"), pk=event_id)
    rows = [
        [signup.name, signup.email, signup.get_status_display(), signup.access_needs, uk_datetime(signup.created_at)]
        for signup in event.signups.not_cancelled().order_by("status", "created_at", "pk")
    ]
    # Names, addresses and access needs: recorded as every export with personal data is.
    record_export(
        event.consultation,
        by=request.user,
        layout="sign-ups",
        filters={"event": str(event)},
        with_personal_data=True,
        row_count=len(rows),
    )
    response = HttpResponse(table_csv(SIGNUP_LIST_HEADER, rows), content_type="text/csv; charset=utf-8")
    filename = export_filename(event.consultation, what=f"sign-ups-{event.pk}")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response

"""Exporting responses to CSV (guidance/analysis/exports.py makes the file): a consultation's export page
and the queue's action. Both need guidance.export_responses; personal data also needs
guidance.view_personal_data, and asking for it without that permission is refused and not recorded.

The "you said, we did" table (guidance/outcomes/changes.py) needs only guidance.view_outcome: it holds
counts of published comments and the staff's own responses, nothing a respondent wrote and no
personal data, so it is neither an export of responses nor recorded as one."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404

from guidance.analysis.exports import Layout, export_csv, export_filename, select_comments, table_csv
from guidance.models import Comment, Consultation
from guidance.outcomes import changes
from guidance.privacy.personal_data import may_see_personal_data
from guidance.staff import roles
from guidance.staff.forms import ExportForm
from guidance.staff.site import staff_page


@permission_required(roles.EXPORT, raise_exception=True)
def export(request, consultation_id):
    """GET: the form with the queue's filters. POST: the CSV, or the form again with its errors."""
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    form = ExportForm(consultation, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        with_personal_data = form.cleaned_data["with_personal_data"]
        if with_personal_data and not may_see_personal_data(request.user):
            raise PermissionDenied
        filters = form.filters()
        chunks = export_csv(
            consultation,
            select_comments(consultation, filters),
            by=request.user,
            layout=form.cleaned_data["layout"],
            filters=filters,
            with_personal_data=with_personal_data,
        )
        return csv_download(consultation, chunks)
    if not may_see_personal_data(request.user):
        del form.fields["with_personal_data"]
    return staff_page(
        request,
        "admin/guidance/export.html",
        {"consultation": consultation, "form": form, "title": f"Export responses: {consultation}"},
    )


def export_selected(model_admin, request, queryset):
    """The queue's action: the ticked comments (or every comment the filters select), without
    personal data; for personal data use the consultation's export page."""
    if not request.user.has_perm(roles.EXPORT):
        raise PermissionDenied
    consultation_ids = set(queryset.order_by().values_list("consultation_id", flat=True).distinct())
    if len(consultation_ids) != 1:
        model_admin.message_user(
            request, "Nothing exported: select comments of one consultation at a time.", messages.ERROR
        )
        return None
    consultation = Consultation.objects.get(pk=consultation_ids.pop())
    if request.POST.get("select_across") == "1":
        filters = {"all_matching_list_filters": request.GET.urlencode()}
    else:
        filters = {"selected_comments": sorted(queryset.values_list("pk", flat=True))}
    # A plain queryset of the selection, free of whatever the list adds (annotations, ordering).
    comments = Comment.objects.filter(pk__in=queryset.order_by().values("pk"))
    if request.GET.get("status") != Comment.Status.WITHDRAWN:
        # As on the export page: what respondents withdrew only when that list is the one shown.
        comments = comments.not_withdrawn()
    chunks = export_csv(consultation, comments, by=request.user, layout=Layout.COMMENTS, filters=filters)
    return csv_download(consultation, chunks)


def csv_download(consultation, chunks):
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(consultation)}"'
    response["Cache-Control"] = "no-store"
    return response


@permission_required(roles.VIEW_OUTCOMES, raise_exception=True)
def you_said_we_did(request, consultation_id):
    """The "you said, we did" table as CSV (docs/export-format.md), whether or not the outcome is
    published yet: staff check their account before the public reads it."""
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    table = changes.table_rows(changes.what_changed(consultation))
    response = HttpResponse(table_csv(changes.TABLE_HEADER, table), content_type="text/csv; charset=utf-8")
    filename = export_filename(consultation, what="you-said-we-did")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response

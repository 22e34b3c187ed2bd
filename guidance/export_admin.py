"""The admin side of exporting (guidance/exports.py does the work): the action "Export selected
comments to CSV" and the export page of each consultation. Both need guidance.export_responses;
personal data also needs guidance.view_personal_data."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path

from guidance.exports import ExportForm, Layout, export_csv, select_comments, streaming_csv_response
from guidance.models import Comment, Consultation

EXPORT_PERMISSION = "guidance.export_responses"
PERSONAL_DATA_PERMISSION = "guidance.view_personal_data"


@admin.action(description="Export selected comments to CSV", permissions=["export"])
def export_selected_comments(modeladmin, request, queryset):
    """Without personal data: for names and email addresses use the consultation's export page."""
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    consultation_ids = set(queryset.order_by().values_list("consultation_id", flat=True).distinct())
    if len(consultation_ids) != 1:
        modeladmin.message_user(
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
    chunks = export_csv(consultation, comments, by=request.user, layout=Layout.COMMENTS, filters=filters)
    return streaming_csv_response(consultation, chunks)


def has_export_permission(request):
    return request.user.has_perm(EXPORT_PERMISSION)


def export_page(request, object_id, model_admin):
    """GET: the form with the queue's filters. POST: the CSV, or the form again with its errors.
    Asking for personal data without the permission is refused and nothing is recorded."""
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    consultation = get_object_or_404(Consultation, pk=object_id)
    may_see_personal_data = request.user.has_perm(PERSONAL_DATA_PERMISSION)
    form = ExportForm(consultation, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with_personal_data = form.cleaned_data["with_personal_data"]
        if with_personal_data and not may_see_personal_data:
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
        return streaming_csv_response(consultation, chunks)
    if not may_see_personal_data:
        del form.fields["with_personal_data"]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Consultation._meta,
        "consultation": consultation,
        "form": form,
        "title": f"Export responses: {consultation}",
    }
    return TemplateResponse(request, "admin/guidance/export.html", context)


def export_urls(model_admin):
    """For ConsultationAdmin.get_urls: /admin/guidance/consultation/<id>/export/."""

    def view(request, object_id):
        return export_page(request, object_id, model_admin)

    return [
        path(
            "<path:object_id>/export/",
            model_admin.admin_site.admin_view(view),
            name="guidance_consultation_export",
        )
    ]

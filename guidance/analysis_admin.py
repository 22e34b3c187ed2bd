"""Analysts' pages in the admin: a consultation's dashboard, importing responses received
elsewhere (upload, preview, confirm), the queue action that applies a theme to comments, and
the queue's campaign column and filter.

ConsultationAdmin.get_urls adds analysis_urls(self). For the comment queue: CommentAdmin.actions
lists apply_theme; list_display can show group_size when get_queryset passes the queryset
through guidance.campaigns.with_group_size; list_filter can hold PartOfGroupFilter.
"""

import base64

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from guidance.campaigns import in_a_group
from guidance.dashboard import dashboard, format_duration
from guidance.imports import ImportRefused, read_import, run_import, target_choices
from guidance.models import Comment, Consultation, Theme

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def analysis_urls(model_admin):
    """URL patterns for ConsultationAdmin.get_urls: /admin/guidance/consultation/<id>/dashboard/ etc."""
    wrap = model_admin.admin_site.admin_view
    return [
        path("<int:consultation_id>/dashboard/", wrap(dashboard_view), name="guidance_consultation_dashboard"),
        path("<int:consultation_id>/import/", wrap(import_upload_view), name="guidance_consultation_import"),
        path(
            "<int:consultation_id>/import/preview/",
            wrap(import_preview_view),
            name="guidance_consultation_import_preview",
        ),
    ]


def _admin_context(request, consultation, title):
    return {
        **admin.site.each_context(request),
        "consultation": consultation,
        "title": title,
        "opts": Consultation._meta,
    }


def dashboard_view(request, consultation_id):
    if not request.user.has_perm("guidance.view_comment"):
        raise PermissionDenied
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    numbers = dashboard(consultation)
    context = {
        **_admin_context(request, consultation, f"Dashboard: {consultation}"),
        **numbers,
        "median_text": format_duration(numbers["median_time_to_decision"]),
    }
    return TemplateResponse(request, "admin/guidance/dashboard.html", context)


# Import: the uploaded file waits in the session between the upload and the confirmation, so
# the preview can be shown, corrected (targets assigned) and confirmed without uploading again.


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8 CSV. The header row names received_at, channel, author and text, and optionally target "
            "(such as 2.3 or Q4) and source_url. Nothing is saved until you confirm on the next page."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB. Split it into smaller files.")
        return upload


def _session_key(consultation):
    return f"guidance-import-{consultation.pk}"


def _can_import(request):
    return request.user.has_perm("guidance.add_response") and request.user.has_perm("guidance.add_comment")


def import_upload_view(request, consultation_id):
    if not _can_import(request):
        raise PermissionDenied
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        request.session[_session_key(consultation)] = {
            "name": upload.name,
            "data": base64.b64encode(upload.read()).decode("ascii"),
        }
        return redirect("admin:guidance_consultation_import_preview", consultation_id=consultation.pk)
    context = {**_admin_context(request, consultation, f"Import responses: {consultation}"), "form": form}
    return TemplateResponse(request, "admin/guidance/import_upload.html", context)


def import_preview_view(request, consultation_id):
    if not _can_import(request):
        raise PermissionDenied
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    stored = request.session.get(_session_key(consultation))
    if stored is None:
        messages.warning(request, "Upload the file to import first.")
        return redirect("admin:guidance_consultation_import", consultation_id=consultation.pk)
    data = base64.b64decode(stored["data"])
    choices = target_choices(consultation)
    valid_targets = {value for value, _ in choices}
    targets = {}
    if request.method == "POST":
        for key, value in request.POST.items():
            if key.startswith("target-") and key[7:].isdigit() and value in valid_targets:
                targets[int(key[7:])] = value
    preview = read_import(consultation, data, targets=targets)

    if request.method == "POST" and "import" in request.POST:
        try:
            added = run_import(preview, by=request.user)
        except ImportRefused:
            messages.error(request, "Nothing was imported yet: correct the problems below, then import again.")
        else:
            del request.session[_session_key(consultation)]
            skipped = len(preview.rows) - added
            messages.success(
                request,
                f"Imported {added} response(s) from {stored['name']}, each with one comment awaiting moderation."
                + (f" {skipped} row(s) had been imported before and were skipped." if skipped else ""),
            )
            return HttpResponseRedirect(
                reverse("admin:guidance_comment_changelist") + f"?consultation__id__exact={consultation.pk}"
            )

    context = {
        **_admin_context(request, consultation, f"Check the import: {stored['name']}"),
        "preview": preview,
        "choices": choices,
        "targets": targets,
        "file_name": stored["name"],
    }
    return TemplateResponse(request, "admin/guidance/import_preview.html", context)


# Themes: the queue's bulk action.


class ApplyThemeForm(forms.Form):
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        help_text="Analysts add and describe themes under Themes.",
    )

    def __init__(self, consultation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(consultation=consultation)


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
    return len(new)


@admin.action(description="Apply a theme to the selected comments", permissions=["change"])
def apply_theme(modeladmin, request, queryset):
    consultation_ids = list(queryset.order_by().values_list("consultation", flat=True).distinct()[:2])
    if len(consultation_ids) != 1:
        modeladmin.message_user(
            request,
            "Select comments from one consultation at a time: each consultation has its own themes.",
            messages.ERROR,
        )
        return None
    consultation = Consultation.objects.get(pk=consultation_ids[0])
    form = ApplyThemeForm(consultation, request.POST if "apply" in request.POST else None)
    if not form.fields["theme"].queryset.exists():
        modeladmin.message_user(
            request, f"“{consultation}” has no themes yet. Add some under Themes first.", messages.WARNING
        )
        return None
    if form.is_valid():
        theme = form.cleaned_data["theme"]
        added = add_theme(queryset, theme)
        count = queryset.count()
        modeladmin.message_user(
            request,
            f"Applied “{theme}” to {added} comment(s)"
            + (f"; {count - added} already had it." if count - added else "."),
            messages.SUCCESS,
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Which theme?",
        "opts": modeladmin.model._meta,
        "consultation": consultation,
        "form": form,
        "comments": queryset.select_related("section", "question")[:20],
        "count": queryset.count(),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action": "apply_theme",
    }
    return TemplateResponse(request, "admin/guidance/apply_theme.html", context)


# Campaigns: the queue's column and filter.


@admin.display(description="Group size", ordering="group_size")
def group_size(comment):
    """For list_display; needs the queryset annotated by guidance.campaigns.with_group_size."""
    return comment.group_size if comment.group_size > 1 else "–"


class PartOfGroupFilter(admin.SimpleListFilter):
    title = "campaign or duplicate"
    parameter_name = "in_group"

    def lookups(self, request, model_admin):
        return [("yes", "Part of a group"), ("no", "Not in a group")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return in_a_group(queryset)
        if self.value() == "no":
            return queryset.filter(group__isnull=True)
        return queryset

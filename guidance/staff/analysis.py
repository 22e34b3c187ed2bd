"""Analysts' pages: a consultation's dashboard (guidance/analysis/dashboard.py counts), and the page of
the queue's action that codes the selected comments with a theme (guidance/analysis/themes.py)."""

from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404

from guidance.analysis.dashboard import dashboard as count_for_dashboard
from guidance.analysis.dashboard import format_duration
from guidance.analysis.themes import add_theme
from guidance.models import Consultation
from guidance.responses import answers
from guidance.staff import roles
from guidance.staff.charts import svg_chart
from guidance.staff.forms import ApplyThemeForm
from guidance.staff.site import staff_page


@permission_required(roles.VIEW_COMMENTS, raise_exception=True)
def dashboard(request, consultation_id):
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    numbers = count_for_dashboard(consultation)
    return staff_page(
        request,
        "admin/guidance/dashboard.html",
        {
            **numbers,
            "consultation": consultation,
            "opts": Consultation._meta,
            "title": f"Dashboard: {consultation}",
            "charts": [(chart, svg_chart(chart)) for chart in numbers["charts"]],
            "median_text": format_duration(numbers["median_time_to_decision"]),
        },
    )


def apply_theme(model_admin, request, queryset):
    """The queue's action "Apply a theme": which theme (a page listing the comments), then tag
    exactly the comments ticked in the list (or, after "Select all", every one its filters select:
    the page says which), and say how many gained it."""
    consultation_ids = list(queryset.order_by().values_list("consultation", flat=True).distinct()[:2])
    if len(consultation_ids) != 1:
        model_admin.message_user(
            request,
            "Select comments from one consultation at a time: each consultation has its own themes.",
            messages.ERROR,
        )
        return None
    consultation = Consultation.objects.get(pk=consultation_ids[0])
    form = ApplyThemeForm(consultation, request.POST if "apply" in request.POST else None)
    if not form.fields["theme"].queryset.exists():
        model_admin.message_user(
            request, f"“{consultation}” has no themes yet. Add some under Themes first.", messages.WARNING
        )
        return None
    if form.is_valid():
        theme = form.cleaned_data["theme"]
        count = queryset.count()
        added = add_theme(queryset, theme)
        model_admin.message_user(request, theme_applied_message(theme, added, count - added), messages.SUCCESS)
        return None
    return staff_page(
        request,
        "admin/guidance/apply_theme.html",
        {
            "title": "Which theme?",
            "opts": model_admin.model._meta,
            "consultation": consultation,
            "form": form,
            "comments": answers.with_chosen_options(queryset.select_related("section", "question")[:20]),
            "count": queryset.count(),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": "1" if request.POST.get("select_across") == "1" else "0",
            "action": "apply_theme",
        },
    )


def theme_applied_message(theme, added, already):
    """ "Theme “Payment” applied to 3 comments; 1 already had it." """
    said = f"Theme “{theme}” applied to {added} comment{'' if added == 1 else 's'}"
    if already:
        said += f"; {already} already had it"
    return said + "."

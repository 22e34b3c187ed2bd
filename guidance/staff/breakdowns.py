"""The breakdowns page: a choice question, a section, a theme or the responses themselves, broken
down by type of respondent, by channel or, for staff who may see personal data, by an equality
monitoring characteristic (guidance/analysis/breakdowns.py counts), as a table with bars and as CSV
through the export's one writer (guidance/analysis/exports.py table_csv)."""

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from guidance.analysis import breakdowns
from guidance.analysis.exports import export_filename, table_csv
from guidance.models import Consultation
from guidance.privacy.personal_data import may_see_personal_data
from guidance.staff import roles
from guidance.staff.forms import BreakdownForm
from guidance.staff.site import staff_page


@permission_required(roles.VIEW_COMMENTS, raise_exception=True)
def breakdown(request, consultation_id):
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    with_equality = may_see_personal_data(request.user)
    if not with_equality and breakdowns.is_equality_grouping(request.GET.get("by", "")):
        raise PermissionDenied
    form = BreakdownForm(
        request.GET or None,
        targets=breakdowns.targets(consultation),
        groupings=breakdowns.groupings(consultation, with_equality=with_equality),
    )
    result, problem = None, ""
    if form.is_bound and form.is_valid():
        try:
            result = breakdowns.breakdown(consultation, form.cleaned_data["target"], form.cleaned_data["by"])
        except breakdowns.BreakdownRefused as refused:
            problem = str(refused)
    if result and request.GET.get("format") == "csv":
        table = table_csv(breakdowns.CSV_HEADER, breakdowns.csv_rows(result))
        response = HttpResponse(table, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export_filename(consultation, what="breakdown")}"'
        response["Cache-Control"] = "no-store"
        return response
    return staff_page(
        request,
        "admin/guidance/breakdown.html",
        {
            "consultation": consultation,
            "opts": Consultation._meta,
            "title": f"Breakdowns: {consultation}",
            "form": form,
            "result": result,
            "problem": problem,
            "csv_query": request.GET.copy().urlencode() + "&format=csv" if result else "",
        },
        status=400 if form.errors or problem else 200,
    )

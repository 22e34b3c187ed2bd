"""Analysts' suggested themes and code by example (guidance/analysis/suggestions.py does the work):
ask for suggestions, accept, merge or discard each, then confirm or remove, in bulk, each comment a
theme was suggested for. Every page needs the Analyst's permissions to add themes and code
comments (roles.SUGGEST_THEMES); every change is a POST."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from guidance.analysis import suggestions
from guidance.models import Comment, Consultation, SuggestionRun, Theme, ThemeSuggestion
from guidance.staff import roles
from guidance.staff.site import staff_page
from guidance.staff.suggestion_forms import (
    AcceptSuggestionForm,
    MergeSuggestionsForm,
    ReviewSuggestionsForm,
    SuggestThemesForm,
)


def themes_with_counts(consultation):
    themes = Theme.objects.filter(consultation=consultation).order_by("name")
    coded = dict(
        Comment.themes.through.objects.filter(theme__consultation=consultation, comment__status=Comment.Status.APPROVED)
        .values_list("theme_id")
        .annotate(n=Count("pk"))
    )
    waiting = {}
    for theme_id in ThemeSuggestion.objects.filter(
        theme__consultation=consultation, state=ThemeSuggestion.State.SUGGESTED, comment__status=Comment.Status.APPROVED
    ).values_list("theme_id", flat=True):
        waiting[theme_id] = waiting.get(theme_id, 0) + 1
    return [(theme, coded.get(theme.pk, 0), waiting.get(theme.pk, 0)) for theme in themes]


@permission_required(roles.SUGGEST_THEMES, raise_exception=True)
def overview(request, consultation_id, form=None, status=200):
    """The consultation's themes with what waits for review, the form to ask for suggestions, and
    the suggestions asked for before."""
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    return staff_page(
        request,
        "admin/guidance/suggested_themes.html",
        {
            "consultation": consultation,
            "opts": Consultation._meta,
            "title": f"Suggested themes: {consultation}",
            "form": form or SuggestThemesForm(consultation),
            "themes": themes_with_counts(consultation),
            "examples_needed": suggestions.EXAMPLES_NEEDED,
            "runs": SuggestionRun.objects.filter(consultation=consultation).select_related(
                "section", "question", "requested_by"
            )[:10],
        },
        status=status,
    )


@require_POST
@permission_required(roles.SUGGEST_THEMES, raise_exception=True)
def ask(request, consultation_id):
    consultation = get_object_or_404(Consultation.objects.select_related("document"), pk=consultation_id)
    form = SuggestThemesForm(consultation, request.POST)
    if form.is_valid():
        try:
            run = suggestions.request_suggestions(
                consultation, **form.target(), count=form.cleaned_data["count"], by=request.user
            )
        except (suggestions.SuggestionRefused, ImproperlyConfigured) as refused:
            form.add_error(None, str(refused))
        else:
            return redirect("admin:guidance_suggestion_run", consultation.pk, run.pk)
    return overview(request, consultation_id, form=form, status=400)


def the_run(consultation_id, run_id):
    return get_object_or_404(
        SuggestionRun.objects.select_related("consultation", "section", "question"),
        pk=run_id,
        consultation_id=consultation_id,
    )


@permission_required(roles.SUGGEST_THEMES, raise_exception=True)
def run_page(request, consultation_id, run_id, errors=None, status=200):
    """One request's suggestions: each with its name, size, key phrases and three representative
    comments, to accept (named), merge or discard. While the worker works on it, how far it got."""
    run = the_run(consultation_id, run_id)
    shown = [s for s in run.suggestions if s["status"] in ("open", "accepted")]
    wanted = {pk for s in shown for pk in s["representative_ids"]}
    texts = dict(Comment.objects.filter(pk__in=wanted).values_list("pk", "text"))
    open_ones = [s for s in run.suggestions if s["status"] == "open"]
    errors = errors or {}
    return staff_page(
        request,
        "admin/guidance/suggestion_run.html",
        {
            "consultation": run.consultation,
            "opts": Consultation._meta,
            "title": "Suggested themes",
            "run": run,
            "suggestions": [
                {
                    **s,
                    "size": len(s["comment_ids"]),
                    "representatives": [(pk, texts[pk]) for pk in s["representative_ids"] if pk in texts],
                    "error": errors.get(s["number"], (None, None))[0],
                    "typed": errors.get(s["number"], (None, s["name"]))[1],
                }
                for s in shown
            ],
            "merge_form": errors.get("merge") or MergeSuggestionsForm(open_ones),
            "may_merge": len(open_ones) >= 2,
            "discarded": sum(1 for s in run.suggestions if s["status"] == "discarded"),
        },
        status=status,
    )


@require_POST
@permission_required(roles.SUGGEST_THEMES, raise_exception=True)
def accept(request, consultation_id, run_id, number):
    run = the_run(consultation_id, run_id)
    form = AcceptSuggestionForm(request.POST)
    problem = None
    if form.is_valid():
        try:
            theme = suggestions.accept_suggestion(run, number, form.cleaned_data["name"], by=request.user)
        except suggestions.SuggestionRefused as refused:
            problem = str(refused)
        else:
            messages.success(request, f"“{theme}” added. Confirm or remove each comment it is suggested for, below.")
            return redirect("admin:guidance_theme_suggestions", theme.pk)
    else:
        problem = form.errors["name"][0]
    return run_page(
        request, consultation_id, run_id, errors={number: (problem, request.POST.get("name", ""))}, status=400
    )


@require_POST
@permission_required(roles.SUGGEST_THEMES, raise_exception=True)
def discard(request, consultation_id, run_id, number):
    run = the_run(consultation_id, run_id)
    try:
        suggestions.discard_suggestion(run, number)
    except suggestions.SuggestionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Suggestion discarded.")
    return redirect("admin:guidance_suggestion_run", consultation_id, run_id)


@require_POST
@permission_required(roles.SUGGEST_THEMES, raise_exception=True)
def merge(request, consultation_id, run_id):
    run = the_run(consultation_id, run_id)
    form = MergeSuggestionsForm([s for s in run.suggestions if s["status"] == "open"], request.POST)
    if form.is_valid():
        try:
            suggestions.merge_suggestions(run, form.cleaned_data["first"], form.cleaned_data["second"])
        except suggestions.SuggestionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, "The two suggestions are now one, at the end of the list.")
        return redirect("admin:guidance_suggestion_run", consultation_id, run_id)
    return run_page(request, consultation_id, run_id, errors={"merge": form}, status=400)


@permission_required(roles.SUGGEST_THEMES, raise_exception=True)
def review(request, theme_id, form=None, status=200):
    """A theme's suggested comments, to confirm or remove in bulk (tick boxes, two buttons)."""
    theme = get_object_or_404(Theme.objects.select_related("consultation"), pk=theme_id)
    waiting = list(suggestions.waiting_for_review(theme))
    coded = suggestions.coded_comments(theme).count()
    return staff_page(
        request,
        "admin/guidance/theme_suggestions.html",
        {
            "consultation": theme.consultation,
            "opts": Theme._meta,
            "title": f"Comments suggested for “{theme}”",
            "theme": theme,
            "waiting": waiting,
            "ticked": set(form.data.getlist("comments")) if form is not None else set(),
            "form": form,
            "coded": coded,
            "examples_needed": suggestions.EXAMPLES_NEEDED,
        },
        status=status,
    )


@require_POST
@permission_required(roles.SUGGEST_THEMES, raise_exception=True)
def decide(request, theme_id):
    theme = get_object_or_404(Theme, pk=theme_id)
    waiting = suggestions.waiting_for_review(theme).values_list("comment_id", flat=True)
    form = ReviewSuggestionsForm(list(waiting), request.POST)
    if not form.is_valid():
        return review(request, theme_id, form=form, status=400)
    ids = form.cleaned_data["comments"]
    if form.cleaned_data["decision"] == "confirm":
        done = suggestions.confirm_suggestions(theme, ids, by=request.user)
        messages.success(request, f"{done} comment(s) coded with “{theme}”.")
    else:
        done = suggestions.refuse_suggestions(theme, ids, by=request.user)
        messages.success(request, f"“{theme}” removed from {done} comment(s); it will not be suggested for them again.")
    return redirect("admin:guidance_theme_suggestions", theme.pk)


@require_POST
@permission_required(roles.SUGGEST_THEMES, raise_exception=True)
def by_example(request, theme_id):
    theme = get_object_or_404(Theme.objects.select_related("consultation"), pk=theme_id)
    try:
        found = suggestions.suggest_by_example(theme)
    except (suggestions.SuggestionRefused, ImproperlyConfigured) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"“{theme}” is suggested for {found} uncoded comment(s) like its coded ones, least sure first."
            if found
            else f"No uncoded comment is more like “{theme}” than like another theme.",
        )
    return redirect("admin:guidance_theme_suggestions", theme.pk)

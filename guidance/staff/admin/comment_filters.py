"""The comments list's filters: status (pending first), reported, this consultation's sections,
questions and themes (or none), and part of a campaign group."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Exists, OuterRef
from django.utils.text import Truncator

from guidance.models import (
    Comment,
    Question,
    Report,
    Section,
    Theme,
)
from guidance.moderation.campaigns import in_a_group
from guidance.responses.text import whole_number


class StatusFilter(admin.SimpleListFilter):
    """Status, opening on pending: the queue is what a moderator sees first."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Comment.Status.choices, (self.ALL, "All")]

    def value(self):
        return super().value() or Comment.Status.PENDING

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ReportedFilter(admin.SimpleListFilter):
    title = "reported by the public"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", "Reported"), ("no", "Not reported")]

    def queryset(self, request, queryset):
        # From the few reports, not by counting each comment's: the queue may hold a million.
        reported = Exists(Report.objects.filter(comment=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(reported)
        if self.value() == "no":
            return queryset.exclude(reported)
        return queryset


class OfConsultationFilter(admin.SimpleListFilter):
    """A choice among the chosen consultation's own sections, questions or themes: offered once
    a consultation is chosen, so the list never mixes several drafts' "Section 2" (nor reads the
    whole queue to find which are used)."""

    def consultation_id(self, request):
        return whole_number(request.GET.get("consultation__id__exact"))

    def lookups(self, request, model_admin):
        consultation_id = self.consultation_id(request)
        if consultation_id is not None:
            return [(str(pk), label) for pk, label in self.options(consultation=consultation_id)]
        # Chosen by a link (from a comment, say) without the consultation: offered alone.
        pk = whole_number(request.GET.get(self.parameter_name))
        return [(str(pk), label) for pk, label in self.options(pk=pk)] if pk is not None else []

    def queryset(self, request, queryset):
        pk = whole_number(self.value())
        return queryset if pk is None else queryset.filter(**{self.parameter_name: pk})


class SectionFilter(OfConsultationFilter):
    title = "section"
    parameter_name = "section__id__exact"

    def options(self, consultation=None, pk=None):
        sections = Section.objects.filter(**({"pk": pk} if pk else {"document__consultations": consultation}))
        return [(section.pk, f"{section.number}. {section.title}") for section in sections]


class QuestionFilter(OfConsultationFilter):
    title = "question"
    parameter_name = "question__id__exact"

    def options(self, consultation=None, pk=None):
        questions = Question.objects.filter(**({"pk": pk} if pk else {"consultation": consultation}))
        return [(question.pk, f"{question.number}. {Truncator(question.text).words(8)}") for question in questions]


class ThemeFilter(OfConsultationFilter):
    """A theme of the chosen consultation, or "No theme" (any consultation's comments not coded
    yet), each choice clearing the other."""

    title = "theme"
    parameter_name = "themes__id__exact"
    no_theme_parameter = "themes__isnull"

    def __init__(self, request, params, model, model_admin):
        # Taken out here, or the list would read it as a lookup of its own.
        no_theme = params.pop(self.no_theme_parameter, None)
        super().__init__(request, params, model, model_admin)
        if no_theme is not None:
            if no_theme[-1] != "True":
                raise IncorrectLookupParameters("“No theme” is chosen as themes__isnull=True.")
            self.used_parameters[self.no_theme_parameter] = no_theme[-1]

    def has_output(self):
        return True  # "No theme" is always a choice

    def expected_parameters(self):
        return [self.parameter_name, self.no_theme_parameter]

    def options(self, consultation=None, pk=None):
        return Theme.objects.filter(**({"pk": pk} if pk else {"consultation": consultation})).values_list("pk", "name")

    def queryset(self, request, queryset):
        if self.no_theme_parameter in self.used_parameters:
            # From the links, not by joining every comment: the queue may hold a million.
            queryset = queryset.exclude(Exists(Comment.themes.through.objects.filter(comment=OuterRef("pk"))))
        return super().queryset(request, queryset)

    def choices(self, changelist):
        both = [self.parameter_name, self.no_theme_parameter]
        chosen = self.value()
        no_theme = self.used_parameters.get(self.no_theme_parameter) == "True"
        yield {
            "selected": chosen is None and not no_theme,
            "query_string": changelist.get_query_string(remove=both),
            "display": "All",
        }
        yield {
            "selected": no_theme,
            "query_string": changelist.get_query_string({self.no_theme_parameter: "True"}, [self.parameter_name]),
            "display": "No theme",
        }
        for pk, name in self.lookup_choices:
            yield {
                "selected": chosen == pk,
                "query_string": changelist.get_query_string({self.parameter_name: pk}, [self.no_theme_parameter]),
                "display": name,
            }


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

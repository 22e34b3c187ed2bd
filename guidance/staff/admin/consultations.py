"""The ModelAdmins of a consultation and its document: sections, questions, themes. A document's
sections have their own pages too (guidance/staff/drafts.py)."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.text import Truncator

from guidance.models import (
    Consultation,
    Document,
    Question,
    Section,
    Theme,
)
from guidance.moderation.campaigns import assign_groups
from guidance.responses import answers
from guidance.staff import roles
from guidance.staff.admin.base import PersonalDataAdmin
from guidance.staff.forms import ConsultationForm, QuestionForm


@admin.register(Document)
class DocumentAdmin(PersonalDataAdmin):
    """A document's details; its sections have their own page (guidance/staff/drafts.py: edit,
    preview, reorder, add, remove, import from a file), linked from this one."""

    list_display = ["title", "version_label", "published_on", "section_count"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_sections=Count("sections"))

    @admin.display(description="Sections", ordering="n_sections")
    def section_count(self, document):
        return document.n_sections

    def response_add(self, request, obj, post_url_continue=None):
        # A new document's next step is its sections.
        if "_continue" not in request.POST and "_addanother" not in request.POST:
            return HttpResponseRedirect(reverse("admin:guidance_document_sections", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)


@admin.register(Section)
class SectionAdmin(PersonalDataAdmin):
    list_display = ["__str__", "document", "part"]
    list_filter = ["document", "part"]
    search_fields = ["title", "body"]
    list_select_related = ["document"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["document", "major", "minor", "part", "title", "slug", "body"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 20, "cols": 100})}}
    change_form_template = "admin/guidance/section/change_form.html"

    def after_saving(self, request, obj, response):
        """ "Save and preview" shows the section as the public will; saving returns to the document's sections."""
        if "_preview" in request.POST:
            return HttpResponseRedirect(reverse("admin:guidance_section_preview", args=[obj.pk]))
        if not {"_continue", "_addanother", "_saveasnew"} & set(request.POST):
            return HttpResponseRedirect(reverse("admin:guidance_document_sections", args=[obj.document_id]))
        return response

    def response_add(self, request, obj, post_url_continue=None):
        return self.after_saving(request, obj, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return self.after_saving(request, obj, super().response_change(request, obj))

    def response_delete(self, request, obj_display, obj_id):
        document_id = getattr(self, "_deleted_document_id", None)
        if document_id:
            return HttpResponseRedirect(reverse("admin:guidance_document_sections", args=[document_id]))
        return super().response_delete(request, obj_display, obj_id)

    def delete_model(self, request, obj):
        self._deleted_document_id = obj.document_id
        super().delete_model(request, obj)


class QuestionInline(admin.StackedInline):
    model = Question
    form = QuestionForm
    fields = ["position", "text", "hint", "kind", "option_lines", "offers_other", "explain_label", "required"]
    extra = 0
    # Stacked, each field full width: a row of three wide fields overflowed the page.
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 80})}}


@admin.register(Consultation)
class ConsultationAdmin(PersonalDataAdmin):
    """A consultation's settings and questions. A new one is a draft until it is published on its
    Publish page (guidance/staff/publishing.py). Its outcome is not written here but on its "You
    said, we did" pages (guidance/staff/replies.py), the one place for it."""

    list_display = ["title", "organisation", "opens_at", "closes_at", "state"]
    list_filter = ["publication", "organisation"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "opens_at"
    form = ConsultationForm
    exclude = ["outcome"]
    inlines = [QuestionInline]
    actions = ["find_campaigns"]

    @admin.action(description="Find campaigns and duplicates in the selected consultations", permissions=["moderate"])
    def find_campaigns(self, request, queryset):
        # Each comment joins its near-copies' group as it is stored; this recomputes every group
        # exactly, and compares the comments stored before that was so.
        groups = grouped = changed = 0
        for consultation in queryset:
            found_groups, found_grouped, found_changed = assign_groups(consultation)
            groups, grouped, changed = groups + found_groups, grouped + found_grouped, changed + found_changed
        in_groups = (
            f"{grouped} comment{pluralize(grouped)} {pluralize(grouped, 'is,are')} in {groups} group{pluralize(groups)}"
        )
        changed_group = f"{changed} comment{pluralize(changed)} changed group"
        self.message_user(request, f"{in_groups}; {changed_group}.", messages.SUCCESS)

    def has_moderate_permission(self, request):
        return request.user.has_perm(roles.MODERATE)

    @admin.display(description="Stage")
    def state(self, consultation):
        return consultation.get_stage_display()

    def response_add(self, request, obj, post_url_continue=None):
        # A new consultation is a draft: its next step is the Publish page, with its preview links.
        if "_continue" not in request.POST and "_addanother" not in request.POST:
            self.message_user(request, f"“{obj}” is saved as a draft: the public cannot see it until it is published.")
            return HttpResponseRedirect(reverse("admin:guidance_consultation_publish", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Question:
            # Each question's options follow its kind (guidance/responses/answers.py); the form checked
            # that no option answers chose goes.
            for question_form in formset.forms:
                question = question_form.instance
                if question.pk and question_form.cleaned_data and not question_form.cleaned_data.get("DELETE"):
                    answers.set_options(
                        question, question_form.option_labels(), question_form.cleaned_data.get("offers_other", False)
                    )


@admin.register(Question)
class QuestionAdmin(PersonalDataAdmin):
    list_display = ["number", "short_text", "consultation"]
    list_filter = ["consultation"]
    search_fields = ["text"]
    list_select_related = ["consultation"]

    @admin.display(description="Question")
    def short_text(self, question):
        return Truncator(question.text).chars(80)


@admin.register(Theme)
class ThemeAdmin(PersonalDataAdmin):
    list_display = ["name", "consultation", "description"]
    list_filter = ["consultation"]
    search_fields = ["name", "description"]

"""The ModelAdmins of a consultation and its document: sections, questions, themes. A document's
sections have their own pages too (guidance/staff/drafts.py)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.db import models
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.text import Truncator

from guidance.consultations import dates, sections
from guidance.models import (
    Consultation,
    Document,
    Question,
    Section,
    Theme,
)
from guidance.moderation.campaigns import assign_groups
from guidance.responses import answers
from guidance.responses.text import whole_number
from guidance.staff import roles
from guidance.staff.admin.base import PersonalDataAdmin
from guidance.staff.authoring_forms import ConsultationForm, QuestionForm, SectionForm


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
    """A section's own page. Once a consultation on its document has closed it is shown read-only
    and a change sent anyway is refused; once one has opened it cannot be removed
    (guidance/consultations/sections.py, which does every write)."""

    form = SectionForm
    list_display = ["__str__", "document", "part"]
    list_filter = ["document", "part"]
    search_fields = ["title", "body"]
    list_select_related = ["document"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["document", "major", "minor", "part", "title", "slug", "body"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 20, "cols": 100})}}
    change_form_template = "admin/guidance/section/change_form.html"

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and sections.change_refusal(obj.document))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and sections.removal_refusal(obj.document))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        section = self.get_object(request, unquote(object_id)) if object_id else None
        refusal = sections.change_refusal(section.document) if section else ""
        if refusal and request.method == "POST":
            return self.refused(request, section, refusal)
        notes = [refusal or (sections.removal_refusal(section.document) if section else "")]
        try:
            return super().changeform_view(
                request, object_id, form_url, {**(extra_context or {}), "record_notes": [n for n in notes if n]}
            )
        except sections.RecordHolds as held:  # the consultation closed while the page was being sent
            return self.refused(request, section, str(held))

    def delete_view(self, request, object_id, extra_context=None):
        section = self.get_object(request, unquote(object_id))
        refusal = sections.removal_refusal(section.document) if section else ""
        if refusal:
            return self.refused(request, section, refusal, removing=True)
        try:
            return super().delete_view(request, object_id, extra_context)
        except sections.RecordHolds as held:
            return self.refused(request, section, str(held), removing=True)

    def changelist_view(self, request, extra_context=None):
        # Removing the sections ticked in the list: refused as a whole if any may not be removed.
        if request.method == "POST" and request.POST.get("action") == "delete_selected":
            ticked = Section.objects.filter(
                pk__in=[whole_number(pk) for pk in request.POST.getlist(ACTION_CHECKBOX_NAME) if whole_number(pk)]
            ).select_related("document")
            for section in ticked:
                refusal = sections.removal_refusal(section.document)
                if refusal:
                    self.message_user(
                        request,
                        f"Nothing was removed: section {section.number} “{section.title}” of “{section.document}” "
                        f"stays. {refusal}",
                        messages.ERROR,
                    )
                    return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)

    def refused(self, request, section, refusal, removing=False):
        """Back to the page the change came from, saying why nothing changed."""
        done = "was not removed" if removing else "was not changed"
        self.message_user(request, f"Section {section.number} “{section.title}” {done}. {refusal}", messages.ERROR)
        if removing:
            return HttpResponseRedirect(reverse("admin:guidance_document_sections", args=[section.document_id]))
        return HttpResponseRedirect(reverse("admin:guidance_section_change", args=[section.pk]))

    def save_model(self, request, obj, form, change):
        sections.save(obj)

    def delete_model(self, request, obj):
        self._deleted_document_id = obj.document_id
        sections.remove(obj)

    def delete_queryset(self, request, queryset):
        for section in queryset.select_related("document"):
            sections.remove(section)

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

    form = ConsultationForm
    list_display = ["title", "organisation", "opens_at", "closes_at", "state"]
    list_filter = ["publication", "organisation"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "opens_at"
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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except dates.NeedsConfirming as unconfirmed:
            # The consultation opened or closed by itself between the form's check and saving.
            self.message_user(
                request, f"Nothing was saved. {unconfirmed} Check the dates and save again.", messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # A change of a published consultation's dates is confirmed on the form and recorded.
        dates.save_consultation(obj, by=request.user, confirmed=request.POST.get(ConsultationForm.CONFIRM, ""))

    def history_view(self, request, object_id, extra_context=None):
        consultation = self.get_object(request, unquote(object_id))
        changes = list(consultation.date_changes.select_related("changed_by")) if consultation else []
        for change in changes:
            change.effect = dates.effect(change.state_before, change.state_after)
        return super().history_view(request, object_id, {**(extra_context or {}), "date_changes": changes})

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

"""Responses: online ones read-only, and those received by email, post, at an event or on social
media typed in by staff with their comments and answers."""

from django import forms
from django.contrib import admin
from django.db import models

from guidance.models import (
    Comment,
    Consultation,
    Response,
)
from guidance.privacy.personal_data import may_see_personal_data
from guidance.staff.admin.base import PersonalDataAdmin

# Responses and the moderation queue. Status changes only through guidance.moderation.decisions.decide:
# the actions and the buttons on a comment's page call it; no form has a status field.


def is_online(response):
    return response is not None and response.channel == Response.Channel.ONLINE


class CommentInlineForm(forms.ModelForm):
    """One comment or answer typed in with a response received offline."""

    def clean(self):
        cleaned = super().clean()
        comment = self.instance
        if comment.pk and comment.status != Comment.Status.PENDING and self.has_changed():
            raise forms.ValidationError(
                "This comment has been moderated, so it cannot be changed here. Return it to pending first."
            )
        # The inline's response field gives the parent response, saved or not yet.
        consultation_id = getattr(cleaned.get("response"), "consultation_id", None)
        section, question = cleaned.get("section"), cleaned.get("question")
        if (
            consultation_id
            and section
            and not Consultation.objects.filter(pk=consultation_id, document_id=section.document_id).exists()
        ):
            self.add_error("section", "Choose a section of this consultation's draft.")
        if consultation_id and question and question.consultation_id != consultation_id:
            self.add_error("question", "Choose one of this consultation's questions.")
        return cleaned


class SectionCommentInline(admin.StackedInline):
    model = Comment
    form = CommentInlineForm
    fields = ["section", "text", "status"]
    readonly_fields = ["status"]
    extra = 1
    can_delete = False
    verbose_name = "comment on a section"
    verbose_name_plural = "comments on sections"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(section__isnull=False).select_related("section")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        field.required = True
        return field

    # An online response is kept as it was sent (ResponseAdmin.has_change_permission), so its
    # comments are not offered for adding or changing either.
    def has_add_permission(self, request, obj=None):
        return not is_online(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not is_online(obj) and super().has_change_permission(request, obj)


class AnswerInline(SectionCommentInline):
    fields = ["question", "text", "status"]
    verbose_name = "answer to a question"
    verbose_name_plural = "answers to questions"

    def get_queryset(self, request):
        return super(SectionCommentInline, self).get_queryset(request).filter(question__isnull=False)


@admin.register(Response)
class ResponseAdmin(PersonalDataAdmin):
    """Online responses are read-only here; staff with the right permission add responses that
    arrived by email, post, at an event or on social media, with their comments and answers."""

    list_display = [
        "reference",
        "name",
        "email",
        "organisation",
        "consultation",
        "channel",
        "respondent_type",
        "consent",
        "submitted_at",
        "entered_by",
    ]
    list_filter = ["consultation", "channel", "respondent_type", "consent"]
    list_select_related = ["consultation", "entered_by"]
    search_fields = ["reference", "name", "email", "organisation"]
    date_hierarchy = "submitted_at"
    inlines = [SectionCommentInline, AnswerInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_fields(self, request, obj=None):
        fields = ["consultation", "channel", "submitted_at", "respondent_type", "consent"]
        fields += Response.PERSONAL_DATA_FIELDS
        if not may_see_personal_data(request.user):
            # The name the respondent agreed to publish is no secret.
            fields.append("public_name")
        if obj:
            fields = ["reference", *fields, "entered_by", "anonymised_at"]
        # PersonalDataAdmin leaves out what this member of staff may not see.
        return self.only_visible(request, fields)

    def get_readonly_fields(self, request, obj=None):
        return ["reference", "public_name", "entered_by", "anonymised_at"]

    def has_change_permission(self, request, obj=None):
        # What someone sent online stays as they sent it.
        if is_online(obj):
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "channel":
            kwargs["choices"] = [c for c in Response.Channel.choices if c[0] != Response.Channel.ONLINE]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    @admin.display(description="Name shown to the public")
    def public_name(self, response):
        return response.public_name

    def save_model(self, request, obj, form, change):
        if not change:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for comment in formset.save(commit=False):
            comment.consultation_id = form.instance.consultation_id
            comment.save()
        formset.save_m2m()

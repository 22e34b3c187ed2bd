"""Responses: online ones read-only, and those received by email, post, at an event or on social
media typed in by staff with their comments and answers, an answer with the options chosen
(guidance/responses/received.py stores them)."""

from django import forms
from django.contrib import admin
from django.db import models

from guidance.models import (
    Comment,
    Consultation,
    Question,
    Response,
)
from guidance.privacy.personal_data import may_see_personal_data
from guidance.public.form_fields import PlainTextField
from guidance.responses import answers, received
from guidance.responses.text import whole_number
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


class OptionsByQuestion(forms.CheckboxSelectMultiple):
    """Checkboxes of the options of several questions, each question's in a fieldset of its own."""

    template_name = "admin/widgets/options_by_question.html"


class AnswerInlineForm(CommentInlineForm):
    """An answer typed in: its question, the options chosen (of the consultation's choice and
    agreement questions, each question's under its own heading), the words for "Other" and what
    they wrote. The options follow the online form's rules (guidance/responses/answers.py
    received_answer); the words are kept whatever the question's form offers."""

    chosen = forms.MultipleChoiceField(
        label="Answers chosen",
        required=False,
        widget=OptionsByQuestion,
        help_text="Tick what they chose, under the question chosen above. Leave them all empty if they chose nothing.",
    )
    other = PlainTextField(label="Their words for “Other”", required=False, max_length=500)
    # The choice and agreement questions whose options are offered (AnswerInline.get_formset).
    questions = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        many = len({question.consultation_id for question in self.questions}) > 1
        self.fields["chosen"].choices = [
            (
                f"{question.consultation}: {question.number}. {question.text}"
                if many
                else f"{question.number}. {question.text}",
                [(str(option.pk), option.label) for option in answers.offered_options(question)],
            )
            for question in self.questions
        ]
        if self.instance.pk:
            self.initial["chosen"] = [str(pk) for pk in self.instance.options.values_list("pk", flat=True)]
            self.initial["other"] = self.instance.other_text
        if not self.questions:
            del self.fields["chosen"]
        if not any(option.is_other for question in self.questions for option in question.options.all()):
            del self.fields["other"]

    def clean(self):
        cleaned = super().clean()
        question = cleaned.get("question")
        if question is None:
            return cleaned
        try:
            self.answer = answers.received_answer(
                question, cleaned.get("chosen", ()), cleaned.get("other", ""), cleaned.get("text", "")
            )
        except answers.AnswerRefused as refusal:
            # Comment.clean: what was ticked is the trouble, not the missing words.
            self.instance.chosen_options = bool(cleaned.get("chosen"))
            self.add_error(*self.refusal(question, refusal, cleaned.get("chosen", ())))
            return cleaned
        # Comment.clean: an answer of options alone needs no words.
        self.instance.chosen_options = bool(self.answer.options)
        return cleaned

    def refusal(self, question, refusal, chosen):
        """(field, message) saying, in the staff's words, why what was ticked is not an answer."""
        if refusal.part == "other":
            return ("other" if "other" in self.fields else "chosen"), "Say what their other answer is"
        if not question.has_options:
            return "chosen", f"{question.number} is answered in words only: tick nothing"
        if set(chosen) <= {str(option.pk) for option in answers.offered_options(question)}:
            return "chosen", f"{question.number} takes one answer: tick one"
        return "chosen", f"Tick answers to {question.number} only, the question chosen above"


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
    form = AnswerInlineForm
    verbose_name = "answer to a question"
    verbose_name_plural = "answers to questions"

    def get_queryset(self, request):
        return super(SectionCommentInline, self).get_queryset(request).filter(question__isnull=False)

    def offered_questions(self, request, obj):
        """The choice and agreement questions whose options are offered: the response's
        consultation's; or, while it is being entered, those of the consultation chosen in the form
        sent or given in the address (?consultation=3); or, before any is chosen, every one's."""
        if not hasattr(request, "offered_questions"):
            consultation_id = obj.consultation_id if obj else whole_number(request.POST.get("consultation", ""))
            if consultation_id is None:
                consultation_id = whole_number(request.GET.get("consultation", ""))
            questions = Question.objects.exclude(kind=Question.Kind.TEXT).select_related("consultation")
            if consultation_id is not None:
                questions = questions.filter(consultation_id=consultation_id)
            request.offered_questions = list(questions.prefetch_related("options").order_by("consultation", "position"))
        return request.offered_questions

    def get_fields(self, request, obj=None):
        questions = self.offered_questions(request, obj)
        offers_other = any(option.is_other for question in questions for option in question.options.all())
        return ["question", *(["chosen"] if questions else []), *(["other"] if offers_other else []), "text", "status"]

    def get_formset(self, request, obj=None, **kwargs):
        form = type("AnswerInlineForm", (AnswerInlineForm,), {"questions": self.offered_questions(request, obj)})
        return super().get_formset(request, obj, form=form, **kwargs)


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
        entered = {id(inline.instance): getattr(inline, "answer", None) for inline in formset.forms}
        for comment in formset.save(commit=False):
            comment.consultation_id = form.instance.consultation_id
            received.save_entered(comment, entered.get(id(comment)) or comment.text)
        formset.save_m2m()

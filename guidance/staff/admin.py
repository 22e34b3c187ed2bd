from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timesince import timesince

from guidance.models import (
    Comment,
    Consultation,
    Document,
    Erasure,
    ExportRecord,
    ModerationEvent,
    Outcome,
    Question,
    Report,
    Response,
    Section,
    StaffNote,
    Theme,
)
from guidance.moderation.campaigns import assign_groups, in_a_group, whole_groups, with_group_size
from guidance.moderation.decisions import ALLOWED, may_read_notes, with_last_event
from guidance.privacy.personal_data import may_see_personal_data, personal_field_reached
from guidance.responses import answers
from guidance.responses.text import whole_number
from guidance.staff import analysis, exporting
from guidance.staff.forms import QuestionForm
from guidance.staff.moderation import DECISIONS, decide_from_queue
from guidance.staff.site import CheckedFilters


class PersonalDataAdmin(CheckedFilters, admin.ModelAdmin):
    """The base of every ModelAdmin of the portal. Staff without the permission to see personal
    data (guidance/privacy/personal_data.py) neither see those fields nor learn them indirectly: a field
    is left out of lists, change pages and search, and a filter in the address that reaches one
    (`?email__startswith=a`, `?response__organisation__regex=...`, and so on) is refused with a 400
    page, as Django refuses lookups across relations it does not offer.

    A filter that cannot be run (guidance/staff/site.py, CheckedFilters) is refused with a 400 page
    saying so, as it is on every list of the admin."""

    def may_see_field(self, request, name):
        return may_see_personal_data(request.user) or not personal_field_reached(self.model, name)

    def only_visible(self, request, names):
        return [name for name in names if not isinstance(name, str) or self.may_see_field(request, name)]

    def get_fields(self, request, obj=None):
        return self.only_visible(request, super().get_fields(request, obj))

    def get_list_display(self, request):
        return self.only_visible(request, super().get_list_display(request))

    def get_search_fields(self, request):
        return [name for name in super().get_search_fields(request) if self.may_see_field(request, name.lstrip("^=@"))]

    def get_list_filter(self, request):
        def visible(item):
            name = item[0] if isinstance(item, tuple) else item
            return not isinstance(name, str) or self.may_see_field(request, name)

        return [item for item in super().get_list_filter(request) if visible(item)]

    def lookup_allowed(self, lookup, value, request):
        return self.may_see_field(request, lookup) and super().lookup_allowed(lookup, value, request)

    def filter_problem(self, request):
        """What is wrong with the list's filters and search in the address, or None."""
        for key in request.GET:
            if not self.may_see_field(request, key):
                return "Filtering by personal data needs the permission to see personal data."
        return super().filter_problem(request)


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


class OutcomeInline(admin.StackedInline):
    """What was done about one section or question. What was done about a theme or a single
    comment is written on the consultation's "You said, we did" pages."""

    model = Outcome
    fields = ["section", "question", "kind", "text"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).filter(theme__isnull=True, comment__isnull=True)

    def get_formset(self, request, obj=None, **kwargs):
        # Only this consultation's own sections and questions are offered (Outcome.clean refuses
        # others); a new consultation has none yet.
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        fields["section"].queryset = Section.objects.filter(document_id=obj.document_id if obj else None)
        fields["question"].queryset = Question.objects.filter(consultation=obj.pk if obj else None)
        return formset


@admin.register(Consultation)
class ConsultationAdmin(PersonalDataAdmin):
    """A consultation's settings and questions. A new one is a draft until it is published on its
    Publish page (guidance/staff/publishing.py)."""

    list_display = ["title", "organisation", "opens_at", "closes_at", "state"]
    list_filter = ["publication", "organisation"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "opens_at"
    inlines = [QuestionInline, OutcomeInline]
    actions = ["find_campaigns"]

    @admin.action(description="Find campaigns and duplicates in the selected consultations", permissions=["moderate"])
    def find_campaigns(self, request, queryset):
        # New comments arrive all the time; grouping is recounted on request (or by the
        # find_campaigns command on a schedule), not on every submission.
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
        return request.user.has_perm("guidance.moderate_comment")

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
        if formset.model is Outcome:
            # Who wrote each outcome last, as guidance/outcomes/replies.py records for the others.
            written = [f.instance.pk for f in formset.forms if f.instance.pk and f.has_changed()]
            Outcome.objects.filter(pk__in=written).update(written_by=request.user, written_at=timezone.now())
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
    title = "theme"
    parameter_name = "themes__id__exact"

    def options(self, consultation=None, pk=None):
        return Theme.objects.filter(**({"pk": pk} if pk else {"consultation": consultation})).values_list("pk", "name")


class ModerationEventInline(admin.TabularInline):
    """The comment's history, read-only for everyone."""

    template = "admin/guidance/readonly_tabular.html"
    model = ModerationEvent
    fields = ["at", "from_status", "to_status", "decided_by", "reason_code", "reason", "earlier_text"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "decision"
    verbose_name_plural = "history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    @admin.display(description="by")
    def decided_by(self, event):
        if event.by_respondent:
            return "The respondent"
        return event.by or "The system"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("guidance.view_comment") or request.user.has_perm("guidance.change_comment")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReportInline(ModerationEventInline):
    model = Report
    fields = ["created_at", "reason", "details"]
    readonly_fields = fields
    verbose_name = "report from the public"
    verbose_name_plural = "reports from the public"

    def get_queryset(self, request):
        return Report.objects.filter(pk__in=super(ModerationEventInline, self).get_queryset(request))


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


class StaffNoteInline(ModerationEventInline):
    """Moderators' private notes, part of the comment's history; shown only to those who may read
    them (guidance.moderation.decisions.may_read_notes) and written on the moderation screen."""

    model = StaffNote
    fields = ["at", "by", "text"]
    readonly_fields = fields
    verbose_name = "staff note"
    verbose_name_plural = "staff notes (never public)"

    def has_view_permission(self, request, obj=None):
        return may_read_notes(request.user)


@admin.register(Comment)
class CommentAdmin(PersonalDataAdmin):
    """The moderation queue: pending first, oldest first."""

    list_display = [
        "short_text",
        "target",
        "respondent_summary",
        "age",
        "report_count",
        "group_size",
        "status",
    ]
    list_filter = [
        StatusFilter,
        "consultation",
        SectionFilter,
        QuestionFilter,
        ThemeFilter,
        PartOfGroupFilter,
        ReportedFilter,
        "response__respondent_type",
        "response__channel",
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["text", "response__reference"]
    search_help_text = "Search the text of comments, or find a response by its reference (such as K7MC-4XPA)."
    list_select_related = ["response", "section", "question"]
    ordering = ["created_at", "pk"]
    list_per_page = 50
    # Counting every comment as well as the filtered ones costs a scan of the whole table.
    show_full_result_count = False
    actions = [
        "approve",
        "reject",
        "mark_as_spam",
        "return_to_pending",
        "approve_groups",
        "reject_groups",
        "mark_groups_as_spam",
        "apply_theme",
        "export_selected_comments",
    ]
    inlines = [ModerationEventInline, StaffNoteInline, ReportInline]
    change_form_template = "admin/guidance/comment/change_form.html"

    # What the list is, by the status it shows (StatusFilter opens on pending).
    TITLES = {
        Comment.Status.PENDING: "Moderation queue: comments waiting for a decision",
        Comment.Status.APPROVED: "Approved comments",
        Comment.Status.REJECTED: "Rejected comments",
        Comment.Status.SPAM: "Comments marked as spam",
        Comment.Status.WITHDRAWN: "Comments withdrawn by their respondents",
        StatusFilter.ALL: "All comments",
    }

    def changelist_view(self, request, extra_context=None):
        status = request.GET.get(StatusFilter.parameter_name) or Comment.Status.PENDING
        consultation_id = whole_number(request.GET.get("consultation__id__exact"))
        extra_context = {
            "title": self.TITLES.get(status, "Comments"),
            # The queue's width is for the comments; the home page and breadcrumbs lead elsewhere.
            "is_nav_sidebar_enabled": False,
            "moderated_consultation": (
                Consultation.objects.filter(pk=consultation_id).first() if consultation_id is not None else None
            ),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def has_delete_permission(self, request, obj=None):
        # A comment with a history stays: its decisions are the audit trail.
        if obj is not None and obj.events.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_fields(self, request, obj=None):
        fields = ["reference", "consultation", "target", "text", "respondent"]
        if obj is not None and obj.question_id:
            fields.insert(3, "chosen")
        if may_see_personal_data(request.user):
            fields.append("personal_data")
        return [*fields, "status", "reason_code", "reason", "moderated_by", "moderated_at", "themes"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "themes" in form.base_fields:
            form.base_fields["themes"].queryset = Theme.objects.filter(consultation_id=obj.consultation_id)
        return form

    def get_readonly_fields(self, request, obj=None):
        # Only the themes are edited on this page; status moves through the decisions.
        return [f for f in self.get_fields(request, obj) if f != "themes"]

    def get_queryset(self, request):
        reports = Report.objects.filter(comment=OuterRef("pk")).order_by().values("comment").annotate(n=Count("pk"))
        queryset = super().get_queryset(request).annotate(report_count=Coalesce(Subquery(reports.values("n")), 0))
        return with_last_event(with_group_size(queryset))

    def has_add_permission(self, request):
        # Comments come with their response: online, or entered on the response's page.
        return False

    def has_moderate_permission(self, request):
        return request.user.has_perm("guidance.moderate_comment")

    def has_export_permission(self, request):
        return request.user.has_perm(exporting.EXPORT_PERMISSION)

    @admin.display(description="Comment")
    def short_text(self, comment):
        # Enough to decide on most comments from the list; the comment's page has all of it.
        return Truncator(comment.text).words(50)

    @admin.display(description="On", ordering="section__major")
    def target(self, comment):
        if comment.section_id:
            return f"Section {comment.section.number}: {comment.section.title}"
        return f"Question {comment.question.position}"

    @admin.display(description="Chose")
    def chosen(self, comment):
        # What a choice question's answer chose, with any "Other" words: published with the text.
        return answers.LABEL_SEPARATOR.join(answers.chosen_labels([comment.pk]).get(comment.pk, [])) or "Nothing"

    @admin.display(description="Respondent", ordering="response__respondent_type")
    def respondent_summary(self, comment):
        # One column for three short facts: the queue's width is for the comments.
        response = comment.response
        return format_html(
            "{}<br>{}<br>{}",
            response.get_respondent_type_display(),
            response.get_channel_display(),
            response.get_consent_display(),
        )

    @admin.display(description="Age", ordering="created_at")
    def age(self, comment):
        return timesince(comment.created_at, depth=1)

    @admin.display(description="Reports", ordering="report_count")
    def report_count(self, comment):
        return comment.report_count

    @admin.display(description="Response")
    def reference(self, comment):
        return comment.response.reference

    @admin.display(description="Respondent")
    def respondent(self, comment):
        response = comment.response
        return (
            f"{response.public_name} · {response.get_respondent_type_display()} · "
            f"{response.get_channel_display()} · {response.get_consent_display()}"
        )

    @admin.display(description="Personal data")
    def personal_data(self, comment):
        values = [getattr(comment.response, field) for field in Response.PERSONAL_DATA_FIELDS]
        return " · ".join(value for value in values if value) or "None given"

    # The decisions, as bulk actions on the queue.

    @admin.action(description="Approve the selected comments", permissions=["moderate"])
    def approve(self, request, queryset):
        return decide_from_queue(request, queryset, Comment.Status.APPROVED)

    @admin.action(description="Reject the selected comments…", permissions=["moderate"])
    def reject(self, request, queryset):
        return decide_from_queue(request, queryset, Comment.Status.REJECTED)

    @admin.action(description="Mark the selected comments as spam…", permissions=["moderate"])
    def mark_as_spam(self, request, queryset):
        return decide_from_queue(request, queryset, Comment.Status.SPAM)

    @admin.action(description="Return the selected comments to pending", permissions=["moderate"])
    def return_to_pending(self, request, queryset):
        return decide_from_queue(request, queryset, Comment.Status.PENDING)

    # Campaigns: one decision for every pending comment in the selected comments' groups, each
    # listed on a page of its own first (the queue did not show them).

    @admin.action(description="Approve the whole group of each selected comment…", permissions=["moderate"])
    def approve_groups(self, request, queryset):
        return decide_from_queue(request, whole_groups(queryset).pending(), Comment.Status.APPROVED, whole_groups=True)

    @admin.action(description="Reject the whole group of each selected comment…", permissions=["moderate"])
    def reject_groups(self, request, queryset):
        return decide_from_queue(request, whole_groups(queryset).pending(), Comment.Status.REJECTED, whole_groups=True)

    @admin.action(description="Mark the whole group of each selected comment as spam…", permissions=["moderate"])
    def mark_groups_as_spam(self, request, queryset):
        return decide_from_queue(request, whole_groups(queryset).pending(), Comment.Status.SPAM, whole_groups=True)

    def action_checkbox(self, comment):
        # Beside each comment's box, the last event of the history the list shows it with: a
        # decision on it is refused if that has changed (guidance.moderation.decisions.check_as_shown).
        shown = format_html('<input type="hidden" name="shown" value="{}:{}">', comment.pk, comment.last_event_id or 0)
        return super().action_checkbox(comment) + shown

    @admin.action(description="Apply a theme to the selected comments", permissions=["change"])
    def apply_theme(self, request, queryset):
        return analysis.apply_theme(self, request, queryset)

    @admin.action(description="Export selected comments to CSV", permissions=["export"])
    def export_selected_comments(self, request, queryset):
        return exporting.export_selected(self, request, queryset)

    # The queue's campaign column and filter.

    @admin.display(description="Group size", ordering="group_size")
    def group_size(self, comment):
        """Needs the queryset annotated by guidance.moderation.campaigns.with_group_size (get_queryset)."""
        return comment.group_size if comment.group_size > 1 else "–"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        comment = self.get_object(request, object_id)
        decisions = []
        if comment is not None and self.has_moderate_permission(request):
            decisions = [(status, DECISIONS[status][0]) for status in ALLOWED[Comment.Status(comment.status)]]
            decisions.sort(key=lambda d: list(DECISIONS).index(d[0]))
        withdrawn_at = None
        if comment is not None and comment.status == Comment.Status.WITHDRAWN:
            withdrawn = comment.events.filter(to_status=Comment.Status.WITHDRAWN).order_by("-at").first()
            withdrawn_at = withdrawn.at if withdrawn else None
        extra_context = {**(extra_context or {}), "decisions": decisions, "withdrawn_at": withdrawn_at}
        return super().change_view(request, object_id, form_url, extra_context)


class ReadOnlyAdmin(PersonalDataAdmin):
    """For audit records: they are written by the portal and never edited or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdmin):
    list_display = ["comment", "from_status", "to_status", "by", "by_respondent", "at", "reason"]
    list_filter = ["to_status", "from_status", "by_respondent"]
    search_fields = ["comment__response__reference", "reason"]
    list_select_related = ["comment__response", "comment__section", "comment__question", "by"]
    date_hierarchy = "at"


@admin.register(Report)
class ReportAdmin(PersonalDataAdmin):
    """Reports come from the public only: none is added here."""

    list_display = ["comment", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["details", "comment__response__reference"]
    list_select_related = ["comment__response", "comment__section", "comment__question"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Theme)
class ThemeAdmin(PersonalDataAdmin):
    list_display = ["name", "consultation", "description"]
    list_filter = ["consultation"]
    search_fields = ["name", "description"]


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "consultation", "by", "layout", "row_count", "with_personal_data"]
    list_filter = ["consultation", "with_personal_data", "layout"]
    list_select_related = ["consultation", "by"]
    date_hierarchy = "at"


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    list_display = ["at", "consultation", "scope", "response_count", "by"]
    list_filter = ["consultation", "scope"]
    search_fields = ["references", "reason"]
    list_select_related = ["consultation", "by"]
    date_hierarchy = "at"

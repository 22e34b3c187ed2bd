"""The comments list: the moderation queue, its filters and bulk decisions, and a comment's own
page with its history, notes and reports."""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR, ChangeList
from django.core.paginator import Paginator
from django.db.models import Count, FloatField, OuterRef, Subquery, Value, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.timesince import timesince

from guidance.analysis.quotes import quotable
from guidance.analysis.themes import set_themes
from guidance.models import (
    Comment,
    CommentQuerySet,
    Consultation,
    ModerationEvent,
    Report,
    Response,
    StaffNote,
    Theme,
    normalise_reference,
)
from guidance.moderation import words
from guidance.moderation.campaigns import whole_groups, with_group_size
from guidance.moderation.decisions import ALLOWED, MAY_REDACT, may_read_notes, may_read_redacted, with_last_event
from guidance.privacy.personal_data import may_see_personal_data
from guidance.responses import answers
from guidance.responses.text import whole_number
from guidance.staff import analysis, exporting, quotes, roles
from guidance.staff.admin.base import PersonalDataAdmin
from guidance.staff.admin.comment_filters import (
    PartOfGroupFilter,
    QuestionFilter,
    ReportedFilter,
    SectionFilter,
    StatusFilter,
    ThemeFilter,
)
from guidance.staff.moderation import decide_from_queue


class ModerationEventInline(admin.TabularInline):
    """The comment's history, read-only for everyone; the original of a redacted comment only
    for staff allowed to see personal data (guidance.moderation.decisions.may_read_redacted)."""

    template = "admin/guidance/readonly_tabular.html"
    model = ModerationEvent
    fields = ["at", "what", "from_status", "to_status", "decided_by", "reason_code", "reason", "earlier_text"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "decision"
    verbose_name_plural = "history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def get_fields(self, request, obj=None):
        if may_read_redacted(request.user):
            return super().get_fields(request, obj)
        return ["earlier_text_unless_redacted" if name == "earlier_text" else name for name in self.fields]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="what happened")
    def what(self, event):
        return event.description

    @admin.display(description="earlier text")
    def earlier_text_unless_redacted(self, event):
        if event.redacted:
            return "The comment as written: shown only to staff allowed to see personal data."
        return event.earlier_text

    @admin.display(description="by")
    def decided_by(self, event):
        if event.by_respondent:
            return "The respondent"
        return event.by or "The system"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(roles.VIEW_COMMENTS) or request.user.has_perm(roles.CHANGE_COMMENTS)

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


class SearchResultsPaginator(Paginator):
    """The pages of a search's matches, counted up to COUNTED_AT_MOST and no further: counting
    every match of a common word reads a fifth of the comments, for a figure nobody needs exactly.
    Beyond it the list says "more than 10,000" and pages through the first 10,000."""

    COUNTED_AT_MOST = 10_000

    @cached_property
    def matches(self):
        """How many match, up to COUNTED_AT_MOST + 1."""
        return self.object_list.order_by().values("pk")[: self.COUNTED_AT_MOST + 1].count()

    @cached_property
    def count(self):
        return min(self.matches, self.COUNTED_AT_MOST)

    @property
    def more_than_counted(self):
        return self.matches > self.COUNTED_AT_MOST

    @property
    def counted_at_most(self):
        """As the page writes it: 10,000."""
        return f"{self.COUNTED_AT_MOST:,}"


class CommentChangeList(ChangeList):
    """The queue's page, its comments read with their themes in one more query (the Themes column)."""

    def get_results(self, request):
        super().get_results(request)
        prefetch_related_objects(self.result_list, "themes")
        # Comment.objects.search lists more than SEARCH_RANKED_AT_MOST matches newest first,
        # not best first: the page says so (change_list.html), unless a column sets the order.
        # (Told by the paginator's count, which goes past SEARCH_RANKED_AT_MOST: 10,000 > 1,000.)
        self.ranked_at_most = f"{CommentQuerySet.SEARCH_RANKED_AT_MOST:,}"
        self.newest_first = (
            isinstance(self.paginator, SearchResultsPaginator)
            and not self.params.get(ORDER_VAR)
            and self.paginator.matches > CommentQuerySet.SEARCH_RANKED_AT_MOST
        )


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
        "theme_names",
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
    # Searched by get_search_results: this list only says what, for the search box and personal data.
    search_fields = ["text", "response__reference"]
    search_help_text = (
        "Search the words of comments: “pay” also finds “pays” and “paying”; put a phrase in quotes, "
        "such as “plain English”; -word leaves out comments with that word. Or find a response by its "
        "reference (such as K7MC-4XPA)."
    )
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
        "mark_quotable",
        "unmark_quotable",
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

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if request.GET.get(SEARCH_VAR, "").strip():
            return SearchResultsPaginator(queryset, per_page, orphans, allow_empty_first_page)
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    def get_search_results(self, request, queryset, search_term):
        """A response's reference finds its comments; anything else searches the comments' words
        (Comment.objects.search: full-text on PostgreSQL), best match first (newest first when there
        are more than SEARCH_RANKED_AT_MOST), within the filters."""
        if not search_term.strip():
            return queryset, False
        # As typed (a reference from before today's format) or written the usual way ("k7mc 4xpa").
        references = {search_term.strip(), normalise_reference(search_term)} - {None}
        if Response.objects.filter(reference__in=references).exists():
            found = queryset.filter(response__reference__in=references)
            return found.annotate(search_rank=Value(0.0, output_field=FloatField())), False
        found = queryset.search(search_term)
        if request.GET.get(ORDER_VAR):
            # A column's heading was chosen to sort by: its order, not the best match first.
            found = found.order_by(*queryset.query.order_by)
        return found, False

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

    def get_fieldsets(self, request, obj=None):
        # The themes in a group of their own, under a heading that names the tick boxes.
        fields = self.get_fields(request, obj)
        return [
            (None, {"fields": [field for field in fields if field != "themes"]}),
            ("Themes", {"fields": ["themes"]}),
        ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "themes" in form.base_fields:
            # A box for each of this consultation's themes: ticking one adds it and leaves the
            # others, as a click in a multiple select list (which replaces the choice) would not.
            field = form.base_fields["themes"]
            field.widget = forms.CheckboxSelectMultiple()
            field.queryset = Theme.objects.filter(consultation_id=obj.consultation_id)
            field.help_text = "Tick each theme the comment is about; untick one to take it off."
        return form

    def save_model(self, request, obj, form, change):
        # Only the themes are edited here (save_related): the comment's own row is left alone, so
        # that a decision made while the page was open is never written back over.
        pass

    def save_related(self, request, form, formsets, change):
        if "themes" in form.cleaned_data:
            set_themes(form.instance, form.cleaned_data["themes"])
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_readonly_fields(self, request, obj=None):
        # Only the themes are edited on this page; status moves through the decisions.
        return [f for f in self.get_fields(request, obj) if f != "themes"]

    def get_changelist(self, request, **kwargs):
        return CommentChangeList

    def get_queryset(self, request):
        reports = Report.objects.filter(comment=OuterRef("pk")).order_by().values("comment").annotate(n=Count("pk"))
        queryset = super().get_queryset(request).annotate(report_count=Coalesce(Subquery(reports.values("n")), 0))
        return with_last_event(with_group_size(queryset))

    def has_add_permission(self, request):
        # Comments come with their response: online, or entered on the response's page.
        return False

    def has_moderate_permission(self, request):
        return request.user.has_perm(roles.MODERATE)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # Each row shows its answer's choices: the options of the whole page in one query.
        changelist.result_list = answers.with_chosen_options(changelist.result_list)
        return changelist

    def has_export_permission(self, request):
        return request.user.has_perm(roles.EXPORT)

    @admin.display(description="Comment")
    def short_text(self, comment):
        # Enough to decide on most comments from the list (an answer's choices, then its first 50
        # words); the comment's page has all of it.
        return render_to_string("includes/answer.html", {"comment": comment, "words": 50})

    @admin.display(description="On", ordering="section__major")
    def target(self, comment):
        if comment.section_id:
            return f"Section {comment.section.number}: {comment.section.title}"
        return f"Question {comment.question.position}"

    @admin.display(description="Answer")
    def chosen(self, comment):
        # What a choice question's answer chose, with any "Other" words: published with the text.
        return answers.LABEL_SEPARATOR.join(answers.stored_answer(comment).labels) or "Nothing"

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

    @admin.action(description="Mark the selected comments as quotable (published ones only)", permissions=["change"])
    def mark_quotable(self, request, queryset):
        return quotes.mark_selected(self, request, queryset)

    @admin.action(description="Take the selected comments off the quotes shortlist", permissions=["change"])
    def unmark_quotable(self, request, queryset):
        return quotes.unmark_selected(self, request, queryset)

    @admin.action(description="Export selected comments to CSV", permissions=["export"])
    def export_selected_comments(self, request, queryset):
        return exporting.export_selected(self, request, queryset)

    @admin.display(description="Themes")
    def theme_names(self, comment):
        """Needs the page's comments given their themes (CommentChangeList)."""
        return ", ".join(theme.name for theme in comment.themes.all()) or "–"

    # The queue's campaign column and filter.

    @admin.display(description="Group size", ordering="group_size")
    def group_size(self, comment):
        """Needs the queryset annotated by guidance.moderation.campaigns.with_group_size (get_queryset)."""
        return comment.group_size if comment.group_size > 1 else "–"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        comment = self.get_object(request, object_id)
        decisions = []
        if comment is not None and self.has_moderate_permission(request):
            decisions = [(status, words.button(status)) for status in ALLOWED[Comment.Status(comment.status)]]
            decisions.sort(key=lambda d: words.DECISIONS.index(d[0]))
        withdrawn_at = None
        if comment is not None and comment.status == Comment.Status.WITHDRAWN:
            withdrawn = comment.events.filter(to_status=Comment.Status.WITHDRAWN).order_by("-at").first()
            withdrawn_at = withdrawn.at if withdrawn else None
        may_redact = comment is not None and self.has_moderate_permission(request) and comment.status in MAY_REDACT
        # The quotes shortlist's button: for a published comment with words, to staff who code comments.
        may_quote = (
            comment is not None
            and request.user.has_perm(roles.MARK_QUOTABLE)
            and quotable(Comment.objects.filter(pk=comment.pk)).exists()
        )
        extra_context = {
            "may_quote": may_quote,
            "quoted": may_quote and hasattr(comment, "quote"),
            **(extra_context or {}),
            "decisions": decisions,
            "withdrawn_at": withdrawn_at,
            "may_redact": may_redact,
        }
        return super().change_view(request, object_id, form_url, extra_context)

from django.contrib import admin
from django.utils.text import Truncator

from guidance.analysis_admin import analysis_urls
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
    Theme,
)


class SectionInline(admin.TabularInline):
    model = Section
    fields = ["major", "minor", "part", "title", "slug"]
    extra = 0
    show_change_link = True


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "version_label", "published_on"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "document", "part"]
    list_filter = ["document", "part"]
    search_fields = ["title", "body"]
    list_select_related = ["document"]
    prepopulated_fields = {"slug": ["title"]}


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["position", "text", "hint"]
    extra = 0


class OutcomeInline(admin.StackedInline):
    model = Outcome
    fields = ["section", "question", "text"]
    extra = 0


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "opens_at", "closes_at", "state"]
    list_filter = ["organisation"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "opens_at"
    inlines = [QuestionInline, OutcomeInline]

    @admin.display(description="State")
    def state(self, consultation):
        return consultation.get_state_display()

    # Analysis pages of a consultation (dashboard, import of responses): guidance/analysis_admin.py.
    def get_urls(self):
        return analysis_urls(self) + super().get_urls()


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["number", "short_text", "consultation"]
    list_filter = ["consultation"]
    search_fields = ["text"]
    list_select_related = ["consultation"]

    @admin.display(description="Question")
    def short_text(self, question):
        return Truncator(question.text).chars(80)


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["reference", "consultation", "channel", "respondent_type", "consent", "submitted_at"]
    list_filter = ["consultation", "channel", "respondent_type", "consent"]
    search_fields = ["reference"]
    list_select_related = ["consultation"]
    date_hierarchy = "submitted_at"
    readonly_fields = ["reference"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["short_text", "target_label", "status", "consultation", "created_at"]
    list_filter = ["status", "consultation", "response__channel", "response__respondent_type"]
    search_fields = ["text", "response__reference"]
    list_select_related = ["response", "section", "question", "consultation"]
    date_hierarchy = "created_at"
    readonly_fields = ["status", "moderated_by", "moderated_at", "reason"]
    raw_id_fields = ["response", "section", "question"]

    @admin.display(description="Comment")
    def short_text(self, comment):
        return Truncator(comment.text).chars(100)

    @admin.display(description="On")
    def target_label(self, comment):
        return comment.target_label


class ReadOnlyAdmin(admin.ModelAdmin):
    """For audit records: they are written by the portal and never edited or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdmin):
    list_display = ["comment", "from_status", "to_status", "by", "at", "reason"]
    list_filter = ["to_status", "from_status"]
    search_fields = ["comment__response__reference", "reason"]
    list_select_related = ["comment__response", "comment__section", "comment__question", "by"]
    date_hierarchy = "at"


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["comment", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["details", "comment__response__reference"]
    list_select_related = ["comment__response", "comment__section", "comment__question"]
    date_hierarchy = "created_at"


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
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

"""The audit records, read-only: decisions, reports, exports, erasures."""

from django.contrib import admin

from guidance.models import (
    Erasure,
    ExportRecord,
    ModerationEvent,
    Report,
)
from guidance.moderation.decisions import may_read_redacted
from guidance.staff.admin.base import PersonalDataAdmin, ReadOnlyAdmin


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdmin):
    list_display = ["comment", "from_status", "to_status", "by", "by_respondent", "redacted", "at", "reason"]
    list_filter = ["to_status", "from_status", "by_respondent", "redacted"]

    def may_see_field(self, request, name):
        # The earlier text may be the original of a redacted comment: not shown, searched or
        # filtered on by staff who may not read it (guidance.moderation.decisions.may_read_redacted).
        if name.split("__")[0] == "earlier_text" and not may_read_redacted(request.user):
            return False
        return super().may_see_field(request, name)

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

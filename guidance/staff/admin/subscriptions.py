"""Email subscriptions (guidance/subscriptions/), read-only, and only for staff who may see personal
data: every row is someone's email address. Ending or erasing one goes through its own page
(the subscriber's link, or the erasure page), never an edit here; nothing here is exported."""

from django.contrib import admin

from guidance.models import Subscription
from guidance.privacy.personal_data import may_see_personal_data
from guidance.staff.admin.base import ReadOnlyAdmin


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["subscriber_email", "organisation", "consultation", "created_at", "confirmed_at"]
    list_filter = ["organisation", "consultation"]
    search_fields = ["subscriber__email"]
    list_select_related = ["subscriber", "consultation"]
    date_hierarchy = "created_at"
    actions = None

    def has_view_permission(self, request, obj=None):
        return may_see_personal_data(request.user)

    def has_module_permission(self, request):
        return may_see_personal_data(request.user)

    @admin.display(description="Email address", ordering="subscriber__email")
    def subscriber_email(self, subscription):
        return subscription.subscriber.email

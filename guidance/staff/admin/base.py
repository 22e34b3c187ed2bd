"""The base of every ModelAdmin of the portal: personal data kept from those who may not see it;
records that nobody edits."""

from django.contrib import admin

from guidance.privacy.personal_data import may_see_personal_data, personal_field_reached
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


class ReadOnlyAdmin(PersonalDataAdmin):
    """For audit records: they are written by the portal and never edited or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

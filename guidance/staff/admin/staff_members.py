"""Staff members in the admin: the list (name, email address, role, whether they can sign in) and
each one's page, where their name, address and role are changed. Adding one, sending the link to
set a password again and removing access are pages of their own (guidance/staff/team.py); a role
is given and taken through guidance/staff/members.py, which keeps staff status with it.

Only a superuser sees the raw permissions (superuser status, groups that are not roles, single
permissions), changes a superuser's account or sets someone's password by hand."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from guidance.staff import members, team
from guidance.staff.member_forms import StaffMemberChangeForm
from guidance.staff.roles import ROLES

User = get_user_model()


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"
    NONE = "none"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        if self.value() is not None and self.value() not in {*ROLES, self.NONE}:
            raise IncorrectLookupParameters(f"No such role: {self.value()}")

    def lookups(self, request, model_admin):
        return [*((name, name) for name in ROLES), (self.NONE, "No role")]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            return queryset.exclude(groups__name__in=list(ROLES))
        if self.value() is not None:
            return queryset.filter(groups__name=self.value())
        return queryset


class AccessFilter(admin.SimpleListFilter):
    title = "access"
    parameter_name = "is_active__exact"

    def lookups(self, request, model_admin):
        return [("1", "Can sign in"), ("0", "Access removed")]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(is_active=self.value() == "1")
        return queryset


admin.site.unregister(User)


@admin.register(User)
class StaffMemberAdmin(UserAdmin):
    form = StaffMemberChangeForm
    change_form_template = "admin/auth/user/staff_member.html"
    change_list_template = "admin/auth/user/staff_members.html"
    list_display = ["name", "email", "role_name", "access", "last_login"]
    list_display_links = ["name"]
    list_filter = [RoleFilter, AccessFilter]
    search_fields = ["first_name", "last_name", "email", "username"]
    search_help_text = "Search by name or email address."
    ordering = ["first_name", "last_name", "username"]
    readonly_fields = ["username", "access", "last_login", "date_joined"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["first_name", "last_name", "email"]}),
            ("Role", {"fields": ["role"]}),
            ("Signing in", {"fields": ["username", "access", "last_login", "date_joined"]}),
        ]
        if request.user.is_superuser:
            fieldsets.append(
                (
                    "Permissions (shown to superusers only)",
                    {
                        "fields": ["is_superuser", "groups", "user_permissions"],
                        "description": "A role above is all most staff need. These add to it.",
                    },
                )
            )
        return fieldsets

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def add_view(self, request, form_url="", extra_context=None):
        # Name, email address and role, and an email to set a password: never Django's form with a
        # username, a password typed by someone else and a separate "staff status".
        return team.add(request)

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Staff members", **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {"title": "Staff member", **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        had_access = user.is_active
        members.set_role(user, form.cleaned_data["role"])
        if not had_access and user.is_active:
            members.send_set_password_email(user)
            messages.info(
                request,
                f"{members.display_name(user)} can sign in again once they set a password: "
                f"the link to set one is on its way to {user.email}.",
            )

    @admin.display(description="Name", ordering="first_name")
    def name(self, user):
        return members.display_name(user)

    @admin.display(description="Role")
    def role_name(self, user):
        return members.role_of(user) or ("Superuser" if user.is_superuser else "No role")

    @admin.display(description="Access")
    def access(self, user):
        if not user.is_active:
            return "Access removed"
        if not user.is_staff:
            return "No role: cannot use the staff pages"
        if not user.has_usable_password():
            return "Has not set a password yet"
        return "Can sign in"

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's own admin site (guidance/staff/site.py) and its
    ModelAdmins (guidance/staff/admin/), which live with the other staff pages rather than in the
    app's own admin.py, where the admin would look for them."""

    default_site = "guidance.staff.site.PortalAdminSite"

    def ready(self):
        super().ready()
        from django.contrib.auth import get_user_model

        from guidance.staff import admin, members  # noqa: F401  (registers the ModelAdmins)

        # A member of staff reads as their name (or username, if they gave none) wherever a page,
        # the admin's lists and records included, shows a user: never "kit" here, "Kit Jones" there.
        get_user_model().__str__ = members.display_name

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's own admin site (guidance/staff/site.py) and its
    ModelAdmins (guidance/staff/admin/), which live with the other staff pages rather than in the
    app's own admin.py, where the admin would look for them."""

    default_site = "guidance.staff.site.PortalAdminSite"

    def ready(self):
        super().ready()
        from guidance.staff import admin  # noqa: F401  (registers the ModelAdmins)

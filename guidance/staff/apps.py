from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's own admin site (guidance/staff/site.py)."""

    default_site = "guidance.staff.site.PortalAdminSite"

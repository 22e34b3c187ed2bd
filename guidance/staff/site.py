"""The admin site: named after the portal, with the staff pages (urls.py) mounted under it."""

from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse

from guidance.staff import accounts


class PortalAdminSite(admin.AdminSite):
    index_title = "Staff workspace"

    @property
    def login_form(self):
        # Imported here: this module is imported while the apps load, before forms can import models.
        from guidance.staff.forms import StaffSignInForm

        return StaffSignInForm

    @property
    def site_header(self):
        return f"{settings.SITE_NAME}: staff"

    @property
    def site_title(self):
        return f"{settings.SITE_NAME} staff"

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        if request.method == "POST" and response.status_code == 302 and request.user.is_authenticated:
            accounts.remember_browser(request, response, request.user.get_username())
        return response

    def get_urls(self):
        from guidance.staff.urls import staff_urls

        # Before the ModelAdmins' own addresses: theirs end in a catch-all for an object's id.
        return [*staff_urls(self), *super().get_urls()]


def staff_page(request, template, context, status=200):
    """A staff page in the admin's look, with the admin's own context (its name, navigation and the
    signed-in user's links) beside the page's."""
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context}, status=status)

"""The admin site: named after the portal, with the staff pages (urls.py) mounted under it."""

from django.conf import settings
from django.contrib import admin, auth
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse


class PortalAdminSite(admin.AdminSite):
    index_title = "Staff workspace"

    @property
    def site_header(self):
        return f"{settings.SITE_NAME}: staff"

    @property
    def site_title(self):
        return f"{settings.SITE_NAME} staff"

    def has_permission(self, request):
        """Staff, and, when a second factor is required, signed in with it. A session signed in
        before STAFF_TWO_FACTOR was turned on has not been: it is sent to sign in again."""
        if settings.STAFF_TWO_FACTOR and not getattr(request.user, "is_verified", lambda: False)():
            return False
        return super().has_permission(request)

    def login(self, request, extra_context=None):
        """AdminSite.login, through the portal's sign-in form and view (guidance/staff/signin.py),
        which asks for the authenticator app's code after the password when it is required."""
        # Imported here: this module is imported while the apps load, before forms can import models.
        from guidance.staff.forms import StaffSignInForm
        from guidance.staff.signin import StaffLoginView

        if request.method == "GET" and self.has_permission(request):
            return redirect("admin:index")
        if settings.STAFF_TWO_FACTOR and request.user.is_authenticated and not request.user.is_verified():
            # Signed in before the second factor was required: that session is no use to the admin.
            auth.logout(request)
        context = {
            **self.each_context(request),
            "title": "Sign in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        view = StaffLoginView.as_view(
            extra_context=context, authentication_form=StaffSignInForm, template_name="admin/sign_in.html"
        )
        return view(request)

    def get_urls(self):
        from guidance.staff import signin
        from guidance.staff.urls import staff_urls

        # Before the ModelAdmins' own addresses: theirs end in a catch-all for an object's id.
        # The code page is not behind the admin's sign-in: whoever sees it is not signed in yet.
        return [
            path("login/code/", signin.code, name="sign_in_code"),
            *staff_urls(self),
            *super().get_urls(),
        ]


def staff_page(request, template, context, status=200):
    """A staff page in the admin's look, with the admin's own context (its name, navigation and the
    signed-in user's links) beside the page's."""
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context}, status=status)

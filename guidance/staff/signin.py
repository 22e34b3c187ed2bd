"""Signing in to the admin: the password, then, with settings.STAFF_TWO_FACTOR on, a code from an
authenticator app, set up at the first sign-in that asks for one.

Between the two the person is not signed in: the session only remembers, for PENDING_SECONDS,
whose password was right and where to go next. Nothing of the portal, in the admin or outside it,
treats them as staff until the code is right and django.contrib.auth's login() has run."""

import time

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from guidance.staff import accounts, two_factor
from guidance.staff.forms import SignInCodeForm
from guidance.staff.site import staff_page

PENDING = "staff_sign_in_pending"
# Time to open the app and type its code after the password.
PENDING_SECONDS = 600

CODE_REFUSED = {
    two_factor.WRONG: "That code is wrong or has run out. Enter the code your app shows now.",
    two_factor.TOO_SOON: (
        "Too many wrong codes: wait a while, then enter the code your app shows then. "
        "If this goes on, ask an administrator to reset your authenticator app."
    ),
}


class StaffLoginView(LoginView):
    """Django's sign-in page. A right password signs in at once, or, when a second factor is
    required, leads to the code page instead. Either way the browser is then trusted with the
    username for the sign-in limits (accounts.remember_browser), once signed in."""

    def form_valid(self, form):
        user = form.get_user()
        if not settings.STAFF_TWO_FACTOR:
            response = super().form_valid(form)
            accounts.remember_browser(self.request, response, user.get_username())
            return response
        # A new session key, as login() gives one: whoever knew the old one learns nothing.
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "since": time.time(),
        }
        return redirect("admin:sign_in_code")


def pending_sign_in(request):
    """The user whose password was right in this session, within PENDING_SECONDS, and where they
    go next; None if there is none, or it ran out, or the account can no longer use the admin."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True, is_staff=True).first()
    return (user, pending) if user else None


@never_cache
def code(request):
    """Ask for the authenticator app's code; first set the app up, if the person has none."""
    found = pending_sign_in(request)
    if found is None:
        return redirect("admin:login")
    user, pending = found
    device = two_factor.confirmed_device(user)
    setting_up = device is None
    if setting_up:
        device = two_factor.device_to_set_up(user)
    form = SignInCodeForm(request.POST or None)
    status = 200
    if form.is_valid():
        result = two_factor.check_code(device, form.cleaned_data["code"])
        if result == two_factor.RIGHT:
            return finish_sign_in(request, user, device, pending)
        form.add_error("code", CODE_REFUSED[result])
    if form.is_bound:
        status = 400
    context = {
        "title": "Set up your authenticator app" if setting_up else "Enter the code from your authenticator app",
        "form": form,
        "setting_up": setting_up,
        "qr_code": two_factor.qr_code_svg(device) if setting_up else "",
        "secret_key": two_factor.secret_key(device) if setting_up else "",
    }
    return staff_page(request, "admin/sign_in_code.html", context, status=status)


def finish_sign_in(request, user, device, pending):
    del request.session[PENDING]
    auth.login(request, user, backend=pending["backend"])
    otp_login(request, device)
    response = redirect(pending["next"])
    accounts.remember_browser(request, response, user.get_username())
    return response

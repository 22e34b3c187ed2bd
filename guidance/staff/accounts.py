"""Staff accounts: how sign-in attempts are limited and how long an idle staff session lasts."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings


class LoginAttemptsBackend(AxesStandaloneBackend):
    """django-axes' lockout check. Sign-ins through a web page always carry a request; code that
    calls authenticate() without one (the test client's login(), a management command) has no
    address to lock out, so it is passed on to the next backend instead of raising an error."""

    def authenticate(self, request=None, *args, **credentials):
        if request is None:
            return None
        return super().authenticate(request, *args, **credentials)


def staff_session_idle_expiry(get_response):
    """Staff sessions end after settings.STAFF_SESSION_IDLE_SECONDS without a request. Each staff
    request sets the expiry again, which also saves the session, so the clock restarts.
    The public's sessions (remembered details) keep Django's default lifetime."""

    def middleware(request):
        response = get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return response

    return middleware

"""Staff accounts: how sign-in attempts are limited and how long an idle staff session lasts."""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class LoginAttemptsBackend(AxesStandaloneBackend):
    """django-axes' lockout check. Sign-ins through a web page always carry a request; code that
    calls authenticate() without one (the test client's login(), a management command) has no
    address to lock out, so it is passed on to the next backend instead of raising an error."""

    def authenticate(self, request=None, *args, **credentials):
        if request is None:
            return None
        return super().authenticate(request, *args, **credentials)


class LoginAttemptsHandler(AxesDatabaseHandler):
    """django-axes' record of failed sign-ins, with a limit for each of its two lockouts
    (settings.AXES_LOCKOUT_PARAMETERS): AXES_FAILURE_LIMIT failures for one username from one
    address, and SIGN_IN_FAILURES_PER_ADDRESS from one address whatever the usernames (someone
    trying a common password on every account).

    axes compares one number with one limit, so get_failures gives the larger of the username's
    failures and the address's, less the difference between the two limits: either reaches
    AXES_FAILURE_LIMIT exactly when it reaches its own limit."""

    def get_failures(self, request, credentials=None):
        per_username, per_address = (
            attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return max(per_username, per_address - (settings.SIGN_IN_FAILURES_PER_ADDRESS - settings.AXES_FAILURE_LIMIT))

    def reset_user_attempts(self, request, credentials=None):
        """After a successful sign-in, clear that username's failures from this address only: those
        with other usernames from the address still count, or the owner of one account could
        reset a spray over all of them."""
        per_username = self.filter_user_attempts(request, credentials)[0]
        count, _ = per_username.delete()
        return count


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

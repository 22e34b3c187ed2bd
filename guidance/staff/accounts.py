"""Staff accounts: how sign-in attempts are limited and how long an idle staff session lasts.

Failed sign-ins are counted three ways over AXES_COOLOFF_TIME (django-axes keeps the record):

- for one username from one address (AXES_FAILURE_LIMIT): someone guessing one person's password;
- for one username from anywhere (SIGN_IN_FAILURES_PER_USERNAME): the same from many addresses;
- from one address whatever the usernames (SIGN_IN_FAILURES_PER_ADDRESS): someone trying a
  common password on every account (password spraying).

The second and third would let anyone lock a colleague out: an attacker who knows a username
could keep that account locked from everywhere, and someone in an office behind one shared
address could lock out everyone in it. So a browser that has signed in with a username before
carries a signed cookie saying so (a "device cookie", as OWASP calls it), and sign-ins with that
username from that browser meet only the first limit. An attacker has no such cookie for the
account they attack, so they meet all three. docs/deployment.md, "Staff sign-in", gives the
trade-offs."""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.core import signing
from django.db.models import Sum
from django.utils.crypto import salted_hmac

TRUSTED_BROWSER_COOKIE = "staff_browser"
TRUSTED_BROWSER_SALT = "guidance.staff.accounts.trusted_browser"
# A browser shared by several staff members remembers this many of them, the latest first.
TRUSTED_USERNAMES_PER_BROWSER = 5


class LoginAttemptsBackend(AxesStandaloneBackend):
    """django-axes' lockout check. Sign-ins through a web page always carry a request; code that
    calls authenticate() without one (the test client's login(), a management command) has no
    address to lock out, so it is passed on to the next backend instead of raising an error."""

    def authenticate(self, request=None, *args, **credentials):
        if request is None:
            return None
        return super().authenticate(request, *args, **credentials)


class LoginAttemptsHandler(AxesDatabaseHandler):
    """django-axes' record of failed sign-ins, with a limit for each of its three counts
    (settings.AXES_LOCKOUT_PARAMETERS, in this order): AXES_FAILURE_LIMIT for one username from one
    address, SIGN_IN_FAILURES_PER_USERNAME for one username from anywhere, and
    SIGN_IN_FAILURES_PER_ADDRESS from one address; the last two not for a browser trusted with the
    username (see the module's docstring).

    axes compares one number with one limit, so get_failures gives the largest of the counts, each
    less the difference between its limit and AXES_FAILURE_LIMIT: each reaches AXES_FAILURE_LIMIT
    exactly when it reaches its own limit."""

    def get_failures(self, request, credentials=None):
        per_username_and_address, per_username, per_address = (
            attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = settings.AXES_FAILURE_LIMIT
        if is_trusted_browser(request, get_client_username(request, credentials)):
            return per_username_and_address
        return max(
            per_username_and_address,
            per_username - (settings.SIGN_IN_FAILURES_PER_USERNAME - limit),
            per_address - (settings.SIGN_IN_FAILURES_PER_ADDRESS - limit),
        )

    def reset_user_attempts(self, request, credentials=None):
        """After a successful sign-in, clear that username's failures from this address only: those
        with other usernames from the address still count, or the owner of one account could
        reset a spray over all of them."""
        per_username = self.filter_user_attempts(request, credentials)[0]
        count, _ = per_username.delete()
        return count


def lockout_page(request, original_response=None, credentials=None):
    """django-axes' lockout page (settings.AXES_LOCKOUT_CALLABLE), in the admin's look: axes' own
    rendering leaves out the admin's context, and with it the portal's header and name."""
    from guidance.staff.site import staff_page

    context = {"title": "Signing in is locked", "failure_limit": settings.AXES_FAILURE_LIMIT}
    # Rendered here: a response made in a middleware, as this is, is not rendered for us.
    return staff_page(request, "admin/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE).render()


def username_mark(username):
    """What the trusted-browser cookie holds for a username: a keyed hash, so that the cookie names
    nobody to whoever reads it on a shared computer."""
    return salted_hmac(TRUSTED_BROWSER_SALT, username).hexdigest()[:16]


def trusted_usernames(request):
    """The marks of the usernames that signed in with this browser within
    SIGN_IN_TRUSTED_BROWSER_DAYS; none if the cookie is missing, altered or older."""
    try:
        marks = signing.loads(
            request.COOKIES.get(TRUSTED_BROWSER_COOKIE, ""),
            salt=TRUSTED_BROWSER_SALT,
            max_age=settings.SIGN_IN_TRUSTED_BROWSER_DAYS * 24 * 3600,
        )
    except signing.BadSignature:
        return []
    return [mark for mark in marks if isinstance(mark, str)] if isinstance(marks, list) else []


def is_trusted_browser(request, username):
    return bool(username) and username_mark(username) in trusted_usernames(request)


def remember_browser(request, response, username):
    """After a successful sign-in, mark this browser as trusted with the username (the cookie is
    set anew, so it lasts SIGN_IN_TRUSTED_BROWSER_DAYS from the latest sign-in). The cookie goes
    only to the admin's pages, and no script can read it."""
    if settings.SIGN_IN_TRUSTED_BROWSER_DAYS <= 0:
        return
    mark = username_mark(username)
    marks = [mark, *(other for other in trusted_usernames(request) if other != mark)]
    response.set_cookie(
        TRUSTED_BROWSER_COOKIE,
        signing.dumps(marks[:TRUSTED_USERNAMES_PER_BROWSER], salt=TRUSTED_BROWSER_SALT),
        max_age=settings.SIGN_IN_TRUSTED_BROWSER_DAYS * 24 * 3600,
        path="/" + settings.ADMIN_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


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

"""The portal's one settings module, driven by environment variables.

Every setting has a safe default, so a bare checkout runs on a local SQLite file;
production sets DATABASE_URL, DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
.env.example lists every variable with what it does.
"""

import datetime
import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() not in {"true", "false", "1", "0", "yes", "no", "on", "off"}:
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")
    return value.lower() in {"true", "1", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

# A key that anyone can read in this repository, or a short one, would let anyone forge
# sessions and password-reset links, so outside DEBUG we refuse to start with one.
PLACEHOLDER_SECRET_KEYS = {"", "change-me", "changeme", "secret", "replace-me-with-a-long-random-string"}
DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-this-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not DEBUG and (
    SECRET_KEY in PLACEHOLDER_SECRET_KEYS or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is missing, a placeholder or shorter than 50 characters. Set it to a long "
        "random value, for example the output of: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
if not SECRET_KEY:
    SECRET_KEY = DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The name shown in the header, page titles and emails.
SITE_NAME = os.environ.get("SITE_NAME", "Consultation portal")

INSTALLED_APPS = [
    "guidance.staff.apps.PortalAdminConfig",  # django.contrib.admin with our own site (guidance/staff/site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",  # /sitemap.xml: published consultations only (guidance/public/sitemaps.py)
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "crispy_forms",
    "crispy_forms_gds",
    "guidance",
    # Limits staff sign-in attempts (settings below).
    "axes",
    # Staff's second factor, a code from an authenticator app, when STAFF_TWO_FACTOR is on (below):
    # django-otp checks the codes; its TOTP plugin keeps each staff member's device (secret key).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",  # Content Security Policy: the {% csp_nonce %} tag, should a page ever need one
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Operations: the Content-Security-Policy and Permissions-Policy headers; a request id for the
    # logs; the health checks answered before host checks and sessions. (A database that fails
    # anywhere below gets the 503 page from the 500 handler, guidance.public.errors.server_error.)
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "consult.middleware.RequestIdMiddleware",
    "consult.middleware.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A form post in another text encoding than UTF-8 gets the 400 page saying so, before the CSRF
    # check or anything else reads it.
    "consult.middleware.FormEncodingMiddleware",
    # Overload: refuses requests past MAX_REQUESTS_IN_PROGRESS (below, with the reasons for its place).
    "consult.middleware.LoadSheddingMiddleware",
    # Notes that a view was reached, so an error page can say whether what was sent was saved.
    "consult.middleware.ViewStartedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Tells whether the signed-in staff member gave their authenticator app's code this session
    # (request.user.is_verified()), which the admin asks for when STAFF_TWO_FACTOR is on.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Staff sessions end after an hour idle; the public's are left alone (guidance/staff/accounts.py).
    "guidance.staff.accounts.staff_session_idle_expiry",
    # Turns a locked-out sign-in into the lockout page; keep it last (django-axes' advice).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "consult.urls"
# Form widgets render through TEMPLATES, so templates/ can override one (the admin's date and time
# boxes get labels tied to them: templates/admin/widgets/split_datetime.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "consult.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guidance.public.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers. WAL lets readers carry on during a write, IMMEDIATE takes the
    # write lock at the start of a transaction (so two writers queue instead of one failing to
    # upgrade its lock), and the timeout makes a writer wait rather than answer "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# After collectstatic (the Docker image) files get fingerprinted names and long cache lifetimes;
# without it (local runs and tests) whitenoise serves them straight from static/.
# The Docker image sets DJANGO_COLLECTED_STATIC=true for its collectstatic step and at run time.
COLLECTED_STATIC = env_bool("DJANGO_COLLECTED_STATIC", (STATIC_ROOT / "staticfiles.json").exists())
# Uploaded files (supporting documents, guidance/consultations/supporting.py) go through Django's storage API:
# local files under MEDIA_ROOT by default, never served from there by the web server (the portal
# serves each itself, so a draft's stay private); FILE_STORAGE=s3 keeps them in an S3-compatible
# bucket with django-storages, private, through the AWS_* variables below (docs/deployment.md).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
FILE_STORAGE = os.environ.get("FILE_STORAGE", "local")
if FILE_STORAGE == "local":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif FILE_STORAGE == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            # Private objects: the portal reads them and serves them itself.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if not DEFAULT_STORAGE["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("FILE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
else:
    raise ImproperlyConfigured(f"FILE_STORAGE must be local or s3, not {FILE_STORAGE!r}")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if COLLECTED_STATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not COLLECTED_STATIC

# Email: SMTP when EMAIL_HOST is set; otherwise the console, which prints every receipt (name,
# address, what they wrote) to the log, so with DEBUG off the portal refuses to start with it unless
# EMAIL_BACKEND names it on purpose (guidance/checks.py). EMAIL_BACKEND overrides either.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND_CHOSEN = bool(os.environ.get("EMAIL_BACKEND"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "consultations@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Every email (receipts, links to continue a response, what happened to it) is recorded in the
# database (guidance.models.QueuedEmail) in the same transaction as what caused it, and sent by a
# worker process (`manage.py run_worker`; guidance/mail/mailqueue.py): never inside a request, so a mail
# server that is down or hangs slows no page and loses nothing.
# An attempt that fails is tried again after EMAIL_RETRY_SECONDS, doubling each time up to
# EMAIL_RETRY_MAX_SECONDS; an email still not sent EMAIL_GIVE_UP_HOURS after it was queued is given
# up (it shows on /healthz).
EMAIL_RETRY_SECONDS = env_int("EMAIL_RETRY_SECONDS", 60)
EMAIL_RETRY_MAX_SECONDS = env_int("EMAIL_RETRY_MAX_SECONDS", 3600)
EMAIL_GIVE_UP_HOURS = env_int("EMAIL_GIVE_UP_HOURS", 48)
# A worker holds the emails it is sending for this many seconds, and renews the hold every third of
# it while it is alive: emails held by a worker that stopped (killed, or its machine lost) are sent
# by another once the hold runs out.
EMAIL_STALE_SECONDS = env_int("EMAIL_STALE_SECONDS", 30)
# How many due emails the worker sends in one go, over one connection to the mail server.
EMAIL_BATCH_SIZE = env_int("EMAIL_BATCH_SIZE", 20)
# With nothing due, the worker looks again after this many seconds: a receipt goes out this much
# after the form is sent, at most; under a steady stream each look takes a batch.
EMAIL_POLL_SECONDS = env_int("EMAIL_POLL_SECONDS", 1)
# The health check's figures flag the queue (email_queue_delayed 1) when its oldest unsent email is
# older than this: no worker running, or the mail server failing for that long.
EMAIL_QUEUE_ALERT_SECONDS = env_int("EMAIL_QUEUE_ALERT_SECONDS", 900)
# Emails saying what happened to someone's comments go out once a day, at this hour (UK time), or
# at the worker's first look after it: at most one a day to one address, listing what changed.
NOTIFICATION_HOUR = env_int("NOTIFICATION_HOUR", 17)

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# One JSON object a line on standard output, each with the request id of the request
# it belongs to, so a log collector can search and a person can follow one request.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "consult.jsonlog.JsonFormatter"}},
    "filters": {"request_id": {"()": "consult.jsonlog.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Staff accounts. django-axes counts failed sign-ins within 30 minutes, three ways, and each
# count locks out at its own limit (guidance/staff/accounts.py):
# - 5 for one username from one address lock that pair out (someone guessing one person's password);
# - 10 for one username from any addresses lock that username out (the same from many addresses);
# - 20 from one address whatever the usernames lock that address out (someone trying a common
#   password on every account: password spraying). 20, so that a team signing in from one office
#   is not locked out by a few mistakes.
# The last two would let anyone lock colleagues out (an account they name, or everyone behind an
# office's shared address), so they do not apply to a browser that has signed in with that username
# within SIGN_IN_TRUSTED_BROWSER_DAYS: it carries a signed cookie saying so, which an attacker does
# not have. Only the first limit applies there. docs/deployment.md, "Staff sign-in", weighs this.
# A lockout lasts 30 minutes; a successful sign-in clears that username's failures from that
# address, not those with other usernames nor from elsewhere. The address is the person's, behind
# the proxy too (guidance.responses.ratelimit.client_address, TRUSTED_PROXIES below), and axes stores only a
# pseudonym of it, never the address itself.
AUTHENTICATION_BACKENDS = [
    "guidance.staff.accounts.LoginAttemptsBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "guidance.staff.accounts.LoginAttemptsHandler"
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURES_PER_USERNAME_AND_ADDRESS", 5)
SIGN_IN_FAILURES_PER_USERNAME = env_int("SIGN_IN_FAILURES_PER_USERNAME", 10)
SIGN_IN_FAILURES_PER_ADDRESS = env_int("SIGN_IN_FAILURES_PER_ADDRESS", 20)
# Days a browser stays trusted with a username after signing in with it. 0: no browser is trusted,
# so every sign-in meets all three limits (and an attacker can lock out any account they name).
SIGN_IN_TRUSTED_BROWSER_DAYS = env_int("SIGN_IN_TRUSTED_BROWSER_DAYS", 90)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
# The order matters: LoginAttemptsHandler reads the three counts in this order.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Keep no log of successful sign-ins with their addresses; only failures, for the lockout.
AXES_DISABLE_ACCESS_LOG = True
# The lockout page, in the admin's look (templates/admin/locked_out.html).
AXES_LOCKOUT_CALLABLE = "guidance.staff.accounts.lockout_page"
AXES_CLIENT_IP_CALLABLE = "guidance.responses.ratelimit.client_pseudonym"
# axes' log lines mask both (its default, kept on purpose): a username may be a person's name or
# email address.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address"]
# A second factor for staff: with STAFF_TWO_FACTOR on, every staff member sets up an authenticator
# app (TOTP) at their next sign-in and gives its code after their password from then on; nobody is
# signed in until they have (guidance/staff/signin.py). A superuser resets a lost one with
# `manage.py reset_two_factor USERNAME`. Wrong codes are slowed by django-otp: after n in a row the
# next is refused for 2^(n-1) seconds.
STAFF_TWO_FACTOR = env_bool("STAFF_TWO_FACTOR", False)
# The name the authenticator app shows beside the code.
OTP_TOTP_ISSUER = SITE_NAME
# django-otp's admin page of devices shows no secret key once a device exists.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Where signing in leads when the address it was asked to return to (?next=) is missing or points
# to another site: the staff home, not Django's default /accounts/profile/, which is a 404 here.
LOGIN_REDIRECT_URL = "admin:index"
# A staff session ends after this many seconds without a request (guidance/staff/accounts.py).
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 3600)

# Moderation: an approved comment reported this many times by the public goes back to pending.
REPORTS_BEFORE_REVIEW = env_int("REPORTS_BEFORE_REVIEW", 3)
# The cache shared by every server process: which comments each address reported today (the
# limits' counters are in a table of their own: guidance/responses/ratelimit.py says why). The database by
# default (a migration, guidance/migrations/0007_cache_table.py, makes its table, so `migrate`
# alone leaves a working portal); Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_CACHE_TABLE = "portal_cache"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Redis down must not hold a page: give up in half a second (ratelimit.first_report_today
        # then carries on without it).
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if REDIS_URL
    # Django's default of 300 entries would cull live report marks at a busy deadline.
    else {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": DATABASE_CACHE_TABLE,
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
    # Each server process's own memory, for what is the same for every visitor: the blank
    # comment form's HTML, each consultation with its sections, each page of a section's
    # published comments. Per process, so a new release never serves HTML from the old templates.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}
# Seconds each server process keeps what the public pages show alike to everyone: its
# consultations with their sections, each page of a section's published comments, and each section
# page as a new visitor sees it (each new visitor gets it with their own tokens). A moderation
# decision, a report that hides a comment, an erasure or a staff edit shows on the public pages
# within this time; whether a consultation is open is still decided at each request, from its
# dates (a new visitor may see the form for up to this time after the close; sending is refused).
# 0: read afresh every time.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 10)
if DEBUG:
    # On a developer's machine templates change under the running server: keep no rendered HTML.
    CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
# Limits (guidance/responses/ratelimit.py): each place is taken atomically before anything is stored.
# Accepted submissions (comments or answers) from one IP address per hour before a 429 page.
RATE_LIMIT_SUBMISSIONS_PER_HOUR = env_int("RATE_LIMIT_SUBMISSIONS_PER_HOUR", 20)
# Public reports: reports on comments accepted from one IP address per hour before a 429 page.
RATE_LIMIT_REPORTS_PER_HOUR = env_int("RATE_LIMIT_REPORTS_PER_HOUR", 10)
# Receipts sent to one email address per day (UTC), whoever sends the form: past it the response is
# stored and the confirmation page says no receipt was sent and why. Five covers someone answering
# the questions and commenting on several sections in one sitting; it also bounds what anyone can
# send to a stranger's inbox by typing their address.
RATE_LIMIT_RECEIPTS_PER_DAY = env_int("RATE_LIMIT_RECEIPTS_PER_DAY", 5)
# Links to continue a response emailed to one address per day (UTC), whoever asks, for the same
# reason; a response's own address has its own count, which strangers naming it cannot use up.
RATE_LIMIT_LINKS_PER_DAY = env_int("RATE_LIMIT_LINKS_PER_DAY", 5)
# Requests for a link from one IP address per hour, whichever addresses they name: nobody can use
# the form to mail a list of strangers.
RATE_LIMIT_LINK_REQUESTS_PER_HOUR = env_int("RATE_LIMIT_LINK_REQUESTS_PER_HOUR", 5)
# A missing or wrong CSRF token gets a page in our design.
CSRF_FAILURE_VIEW = "guidance.public.errors.csrf_failure"
# --- Production hardening: security headers, CSP, request limits, database timeouts. ---
# Secure by default whenever DEBUG is off: the portal runs behind a TLS-terminating proxy or load
# balancer that sets X-Forwarded-Proto, and `manage.py check --deploy` passes with no warning.
# DJANGO_HTTPS=false is only for trying the docker image on plain http://localhost.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The portal's address as the public reaches it, for the links in emails (which the worker writes,
# with no request to take the address from): by default the first of DJANGO_ALLOWED_HOSTS.
_public_host = next((host for host in ALLOWED_HOSTS if not host.startswith((".", "*"))), "localhost")
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/") or f"{'https' if HTTPS else 'http'}://{_public_host}"
# The proxies whose X-Forwarded-For is believed (guidance.responses.ratelimit.client_address), as addresses
# or networks: by default only this machine (a proxy on the same host). Anything else must be
# named: a client on a private network, or behind a port forward that rewrites addresses to
# private ones, could otherwise write any X-Forwarded-For and get round the submission limit, the
# sign-in lockout and the report threshold (docs/deployment.md, "TLS and the proxy").
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.0/8,::1")
for _network in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_network)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_network!r} is not an IP address or network") from None
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe the health check over plain HTTP, straight at the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
# "preload" in the header only makes the site eligible; nothing is preloaded until someone
# submits the domain to the browsers' list.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no page script reads the token: forms carry it in a hidden field
# Gone when the browser closes, as the respondent's session is: the cookie also tells forms sent at
# the same moment from one browser apart from another's (guidance/public/visitors.py, browser_of).
CSRF_COOKIE_AGE = None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The admin's address, so it is not where every scanner looks first. Ends with a slash.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

# Content Security Policy (django-csp): only our own scripts, styles, images and fonts; no inline
# script or style anywhere; no framing; forms post only to us. The same policy covers the admin:
# Django 5.2's admin needs no inline script or style (tests/test_csp_browser.py checks it in
# Chromium). Should one admin view ever need more, relax that view alone with django-csp's
# @csp_update decorator, never the whole site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Request limits: the largest honest form (six answers of 10,000 characters, percent-encoded) is
# well under 1 MiB; the admin's bulk actions post at most a few hundred fields. A request over
# either limit gets the 400 page.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_048_576
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# Files: only these views take one, and only from staff (the CSV import, with its own 5 MB cap).
# A file part sent to any other form is refused with the 400 page as soon as its headers arrive,
# before any of it is kept in memory or written to disk (consult/uploads.py).
FILE_UPLOAD_VIEWS = {
    "admin:guidance_consultation_import",
    "admin:guidance_consultation_documents",
    "admin:guidance_document_import",
    "admin:guidance_consultation_version_import",
}
# The largest file any of them takes: a bigger one is refused while it arrives (consult/uploads.py),
# with the 400 page; each form refuses a file over its own cap with a message.
SUPPORTING_DOCUMENT_MAX_MB = env_int("SUPPORTING_DOCUMENT_MAX_MB", 20)
DRAFT_IMPORT_MAX_MB = env_int("DRAFT_IMPORT_MAX_MB", 10)
FILE_UPLOAD_MAX_BYTES = 2 * max(SUPPORTING_DOCUMENT_MAX_MB, DRAFT_IMPORT_MAX_MB, 5) * 1024 * 1024

# Reading uploaded files: a draft to import (.docx or Markdown) and a supporting document's
# structure (PDF, .docx, .odt) are read in a child process with these limits (guidance/consultations/limited.py),
# never in the web process; a file that needs more is refused with a message saying which limit.
# The largest honest draft within the import's bounds fits well within both (docs/performance.md,
# "Imports"). A child runs for the request that uploads a file, so the host needs this memory for
# each upload that may run at once.
UPLOAD_CPU_SECONDS = env_int("UPLOAD_CPU_SECONDS", 20)
UPLOAD_MEMORY_MB = env_int("UPLOAD_MEMORY_MB", 512)
# Days a preview link to a draft consultation works (guidance/consultations/previews.py).
PREVIEW_LINK_DAYS = env_int("PREVIEW_LINK_DAYS", 7)
FILE_UPLOAD_HANDLERS = [
    "consult.uploads.RefuseFilesUnlessTaken",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Overload (consult.middleware.LoadSheddingMiddleware; docs/deployment.md, "Beyond capacity"):
# past capacity a request is refused with a 503 "very busy" page and Retry-After, rather than
# queued until it times out. A process serves at most MAX_REQUESTS_IN_PROGRESS page views at
# once; a further one waits up to BUSY_WAIT_MS for a place, then is refused (at once if twice
# MAX_REQUESTS_IN_PROGRESS are already served or waiting: that is overload, not a burst). Sending
# a form (POST: someone's comment), and the confirmation page it leads to, may go up to twice
# that, so under overload page views are refused first and written comments get through longest.
# The limit is per process: gunicorn needs more threads per worker than twice this number
# (GUNICORN_THREADS, gunicorn.conf.py), so that a thread is free to hold or refuse the excess; with
# gunicorn's sync workers (one request a process) it never triggers. 0 turns refusing off.
# Place in MIDDLEWARE: after HealthCheckMiddleware, so /healthz is never refused (a busy copy is
# not a broken one: the load balancer must not take it out); after WhiteNoise, so static files
# (cheap, and the busy page's own stylesheet) are never refused; before sessions, CSRF,
# authentication and the views, so a refusal costs no database query.
MAX_REQUESTS_IN_PROGRESS = env_int("MAX_REQUESTS_IN_PROGRESS", 4)
# Milliseconds a request that finds its process full waits for a place before it is refused.
# Requests arrive in bursts: without the wait a burst is refused while the places are about to
# free up and the CPU is idle (bench/load at 100 submissions/s offered, docs/performance.md:
# 96.7 → 98 to 100 served, page views refused 3.2% → under 2%). Latency grows by at most this.
BUSY_WAIT_MS = env_int("BUSY_WAIT_MS", 100)
# Seconds a refused client is told to wait before trying again (the Retry-After header).
BUSY_RETRY_AFTER = env_int("BUSY_RETRY_AFTER", 10)

# Give up on an unreachable PostgreSQL quickly, so /healthz and the 503 page answer in seconds.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 5)

# Seconds a client is told to wait (Retry-After) when the database is unavailable.
DATABASE_UNAVAILABLE_RETRY_AFTER = 30

# Statement and lock timeouts on PostgreSQL. A page that waits on a lock or a slow statement longer
# than these gets the 503 page (guidance.public.errors.server_error) well before gunicorn's own timeout
# (GUNICORN_TIMEOUT, 30 s) would kill its worker mid-request, and a lock held for a minute no longer
# holds every page for a minute. The web process is the one consult/wsgi.py starts (it sets
# PORTAL_PROCESS=web); the email worker and the management commands (imports, exports, retention)
# do longer work and get the longer COMMAND limits.
PORTAL_PROCESS = os.environ.get("PORTAL_PROCESS", "command")
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 10_000)
DATABASE_LOCK_TIMEOUT_MS = env_int("DATABASE_LOCK_TIMEOUT_MS", 3_000)
DATABASE_COMMAND_STATEMENT_TIMEOUT_MS = env_int("DATABASE_COMMAND_STATEMENT_TIMEOUT_MS", 600_000)
DATABASE_COMMAND_LOCK_TIMEOUT_MS = env_int("DATABASE_COMMAND_LOCK_TIMEOUT_MS", 60_000)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _statement, _lock = (
        (DATABASE_STATEMENT_TIMEOUT_MS, DATABASE_LOCK_TIMEOUT_MS)
        if PORTAL_PROCESS == "web"
        else (DATABASE_COMMAND_STATEMENT_TIMEOUT_MS, DATABASE_COMMAND_LOCK_TIMEOUT_MS)
    )
    DATABASES["default"]["OPTIONS"]["options"] = f"-c statement_timeout={_statement} -c lock_timeout={_lock}"

# The health checks (consult.middleware.HealthCheckMiddleware). Readiness fails ("database too slow")
# when a read of the comments table takes longer than this. With HEALTH_CHECK_TOKEN set, a probe
# sending "Authorization: Bearer <token>" also gets the email queue's figures; nobody else does.
HEALTH_CHECK_DATABASE_MS = env_int("HEALTH_CHECK_DATABASE_MS", 2_000)
HEALTH_CHECK_TOKEN = os.environ.get("HEALTH_CHECK_TOKEN", "")

# Permissions-Policy (django-permissions-policy): no page uses a camera, microphone, location or
# any other powerful browser feature, so none may, nor may anything a page could be made to embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
}

# Where people ask about their personal data or for erasure, shown in the privacy notice, such as
# a data protection officer's address. Empty: the notice gives each consultation's own contact address.
PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "")

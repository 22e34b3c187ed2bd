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

# Every email is queued in the transaction that causes it and sent by the worker (`manage.py
# run_worker`, guidance/mail/mailqueue.py), never inside a request. A failed attempt is tried again
# after a back-off doubling up to the maximum, and given up EMAIL_GIVE_UP_HOURS after it was queued.
EMAIL_RETRY_SECONDS = env_int("EMAIL_RETRY_SECONDS", 60)
EMAIL_RETRY_MAX_SECONDS = env_int("EMAIL_RETRY_MAX_SECONDS", 3600)
EMAIL_GIVE_UP_HOURS = env_int("EMAIL_GIVE_UP_HOURS", 48)
# A worker holds what it sends this long, renewed while it lives: a stopped worker's emails go after it.
EMAIL_STALE_SECONDS = env_int("EMAIL_STALE_SECONDS", 30)
# How many due emails the worker sends in one go, over one connection to the mail server.
EMAIL_BATCH_SIZE = env_int("EMAIL_BATCH_SIZE", 20)
# With nothing due, the worker looks again after this long.
EMAIL_POLL_SECONDS = env_int("EMAIL_POLL_SECONDS", 1)
# The health check's figures flag a queue whose oldest unsent email is older than this.
EMAIL_QUEUE_ALERT_SECONDS = env_int("EMAIL_QUEUE_ALERT_SECONDS", 900)
# The hour (UK time) from which each day's emails saying what happened go out.
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

# Staff sign-in lockouts (guidance/staff/accounts.py): per username and address, per username, per
# address; docs/deployment.md, "Staff sign-in", says why each. axes stores a pseudonym of the address.
AUTHENTICATION_BACKENDS = [
    "guidance.staff.accounts.LoginAttemptsBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "guidance.staff.accounts.LoginAttemptsHandler"
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURES_PER_USERNAME_AND_ADDRESS", 5)
SIGN_IN_FAILURES_PER_USERNAME = env_int("SIGN_IN_FAILURES_PER_USERNAME", 10)
SIGN_IN_FAILURES_PER_ADDRESS = env_int("SIGN_IN_FAILURES_PER_ADDRESS", 20)
# Days a browser stays trusted with a username after signing in with it; 0: none is.
SIGN_IN_TRUSTED_BROWSER_DAYS = env_int("SIGN_IN_TRUSTED_BROWSER_DAYS", 90)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
# The order matters: LoginAttemptsHandler reads the three counts in this order.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Keep no log of successful sign-ins with their addresses; only failures, for the lockout.
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "guidance.staff.accounts.lockout_page"
AXES_CLIENT_IP_CALLABLE = "guidance.responses.ratelimit.client_pseudonym"
# A username may be a person's name or email address: axes' log lines mask it.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address"]
# A second factor for staff (guidance/staff/signin.py): an authenticator app's code after the
# password; a superuser resets a lost one with `manage.py reset_two_factor USERNAME`.
STAFF_TWO_FACTOR = env_bool("STAFF_TWO_FACTOR", False)
OTP_TOTP_ISSUER = SITE_NAME
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Signing in with no ?next=, or one for another site, leads to the staff home (not a 404).
LOGIN_REDIRECT_URL = "admin:index"
# A staff session ends after this many seconds without a request (guidance/staff/accounts.py).
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 3600)

# Reports after which an approved comment no moderator has kept goes back to pending.
REPORTS_BEFORE_REVIEW = env_int("REPORTS_BEFORE_REVIEW", 3)
# The cache shared by every process: which comments each address reported today. A table by default
# (made by a migration); Redis when REDIS_URL is set.
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
    # Each process's own memory, for what the public pages show alike to everyone
    # (guidance/public/reading.py): a new release never serves HTML from the old templates.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}
# The longest each process keeps a public page's parts. Every change to what they show renews them
# at once (guidance/consultations/changed.py); this is a safety net. 0: read afresh every time.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 10)
if DEBUG:
    # On a developer's machine templates change under the running server: keep no rendered HTML.
    CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
# Limits (guidance/responses/ratelimit.py), each place taken atomically before anything is stored:
# responses from one IP address per hour before a 429 page.
RATE_LIMIT_SUBMISSIONS_PER_HOUR = env_int("RATE_LIMIT_SUBMISSIONS_PER_HOUR", 20)
RATE_LIMIT_REPORTS_PER_HOUR = env_int("RATE_LIMIT_REPORTS_PER_HOUR", 10)
# Forms added in an hour to a response the browser already holds: they count here, not above.
RATE_LIMIT_FORMS_PER_RESPONSE_PER_HOUR = env_int("RATE_LIMIT_FORMS_PER_RESPONSE_PER_HOUR", 60)
# Receipts and links to one email address per day (UTC), whoever asks: nobody can fill a stranger's
# inbox. A response's own address has its own count of links, which strangers cannot use up.
RATE_LIMIT_RECEIPTS_PER_DAY = env_int("RATE_LIMIT_RECEIPTS_PER_DAY", 5)
# One receipt a visit: a receipt waits this long after the last form that joined it, so that the
# forms someone sends in one sitting are listed in one email.
RECEIPT_GATHER_SECONDS = env_int("RECEIPT_GATHER_SECONDS", 300)
RATE_LIMIT_LINKS_PER_DAY = env_int("RATE_LIMIT_LINKS_PER_DAY", 5)
# A form opened before the close may still be sent for this many minutes after it (the time it was
# opened travels in its signed one-time token): deadline night is when most responses arrive.
CLOSE_GRACE_MINUTES = env_int("CLOSE_GRACE_MINUTES", 30)
# Requests for a link from one IP address per hour, whichever addresses they name.
RATE_LIMIT_LINK_REQUESTS_PER_HOUR = env_int("RATE_LIMIT_LINK_REQUESTS_PER_HOUR", 5)
# Replies one participant posts in a chat hour (guidance/events/chat.py): one every 15 seconds on average.
RATE_LIMIT_CHAT_REPLIES_PER_HOUR = env_int("RATE_LIMIT_CHAT_REPLIES_PER_HOUR", 240)
# A missing or wrong CSRF token gets a page in our design.
CSRF_FAILURE_VIEW = "guidance.public.errors.csrf_failure"
# Secure by default whenever DEBUG is off, behind a TLS proxy that sets X-Forwarded-Proto;
# DJANGO_HTTPS=false only to try the image on plain http://localhost.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The portal's address for the links in emails, which the worker writes with no request at hand.
_public_host = next((host for host in ALLOWED_HOSTS if not host.startswith((".", "*"))), "localhost")
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/") or f"{'https' if HTTPS else 'http'}://{_public_host}"
# The proxies whose X-Forwarded-For is believed (guidance.responses.ratelimit.client_address): only
# those named, or anyone could choose the address the limits count (docs/deployment.md).
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

# Content Security Policy (django-csp): only our own scripts, styles, images and fonts, nothing
# inline, no framing, for the admin too. Relax one view with @csp_update, never the whole site.
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

# Request limits, well above the largest honest form; a request over either gets the 400 page.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_048_576
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# Only these staff views take a file; one sent elsewhere is refused as it arrives (consult/uploads.py).
FILE_UPLOAD_VIEWS = {
    "admin:guidance_consultation_import",
    "admin:guidance_consultation_documents",
    "admin:guidance_document_import",
    "admin:guidance_consultation_version_import",
}
# Each form's cap; a file over twice the larger is refused while it arrives.
SUPPORTING_DOCUMENT_MAX_MB = env_int("SUPPORTING_DOCUMENT_MAX_MB", 20)
DRAFT_IMPORT_MAX_MB = env_int("DRAFT_IMPORT_MAX_MB", 10)
FILE_UPLOAD_MAX_BYTES = 2 * max(SUPPORTING_DOCUMENT_MAX_MB, DRAFT_IMPORT_MAX_MB, 5) * 1024 * 1024

# Uploads are read in a child process with these limits (guidance/consultations/limited.py), never
# in the web process; the host needs this memory for each upload that may run at once.
UPLOAD_CPU_SECONDS = env_int("UPLOAD_CPU_SECONDS", 20)
UPLOAD_MEMORY_MB = env_int("UPLOAD_MEMORY_MB", 512)
# Days a preview link to a draft consultation works (guidance/consultations/previews.py).
PREVIEW_LINK_DAYS = env_int("PREVIEW_LINK_DAYS", 7)
FILE_UPLOAD_HANDLERS = [
    "consult.uploads.RefuseFilesUnlessTaken",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Overload (consult.middleware.LoadSheddingMiddleware; docs/deployment.md, "Beyond capacity"): a
# process serves at most this many page views at once (twice as many form posts); a further one
# waits up to BUSY_WAIT_MS, then gets the 503 "very busy" page. Per process: gunicorn needs more
# threads than twice this (gunicorn.conf.py). 0 turns refusing off. It sits in MIDDLEWARE after
# the health checks and static files and before sessions, so a refusal costs no database query.
MAX_REQUESTS_IN_PROGRESS = env_int("MAX_REQUESTS_IN_PROGRESS", 4)
# Requests arrive in bursts: waiting a moment for a place refuses fewer while places free up.
BUSY_WAIT_MS = env_int("BUSY_WAIT_MS", 100)
# Seconds a refused client is told to wait before trying again (the Retry-After header).
BUSY_RETRY_AFTER = env_int("BUSY_RETRY_AFTER", 10)

# Give up on an unreachable PostgreSQL quickly, so /healthz and the 503 page answer in seconds.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 5)

# Seconds a client is told to wait (Retry-After) when the database is unavailable.
DATABASE_UNAVAILABLE_RETRY_AFTER = 30

# Statement and lock timeouts on PostgreSQL: a page waiting longer gets the 503 page well before
# gunicorn's timeout kills its worker. The web process (consult/wsgi.py sets PORTAL_PROCESS=web)
# gets the short ones; the email worker and the commands do longer work and get the COMMAND ones.
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

# Readiness fails ("database too slow") past this; HEALTH_CHECK_TOKEN gives a probe the queue's figures.
HEALTH_CHECK_DATABASE_MS = env_int("HEALTH_CHECK_DATABASE_MS", 2_000)
HEALTH_CHECK_TOKEN = os.environ.get("HEALTH_CHECK_TOKEN", "")

# Permissions-Policy (django-permissions-policy): no page uses a camera, microphone, location or
# any other powerful browser feature, so none may, nor may anything a page could be made to embed.
PERMISSIONS_POLICY = dict.fromkeys(
    [
        *("accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen"),
        *("geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment"),
        *("publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking"),
    ],
    [],
)

# Where people ask about their personal data or for erasure, shown in the privacy notice, such as
# a data protection officer's address. Empty: the notice gives each consultation's own contact address.
PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "")

# Suggested themes and code by example (docs/analysis.md, "Suggested themes"), worked out on this
# server: "tfidf" (built in) or "embeddings", a model2vec model in THEME_EMBEDDING_MODEL_PATH, a
# folder on this machine (nothing is ever downloaded). Up to THEME_SUGGESTIONS_IN_REQUEST_LIMIT
# comments are grouped while the analyst waits; more, by the worker (manage.py run_worker).
THEME_ENGINE = os.environ.get("THEME_ENGINE", "tfidf")
THEME_EMBEDDING_MODEL_PATH = os.environ.get("THEME_EMBEDDING_MODEL_PATH", "")
THEME_SUGGESTIONS_IN_REQUEST_LIMIT = env_int("THEME_SUGGESTIONS_IN_REQUEST_LIMIT", 2_000)

# The open data API under /api/v1/ (guidance/public/api/, docs/open-data.md): Django REST framework,
# read-only and anonymous (no sessions, no CSRF), JSON only (the browsable API off), its OpenAPI 3
# schema by drf-spectacular; CORS for any origin, GET only, on /api/ alone, never with credentials.
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "corsheaders"]
# High up, so that a refusal further down (the "very busy" 503) still carries the CORS headers.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "corsheaders.middleware.CorsMiddleware"
)
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After"]
# Requests per minute from one address (guidance.responses.ratelimit.client_address) before a 429.
API_REQUESTS_PER_MINUTE = env_int("API_REQUESTS_PER_MINUTE", 120)
# Whole downloads of published responses (CSV or JSON) from one address per hour: each may stream a
# million rows, so a loop of them must not take the server (docs/open-data.md).
RATE_LIMIT_DOWNLOADS_PER_HOUR = env_int("RATE_LIMIT_DOWNLOADS_PER_HOUR", 30)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["guidance.public.api.throttling.PerAddress"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME}: open data API",
    "DESCRIPTION": "Published consultations and their published responses, read-only (docs/open-data.md).",
    "VERSION": "1",
    # 3.1, whose schemas are JSON Schema: a null is "type": [..., "null"], as validators read it.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": False,
}

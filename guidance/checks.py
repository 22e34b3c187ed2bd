"""System checks: settings the portal refuses to run with. `manage.py check` reports them, and so
does `manage.py migrate`, which the Docker image runs before starting gunicorn."""

from django.conf import settings
from django.core.checks import Error, register

CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


@register("email")
def receipts_are_not_printed_to_the_log(app_configs, **kwargs):
    """Without a mail server the console backend prints every receipt (the respondent's name,
    email address and what they wrote) to standard output, which is the log in production. Fine on
    a developer's machine; elsewhere only if chosen on purpose."""
    if settings.DEBUG or settings.EMAIL_BACKEND != CONSOLE_EMAIL_BACKEND or settings.EMAIL_BACKEND_CHOSEN:
        return []
    return [
        Error(
            "No mail server is set, so every receipt (the respondent's name, email address and what they "
            "wrote) would be printed to the log.",
            hint="Set EMAIL_HOST to your SMTP server (with EMAIL_HOST_USER and EMAIL_HOST_PASSWORD if it "
            "needs them). To run without sending receipts, set "
            "EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend; to print them to the log after all, "
            "set EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend.",
            id="guidance.E001",
        )
    ]

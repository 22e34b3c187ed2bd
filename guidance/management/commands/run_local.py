"""`make run`: Django's development server for trying the portal on this machine, which ends its
start-up with one block saying where the portal is, the staff login and how to stop it (instead
of Django's banner). Each start gives the local `admin` user a new password."""

import logging
import os

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.runserver import Command as RunserverCommand
from django.urls import reverse

from guidance.management.commands.create_local_staff import reset_local_staff

# The autoreloader runs this command again in a child process that serves the site (and again
# after each code change): the password is made once, by the first process, and handed down.
PASSWORD_VARIABLE = "PORTAL_LOCAL_STAFF_PASSWORD"  # noqa: S105 - the name of a variable, not a password


class Command(RunserverCommand):
    help = "Serve the portal for a local try-out (DJANGO_DEBUG on) and print its address and a staff login."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("run_local is for local runs (DJANGO_DEBUG=true).")
        if os.environ.get("RUN_MAIN") != "true":
            os.environ[PASSWORD_VARIABLE] = reset_local_staff("admin")
        log_reloads_once()
        super().handle(*args, **options)

    def on_bind(self, server_port):
        # Loading the WSGI application set up logging again, which undid log_reloads_once().
        log_reloads_once()
        site = f"{self.protocol}://{self.addr}:{server_port}"
        rule = "=" * 64
        self.stdout.write(
            f"\n{rule}\n"
            f"  The portal is running at  {site}/\n"
            f"  Staff admin:              {site}{reverse('admin:index')}\n"
            f"      username  admin\n"
            f"      password  {os.environ.get(PASSWORD_VARIABLE, '(unchanged)')}\n"
            f"  Stop it with Control-C.\n"
            f"{rule}\n"
        )


def log_reloads_once():
    """The reloader's messages went out twice, on Django's console and in our JSON log, and
    "Watching for file changes" said nothing useful: show "… changed, reloading" once, plainly."""
    reloader = logging.getLogger("django.utils.autoreload")
    reloader.propagate = False
    console = logging.StreamHandler()
    console.addFilter(lambda record: not record.getMessage().startswith("Watching for file changes"))
    reloader.handlers = [console]

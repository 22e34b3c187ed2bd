"""Give a local run a staff login with a fresh random password, printed once."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


def reset_local_staff(username="admin"):
    """Create (or reset) the local superuser and return its newly generated password."""
    password = secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": ""})
    user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()
    return password


class Command(BaseCommand):
    help = (
        "Create (or reset) the local superuser 'admin' with a newly generated password and print it. "
        "For local development only: refuses to run unless DJANGO_DEBUG is on."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("create_local_staff is for local runs (DJANGO_DEBUG=true). Use createsuperuser instead.")
        password = reset_local_staff(username)
        self.stdout.write(f"Staff login  username: {username}  password: {password}")

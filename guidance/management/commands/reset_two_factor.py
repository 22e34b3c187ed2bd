"""Forget a staff member's authenticator app (lost or replaced phone): at their next sign-in they
set up a new one. Run by a superuser (an operator with shell access)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from guidance.staff import two_factor


class Command(BaseCommand):
    help = (
        "Forget USERNAME's authenticator app, so that they set up a new one at their next sign-in "
        "(when STAFF_TWO_FACTOR is on). Also signs them out everywhere."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no account with the username {username!r}.")
        removed = two_factor.reset(user)
        if removed:
            self.stdout.write(f"Forgot {username}'s authenticator app: they set up a new one at their next sign-in.")
        else:
            self.stdout.write(f"{username} has no authenticator app set up: nothing to forget.")

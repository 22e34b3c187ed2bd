"""`manage.py sync_roles`: make the staff roles' groups hold exactly the permissions
guidance/staff/roles.py gives them (migrations do it too; run it after changing that module)."""

from django.core.management.base import BaseCommand

from guidance.staff.roles import sync_roles


class Command(BaseCommand):
    help = "Make each staff role's group hold exactly the permissions guidance/staff/roles.py lists."

    def handle(self, *args, **options):
        for role, permissions in sync_roles().items():
            self.stdout.write(f"{role}: {len(permissions)} permissions")

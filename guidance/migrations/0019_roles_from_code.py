"""The staff roles' groups, as guidance/staff/roles.py defines them: from here on that module is the
one definition, and `manage.py sync_roles` applies a change to it."""

from django.db import migrations


def sync(apps, schema_editor):
    from guidance.staff.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("guidance", "0018_public_pages_version")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]

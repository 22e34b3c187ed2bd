"""Chat hours: moderators and consultation managers may host them (guidance/staff/roles.py,
applied again)."""

from django.db import migrations


def sync(apps, schema_editor):
    from guidance.staff.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("guidance", "0029_events")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]

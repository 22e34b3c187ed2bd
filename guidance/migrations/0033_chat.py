"""Chat hours on the portal: when each message came into the chat or left it, indexed for the open
pages' polls (guidance/events/live.py); and moderators and consultation managers may host them
(guidance/staff/roles.py, applied again)."""

from django.db import migrations, models


def sync(apps, schema_editor):
    from guidance.staff.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("guidance", "0032_arrival")]

    operations = [
        migrations.AddField(
            model_name="chatmessage",
            name="shown_changed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="chatmessage",
            index=models.Index(fields=["event", "shown_changed_at"], name="chatmessage_event_changed"),
        ),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]

"""Staff accounts: the email queue also carries the link a new member of staff sets their password
with (a QueuedEmail about a user instead of a response), and consultation managers may add staff
members and change their roles (guidance/staff/roles.py, applied again)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def sync(apps, schema_editor):
    from guidance.staff.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0022_equality_monitoring"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="queuedemail",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="queuedemail",
            name="kind",
            field=models.CharField(
                choices=[
                    ("receipt", "Receipt"),
                    ("link", "Link to continue"),
                    ("notification", "What happened to the response"),
                    ("set_password", "Link for a member of staff to set their password"),
                ],
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="queuedemail",
            name="response",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="emails",
                to="guidance.response",
            ),
        ),
        migrations.AddConstraint(
            model_name="queuedemail",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("response__isnull", False), ("user__isnull", True)),
                    models.Q(("response__isnull", True), ("user__isnull", False)),
                    _connector="OR",
                ),
                name="queuedemail_about_a_response_or_a_user",
            ),
        ),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]

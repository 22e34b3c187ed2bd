"""The staff roles were made here; they are now made by 0019_roles_from_code, from the one
definition in guidance/staff/roles.py, so this migration does nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = []

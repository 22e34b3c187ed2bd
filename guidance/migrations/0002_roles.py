"""The staff roles as Django groups, with exactly these permissions (README, "Staff roles").

Permissions are normally created after all migrations have run, so this migration creates them
first: on a fresh database the groups would otherwise get nothing.
"""

from django.db import migrations

ROLES = {
    # Reads the queue and decides on comments; sees themes. No personal data, no export.
    "Moderator": [
        "view_document",
        "view_section",
        "view_consultation",
        "view_question",
        "view_response",
        "view_comment",
        "moderate_comment",
        "view_moderationevent",
        "view_report",
        "view_theme",
    ],
    # Reads everything, manages themes and tags comments with them, exports without personal data.
    "Analyst": [
        "view_document",
        "view_section",
        "view_consultation",
        "view_question",
        "view_outcome",
        "view_response",
        "view_comment",
        "change_comment",
        "view_moderationevent",
        "view_report",
        "add_theme",
        "change_theme",
        "delete_theme",
        "view_theme",
        "export_responses",
        "view_exportrecord",
    ],
    # Runs consultations: the draft, its questions and outcomes; enters responses received
    # offline with their comments and answers; exports with personal data; erases a respondent's
    # personal data on request (guidance/staff/erasure.py) and reads the erasure record.
    "Consultation manager": [
        *(f"{verb}_{model}" for model in ["document", "section", "consultation", "question", "outcome"]
          for verb in ["add", "change", "delete", "view"]),
        "add_response",
        "change_response",
        "view_response",
        "view_personal_data",
        "export_responses",
        "add_comment",
        "change_comment",
        "view_comment",
        "view_moderationevent",
        "view_report",
        "view_theme",
        "view_exportrecord",
        "view_erasure",
    ],
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        permissions = list(Permission.objects.filter(content_type__app_label="guidance", codename__in=codenames))
        missing = set(codenames) - {p.codename for p in permissions}
        if missing:
            raise RuntimeError(f"Permissions missing for the {name} group: {sorted(missing)}")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

"""The staff roles and what each may do: the one place permissions are written down.

Each role is a group with exactly the permissions listed here (README, "Staff roles"). A migration
and `manage.py sync_roles` make the groups in the database match this module; staff pages ask for
the names below, never for a permission string of their own.
"""

from django.db import transaction
from django.db.models import Q

# What each staff page asks for, by what it lets someone do.
VIEW_CONSULTATIONS = "guidance.view_consultation"
VIEW_DOCUMENTS = "guidance.view_document"
VIEW_SECTIONS = "guidance.view_section"
CHANGE_SECTIONS = "guidance.change_section"
EDIT_A_DRAFT = ("guidance.add_section", "guidance.change_section", "guidance.delete_section")
START_A_VERSION = ("guidance.add_document", "guidance.add_section", "guidance.change_section")
PUBLISH = "guidance.publish_consultation"
SHARE_PREVIEWS = "guidance.add_previewlink"
STOP_PREVIEWS = "guidance.change_previewlink"
VIEW_SUPPORTING_DOCUMENTS = "guidance.view_supportingdocument"
ADD_SUPPORTING_DOCUMENTS = "guidance.add_supportingdocument"
DELETE_SUPPORTING_DOCUMENTS = "guidance.delete_supportingdocument"
VIEW_COMMENTS = "guidance.view_comment"
CHANGE_COMMENTS = "guidance.change_comment"
MODERATE = "guidance.moderate_comment"
# Shortlisting quotes for the report is coding comments, as themes are.
MARK_QUOTABLE = "guidance.change_comment"
SEE_PERSONAL_DATA = "guidance.view_personal_data"
IMPORT_RESPONSES = ("guidance.add_response", "guidance.add_comment")
EXPORT = "guidance.export_responses"
ERASE = ("guidance.view_personal_data", "guidance.change_response")
VIEW_OUTCOMES = "guidance.view_outcome"
WRITE_OUTCOMES = ("guidance.add_outcome", "guidance.change_outcome")
REMOVE_OUTCOMES = "guidance.delete_outcome"
# Adding staff members, changing their role, removing their access (guidance/staff/team.py).
MANAGE_STAFF = ("auth.view_user", "auth.add_user", "auth.change_user")
SUGGEST_THEMES = ("guidance.add_theme", "guidance.change_comment")
# Making, changing and publishing the story of an event (guidance/staff/stories.py).
EDIT_STORIES = "guidance.edit_story"
# Hosting a chat hour: putting the questions and posting the host's messages (guidance/staff/chat.py).
HOST_CHAT = "guidance.add_chatmessage"
# A consultation's events (guidance/staff/events.py): publishing the notes after one is changing it;
# who signed up (names, addresses, access needs) is personal data.
PUBLISH_EVENT_NOTES = "guidance.change_event"
SEE_EVENT_SIGNUPS = ("guidance.view_eventsignup", "guidance.view_personal_data")


def every(verbs, *models):
    return [f"{verb}_{model}" for model in models for verb in verbs]


READ_THE_CONSULTATION = every(
    ["view"], "document", "section", "consultation", "question", "option", "supportingdocument"
)

ROLES = {
    # Reads the queue and decides on comments; sees themes. No personal data, no export.
    "Moderator": [
        *READ_THE_CONSULTATION,
        *every(["view"], "response", "comment", "moderationevent", "report", "theme"),
        *every(["view"], "event"),
        "moderate_comment",
        # Hosts chat hours, and moderates their replies live.
        *every(["add", "view"], "chatmessage"),
    ],
    # Reads everything, manages themes and tags comments with them, exports without personal data.
    "Analyst": [
        *READ_THE_CONSULTATION,
        *every(["view"], "outcome", "response", "comment", "moderationevent", "report", "exportrecord"),
        *every(["view"], "event"),
        *every(["add", "change", "delete", "view"], "theme"),
        "change_comment",
        "export_responses",
    ],
    # Runs consultations: the draft, its questions and outcomes, publishing, preview links and
    # supporting documents; enters responses received offline; exports with personal data; erases a
    # respondent's personal data on request and reads the erasure record.
    "Consultation manager": [
        *every(["add", "change", "delete", "view"], "document", "section", "consultation", "question", "option"),
        *every(["add", "change", "delete", "view"], "outcome", "supportingdocument"),
        *every(["add", "change", "view"], "previewlink"),
        *every(["add", "change", "view"], "response", "comment"),
        # A consultation's events, their notes, and who signed up to them.
        *every(["add", "change", "delete", "view"], "event"),
        *every(["view"], "eventsignup"),
        *every(["view"], "moderationevent", "report", "theme", "exportrecord", "erasure"),
        "publish_consultation",
        "edit_story",
        "view_personal_data",
        "export_responses",
        # Adds staff members and changes their roles (never a superuser's account).
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        # Hosts chat hours.
        *every(["add", "view"], "chatmessage"),
    ],
}

# What each role may do, in a line: shown beside each role where a staff member is given one.
DESCRIPTIONS = {
    "Moderator": (
        "Reads the comments waiting for a decision and approves, rejects or marks them as spam. "
        "Sees no personal data and cannot export."
    ),
    "Analyst": (
        "Reads every comment and response, manages themes and codes comments with them, "
        "and exports without personal data."
    ),
    "Consultation manager": (
        "Runs consultations: drafts, questions, publishing, outcomes and events' stories; enters responses received "
        "elsewhere; sees and exports personal data; erases it on request; adds staff members."
    ),
}


def app_and_codename(permission):
    """("auth", "add_user") for "auth.add_user"; a bare codename is the portal's: ("guidance", …)."""
    app_label, _, codename = permission.rpartition(".")
    return app_label or "guidance", codename


def made_yet(apps, app_label, codename):
    """Whether the model a permission is about ("add_chatmessage") exists in `apps`: an earlier
    migration applying today's roles leaves out the permissions of models made after it, and the
    migration that grants them applies the roles again. A permission of no model is always wanted."""
    from django.apps import apps as today

    model = codename.partition("_")[2]
    try:
        today.get_model(app_label, model)
    except LookupError:
        return True
    try:
        apps.get_model(app_label, model)
    except LookupError:
        return False
    return True


def sync_roles(apps=None):
    """Make each role's group hold exactly its permissions, creating what is missing. `apps` is a
    migration's app registry (the current one otherwise). Returns {role: permissions it holds}.
    In a migration, permissions of models made by later migrations are left to them (made_yet)."""
    if apps is None:
        from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # In a migration, permissions are not made until every migration has run: make them now.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    held = {}
    with transaction.atomic():
        for name, codenames in ROLES.items():
            wanted = [app_and_codename(codename) for codename in codenames]
            wanted = [(app_label, codename) for app_label, codename in wanted if made_yet(apps, app_label, codename)]
            by_app, which = {}, Q()
            for app_label, codename in wanted:
                by_app.setdefault(app_label, []).append(codename)
            for app_label, app_codenames in by_app.items():
                which |= Q(content_type__app_label=app_label, codename__in=app_codenames)
            permissions = list(permission_model.objects.filter(which).select_related("content_type"))
            found = {(permission.content_type.app_label, permission.codename) for permission in permissions}
            missing = {f"{app_label}.{codename}" for app_label, codename in set(wanted) - found}
            if missing:
                raise RuntimeError(f"Permissions missing for the {name} role: {sorted(missing)}")
            group, _ = group_model.objects.get_or_create(name=name)
            group.permissions.set(permissions)
            held[name] = sorted(codenames)
    return held

"""Staff members: what they are called, their role, and the writes that give and take away access.

A role (guidance/staff/roles.py) is what makes someone staff: set_role gives the role's group and
the staff status the admin asks for together, and takes both away together, so that nobody can be
given a role yet be refused at sign-in for want of a separate "staff status" tick. A superuser keeps
staff status without a role.

A new staff member never gets a password from whoever adds them: the portal emails them a link to
set their own (Django's password-reset token: it works once, until they set a password or sign in,
for SET_PASSWORD_LINK_DAYS), through the email queue, so nothing is sent while the page waits.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from guidance.mail import mailqueue
from guidance.models import QueuedEmail
from guidance.staff.roles import ROLES

SET_PASSWORD_LINK_DAYS = settings.PASSWORD_RESET_TIMEOUT // (24 * 3600)


class AlreadyAStaffMember(ValueError):
    """Someone has an account with that email address (or username) already."""


def display_name(user):
    """How a person is shown to staff: their full name, or their username if they gave no name.
    Every page and export that names a member of staff shows this (User.__str__ is this too)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def display_name_in_database(relation=""):
    """display_name as a database expression, for a query that names people in its rows (an
    export): `relation` leads to the user, such as "moderated_by__"."""
    full = Trim(Concat(F(f"{relation}first_name"), Value(" "), F(f"{relation}last_name")))
    return Coalesce(NullIf(full, Value("")), F(f"{relation}username"))


def role_of(user):
    """The name of the person's role, or None. Someone given two roles by hand before roles were one
    choice reads as the first of them, in the order roles.py lists them."""
    held = {group.name for group in user.groups.all()}
    return next((name for name in ROLES if name in held), None)


def role_groups():
    return Group.objects.filter(name__in=list(ROLES))


def set_role(user, role):
    """Give the person this role (a name in roles.ROLES) in place of any other, or, with None, take
    their role away; their staff status follows (kept for a superuser). Groups that are not roles
    are left as they are."""
    if role is not None and role not in ROLES:
        raise ValueError(f"No such role: {role!r}")
    with transaction.atomic():
        user.groups.remove(*role_groups().exclude(name=role))
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        user.is_staff = role is not None or user.is_superuser
        if role is not None:
            user.is_active = True
        user.save(update_fields=["is_staff", "is_active"])
    return user


def add_staff_member(*, first_name, last_name, email, role):
    """A new account for a member of staff, with this role, signing in with their email address as
    their username, and the email with the link to set their password queued (never a password of
    anyone else's choosing). Returns the user."""
    email = get_user_model().objects.normalize_email(email.strip())
    username = email.lower()
    users = get_user_model().objects
    with transaction.atomic():
        if users.filter(Q(username__iexact=username) | Q(email__iexact=email)).exists():
            raise AlreadyAStaffMember(email)
        try:
            with transaction.atomic():
                user = users.create_user(
                    username, email=email, first_name=first_name.strip(), last_name=last_name.strip()
                )
        except IntegrityError:
            raise AlreadyAStaffMember(email) from None  # added by someone else in the same moment
        # create_user gave no password: an unusable one, so the account cannot be signed in to yet.
        set_role(user, role)
        send_set_password_email(user)
    return user


def send_set_password_email(user):
    """Queue the email with the link to set their password (a new one works alongside any sent
    before, until one of them is used). Returns the QueuedEmail."""
    return mailqueue.queue(QueuedEmail.Kind.SET_PASSWORD, None, user=user)


def set_password_path(user):
    """The address of the page where this person sets their password, with a token that works once."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("admin:staff_set_password", args=[uid, default_token_generator.make_token(user)])


def remove_access(user):
    """Take the person's role and staff status away, stop them signing in (their sessions end at
    their next request: Django signs no inactive account in) and make every set-password link sent
    them useless. Their name stays on what they did (decisions, notes, exports), which is why the
    account is kept rather than deleted."""
    with transaction.atomic():
        set_role(user, None)
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
    return user

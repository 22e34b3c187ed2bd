"""Which data is personal, and who may see it: the one rule every staff surface obeys.

A model lists the fields that identify someone in PERSONAL_DATA_FIELDS (Response: name, email
address, organisation and source URL; EventSignUp: name, email address, access needs; and
Subscriber: an email subscription's address, whose list in the admin only those staff see at all).
Staff without roles.SEE_PERSONAL_DATA never see those fields, and cannot learn them indirectly
either: not by filtering a list in the address bar (`?email__startswith=a` and watching the count),
searching, sorting or exporting. The admin (guidance/staff/admin/base.py, PersonalDataAdmin) and
the export ask this module; retention and erasure blank (a sign-up, a subscriber: delete) the same fields.
"""

from django.core.exceptions import FieldDoesNotExist

from guidance.staff import roles


def may_see_personal_data(user):
    return user.has_perm(roles.SEE_PERSONAL_DATA)


def personal_fields(model):
    return tuple(getattr(model, "PERSONAL_DATA_FIELDS", ()))


def personal_field_reached(model, lookup):
    """The personal field that a lookup path reaches from `model`, as "Response.email", or None.

    "email__startswith" on Response, "response__email__regex" on Comment and
    "responses__organisation" on Consultation all reach one; "response__respondent_type" does not.
    Relations are followed in both directions, as the ORM follows them."""
    for part in lookup.split("__"):
        if part in personal_fields(model):
            return f"{model.__name__}.{part}"
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None  # a lookup type (startswith, regex) or a transform: the path ends here
        if not field.is_relation or field.related_model is None:
            return None
        model = field.related_model
    return None

"""The portal's ModelAdmins, registered on its admin site when the admin is ready
(guidance/staff/apps.py), one module per kind of record."""

from guidance.staff.admin import (  # noqa: F401  (registers them)
    comments,
    consultations,
    events,
    records,
    responses,
    staff_members,
    subscriptions,
)

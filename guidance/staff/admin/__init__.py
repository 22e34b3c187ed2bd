"""The portal's ModelAdmins, registered on its admin site when the admin is ready
(guidance/staff/apps.py), one module per kind of record."""

from guidance.staff.admin import comments, consultations, records, responses  # noqa: F401  (registers them)

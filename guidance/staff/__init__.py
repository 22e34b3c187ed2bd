"""The staff's own pages, in the admin's look and under its address: one module per job.

- moderation.py: deciding on comments (a comment's page, the queue's bulk decisions)
- analysis.py: a consultation's dashboard and coding comments with themes
- importing.py: importing responses received by email, post, at events or on social media
- exporting.py: exporting responses to CSV (a consultation's export page, the queue's action)
- erasure.py: finding a response and erasing its personal data on request
- accounts.py: staff sign-in: attempts limited, idle sessions ended

urls.py lists every page; site.py is the admin site that mounts them, each behind the admin's
sign-in, and gives the admin its name. forms.py holds these pages' forms and charts.py the
dashboard's bar charts. The ModelAdmins stay in guidance/staff/admin.py; what the pages do to the data
is done by the domain modules (guidance/moderation/decisions.py, exports.py, imports.py, retention.py, ...).
"""

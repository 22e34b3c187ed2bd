"""The staff's pages, in the admin's look and under its address: one module per job.

- moderation.py: deciding on comments (the moderation screen, a comment's page, the queue's bulk
  decisions)
- drafts.py, versions.py, publishing.py: a document's sections, importing a draft, the next
  version, publishing a consultation and its outcome, preview links, supporting documents
- replies.py: "You said, we did", the one place the outcome is written: the consultation as a
  whole, each section, question and theme (one form, one Save), and each comment
- outcome_previews.py: the outcome's preview, before it is published (the public pages' templates)
- analysis.py: a consultation's dashboard and coding comments with themes
- suggested_themes.py (forms in suggestion_forms.py): suggested themes, code by example, and
  confirming or removing suggested comments in bulk
- importing.py, exporting.py: responses received elsewhere in; responses out, to CSV
- erasure.py: finding a response and erasing its personal data on request
- accounts.py, signin.py, two_factor.py: staff sign-in, its limits, its second factor
- team.py: adding a staff member, sending the link to set a password, removing access, and the
  page where a new member sets their password; members.py does the work (names, roles, access)
- roles.py: the roles and the permission each page asks for
- admin/: the ModelAdmins, by kind of record

urls.py lists every page; site.py is the admin site that mounts them, each behind the admin's
sign-in. forms.py (and member_forms.py) hold these pages' forms and charts.py the dashboard's bar
charts. What the pages do to the data is done by the packages that own it (guidance/moderation,
guidance/analysis, ...).
"""

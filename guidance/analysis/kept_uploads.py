"""An uploaded file of responses between its upload and its import.

Between the upload and the import, the file waits in private storage (keep_upload): Django's
default storage (MEDIA_ROOT, which the web server never serves, or the private S3 bucket), under
imports/ with a random name. The staff's session holds only a signed reference to it, which
opens it only for the member of staff who uploaded it and for that consultation (kept_upload),
so neither an altered reference nor one copied into another session opens any file. It holds
what people wrote, with their names: it is deleted when imported or cancelled, when the same
person uploads another for the consultation, and once KEEP_HOURS old (at the next upload, and by
`manage.py apply_retention`, daily).
"""

import datetime
import re
import secrets

from django.core import signing
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils import timezone

KEPT_FOLDER = "imports"
KEPT_NAME = re.compile(r"imports/[A-Za-z0-9_-]{32}\.csv")
KEEP_HOURS = 24
# The salt keeps its first name, so that references in staff sessions go on opening their files.
SIGNING_SALT = "guidance.analysis.imports.kept-upload"


def keep_upload(consultation, user, upload):
    """Store an uploaded file until it is imported; a signed reference to it, for the session."""
    discard_old_uploads()
    name = default_storage.save(f"{KEPT_FOLDER}/{secrets.token_urlsafe(24)}.csv", File(upload))
    return signing.dumps({"name": name, "user": user.pk, "consultation": consultation.pk}, salt=SIGNING_SALT)


def _kept_name(reference, consultation, user):
    """The stored file's name, if the reference is unaltered, this user's and for this consultation."""
    if not isinstance(reference, str):
        return None
    try:
        kept = signing.loads(reference, salt=SIGNING_SALT, max_age=KEEP_HOURS * 3600)
    except signing.BadSignature:
        return None
    if not isinstance(kept, dict) or (kept.get("user"), kept.get("consultation")) != (user.pk, consultation.pk):
        return None
    name = kept.get("name")
    return name if isinstance(name, str) and KEPT_NAME.fullmatch(name) else None


def kept_upload(reference, consultation, user):
    """The kept file's bytes, or None when the reference does not open it (altered, another
    person's or consultation's, too old) or the file is gone."""
    name = _kept_name(reference, consultation, user)
    if name is None:
        return None
    try:
        with default_storage.open(name, "rb") as file:
            return file.read()
    except OSError:  # deleted meanwhile (imported in another tab, or too old)
        return None


def discard_upload(reference, consultation, user):
    name = _kept_name(reference, consultation, user)
    if name is not None:
        default_storage.delete(name)


def discard_old_uploads(now=None):
    """Delete kept files KEEP_HOURS old or older; the number deleted."""
    if not default_storage.exists(KEPT_FOLDER):
        return 0
    limit = (now or timezone.now()) - datetime.timedelta(hours=KEEP_HOURS)
    deleted = 0
    for file_name in default_storage.listdir(KEPT_FOLDER)[1]:
        name = f"{KEPT_FOLDER}/{file_name}"
        try:
            if default_storage.get_modified_time(name) <= limit:
                default_storage.delete(name)
                deleted += 1
        except OSError:  # deleted meanwhile
            continue
    return deleted

"""The settings the tests run with (pyproject.toml names this module).

The portal's own settings (consult/settings.py), read as on a machine that sets nothing but where the
database is: every variable those settings read is set aside first, so the tests pass whatever the
shell exports (DJANGO_ALLOWED_HOSTS, say, which would change the address in every email). Then what a
test run needs that production must not have.
"""

import os
import re
from pathlib import Path

SETTINGS_SOURCE = (Path(__file__).with_name("settings.py")).read_text()
READ_BY_THE_SETTINGS = set(re.findall(r'env_(?:bool|int|list)\("([A-Z_]+)"', SETTINGS_SOURCE)) | set(
    re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', SETTINGS_SOURCE)
)
for name in READ_BY_THE_SETTINGS - {"DATABASE_URL"}:
    os.environ.pop(name, None)
os.environ["DJANGO_DEBUG"] = "false"  # as production
os.environ["DJANGO_SECRET_KEY"] = "test-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105

from consult.settings import *  # noqa: E402, F403

# The test client and the live server speak plain HTTP; tests of the redirect turn it back on.
SECURE_SSL_REDIRECT = False
# Hashing passwords the production way (hundreds of thousands of rounds) made the sign-in tests the
# slowest of the suite; a test needs a password that works, not one that resists cracking.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A receipt is due as soon as it is queued, so that a test delivering the queue sees it; forms sent
# before that still join it, one receipt a visit. tests/test_receipts.py sets the wait itself.
RECEIPT_GATHER_SECONDS = 0
# The same PostgreSQL, but emptied after a test that commits with DELETE, not TRUNCATE
# (tests/postgresql_for_tests/base.py says why).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "tests.postgresql_for_tests"  # noqa: F405

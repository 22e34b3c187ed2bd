import pytest

from tests.factories import ConsultationFactory, QuestionFactory, SectionFactory


@pytest.fixture
def consultation(db):
    return ConsultationFactory()


@pytest.fixture
def section(consultation):
    return SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")


@pytest.fixture
def question(consultation):
    return QuestionFactory(consultation=consultation, position=1)


# Production hardening: with DEBUG off the portal redirects plain HTTP to HTTPS, and the
# test client and the live server speak plain HTTP. Session-wide, so it is off before the live
# server (for the browser tests) loads its middleware. Tests of the redirect turn it back on.
@pytest.fixture(autouse=True, scope="session")
def plain_http_for_tests():
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False


# Hashing a password the production way (PBKDF2, hundreds of thousands of rounds) made the sign-in
# tests the slowest of the suite; tests need a password that works, not one that resists cracking.
# Session-wide, so the browser tests' live server (same process) uses it too.
@pytest.fixture(autouse=True, scope="session")
def fast_password_hasher():
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


# Each process keeps rendered fragments in memory (settings.CACHES["fragments"]); primary keys are
# reused from test to test, so a page cached by one test must not be served to the next.
@pytest.fixture(autouse=True)
def fresh_fragment_cache():
    from django.core.cache import caches

    caches["fragments"].clear()


# On SQLite the test database is a file, not Django's default shared in-memory database: the
# browser tests' live server answers from several threads, and threads sharing an in-memory
# database get "database table is locked" at once instead of waiting their turn for the write
# lock, as the portal's own busy timeout makes them do on a file (consult/settings.py).
@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")


# Uploaded files (supporting documents) go to a folder of the test's own, never the checkout's media/.
@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"

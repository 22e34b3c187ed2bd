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


# Respondent journey: the database cache (rate-limit counters) needs its table in the test database.
@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


# Production hardening (issue 7): with DEBUG off the portal redirects plain HTTP to HTTPS, and the
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

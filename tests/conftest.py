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


# Production hardening (issue 7): with DEBUG off the portal redirects plain HTTP to HTTPS, and the
# test client and the live server speak plain HTTP. Session-wide, so it is off before the live
# server (for the browser tests) loads its middleware. Tests of the redirect turn it back on.
@pytest.fixture(autouse=True, scope="session")
def plain_http_for_tests():
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False


# Each process keeps rendered fragments in memory (settings.CACHES["fragments"]); primary keys are
# reused from test to test, so a page cached by one test must not be served to the next.
@pytest.fixture(autouse=True)
def fresh_fragment_cache():
    from django.core.cache import caches

    caches["fragments"].clear()

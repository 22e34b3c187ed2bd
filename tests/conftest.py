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
# test client speaks plain HTTP. Tests of the redirect itself turn it back on.
@pytest.fixture(autouse=True)
def plain_http_test_client(settings):
    settings.SECURE_SSL_REDIRECT = False

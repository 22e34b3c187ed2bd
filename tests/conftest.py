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

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

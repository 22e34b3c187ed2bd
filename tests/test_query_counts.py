"""The number of database queries a page makes does not grow with the number of comments."""

import pytest
from django.urls import reverse

from guidance.models import Comment, Response
from tests.factories import QuestionFactory, SectionFactory
from tests.journey_helpers import section_url

pytestmark = pytest.mark.django_db

# Consultation, sections, a count and one page of comments (3 or 4 today), plus the session's
# read and write; the point is that the same number holds for 5 comments and for 500.
MAX_QUERIES = 6


def add_published_comments(consultation, section, question, count):
    responses = Response.objects.bulk_create(
        Response(consultation=consultation, respondent_type="public", consent="named", name=f"Person {n}")
        for n in range(count)
    )
    Comment.objects.bulk_create(
        Comment(
            response=response,
            consultation=consultation,
            section=section if n % 2 else None,
            question=None if n % 2 else question,
            text=f"Comment {n}",
            status=Comment.Status.APPROVED,
        )
        for n, response in enumerate(responses)
    )


@pytest.mark.parametrize("count", [5, 500])
def test_section_and_published_pages_make_the_same_few_queries_with_5_or_500_comments(
    client, consultation, section, count, django_assert_max_num_queries
):
    SectionFactory(document=consultation.document, major=2)
    question = QuestionFactory(consultation=consultation)
    add_published_comments(consultation, section, question, count)
    for url in [
        section_url(section, consultation),
        reverse("guidance:published", args=[consultation.slug]),
        consultation.get_absolute_url(),
    ]:
        with django_assert_max_num_queries(MAX_QUERIES):
            page = client.get(url)
        assert page.status_code == 200
        assert "Person " in page.content.decode() or url == consultation.get_absolute_url()

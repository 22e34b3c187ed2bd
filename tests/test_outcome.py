import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from guidance.models import Comment, Consultation, ModerationReason, Outcome, Response
from guidance.outcomes.published import moderation_statistics, public_outcome
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, ResponseFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_outcome():
    now = timezone.now()
    consultation = ConsultationFactory(
        opens_at=now - datetime.timedelta(days=60),
        closes_at=now - datetime.timedelta(days=1),
        outcome="We heard that **payment** matters, so we added a section on it.",
        publication=Consultation.Publication.OUTCOME_PUBLISHED,
    )
    section = SectionFactory(document=consultation.document, major=2, minor=3, title="Sharing power")
    question = QuestionFactory(consultation=consultation, position=4, text="Any training?")
    Outcome.objects.create(consultation=consultation, question=question, text="We will fund training.")
    Outcome.objects.create(consultation=consultation, section=section, text="We rewrote it.")

    def comments(status, n, consent=Response.Consent.PUBLISH_ANONYMOUS, reason_code=""):
        response = ResponseFactory(consultation=consultation, consent=consent)
        for _ in range(n):
            CommentFactory(response=response, consultation=consultation, section=section)
        Comment.objects.filter(response=response).update(status=status, reason_code=reason_code)

    comments(Comment.Status.APPROVED, 3)
    comments(Comment.Status.APPROVED, 1, consent=Response.Consent.DO_NOT_PUBLISH)
    comments(Comment.Status.REJECTED, 2, reason_code=ModerationReason.OFFENSIVE)
    comments(Comment.Status.REJECTED, 1, reason_code=ModerationReason.DUPLICATE)
    comments(Comment.Status.REJECTED, 1)
    comments(Comment.Status.SPAM, 2)
    comments(Comment.Status.PENDING, 1)
    ResponseFactory(consultation=consultation)  # a response whose comments never arrived
    CommentFactory()  # another consultation's comment
    return consultation


def test_moderation_statistics_count_what_was_received_published_and_why_not(with_outcome):
    assert moderation_statistics(with_outcome) == {
        "responses_received": 8,
        "responses_published": 1,
        "comments_received": 11,
        "comments_published": 3,
        "comments_not_published": 8,
        "not_published": [
            ("Rejected: offensive or abusive", 2),
            ("Rejected: duplicate", 1),
            ("Rejected: other", 1),
            ("Spam", 2),
            ("Approved, but the respondent asked us not to publish it", 1),
            ("Not moderated yet", 1),
        ],
    }


def test_published_figures_match_what_the_public_can_see(with_outcome):
    stats = moderation_statistics(with_outcome)
    assert stats["comments_published"] == Comment.objects.published().filter(consultation=with_outcome).count()


def test_the_outcome_shows_nothing_before_the_close(consultation):
    assert public_outcome(consultation) is None
    assert render_to_string("includes/outcome.html", {"outcome": None}).strip() == ""


def test_the_outcome_include_shows_you_said_we_did_and_the_statistics(with_outcome):
    html = render_to_string("includes/outcome.html", {"outcome": public_outcome(with_outcome)})
    assert "What you said and what we did" in html
    assert "<strong>payment</strong>" in html
    assert html.index("Section 2.3: Sharing power") < html.index("Question 4: Any training?")
    assert "We will fund training." in html
    assert "Comments received</dt>" in html
    assert '<th scope="row" class="govuk-table__header">Rejected: offensive or abusive</th>' in html
    assert "style=" not in html


def test_a_closed_consultation_without_an_outcome_says_it_is_coming(with_outcome):
    with_outcome.outcome = ""
    with_outcome.save()
    Outcome.objects.all().delete()
    html = render_to_string("includes/outcome.html", {"outcome": public_outcome(with_outcome)})
    assert "We are reading every response." in html

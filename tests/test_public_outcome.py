"""After the close the public pages show the outcome ("you said, we did"), per section and per
question where one was written, and the moderation statistics; before it, none of that."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment, Consultation, ModerationReason, Outcome, Response
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, ResponseFactory, SectionFactory
from tests.journey_helpers import section_url

pytestmark = pytest.mark.django_db

OUTCOME = "We heard that **payment** matters, so we added a section on it. <script>alert(1)</script>"


def close(consultation):
    consultation.opens_at = timezone.now() - datetime.timedelta(days=60)
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()


@pytest.fixture
def written(consultation, section, question):
    """A consultation with an outcome written, per section and per question, and comments in
    every state: 3 published, 1 approved but private, 2 rejected as offensive, 1 spam, 1 pending."""
    consultation.outcome = OUTCOME
    consultation.publication = Consultation.Publication.OUTCOME_PUBLISHED
    consultation.save()
    Outcome.objects.create(consultation=consultation, section=section, text="We *rewrote* the section.")
    Outcome.objects.create(consultation=consultation, question=question, text="We will fund training.")

    def comments(status, n, consent=Response.Consent.PUBLISH_ANONYMOUS, reason_code="", target=None):
        response = ResponseFactory(consultation=consultation, consent=consent)
        for _ in range(n):
            if target == "question":
                CommentFactory(response=response, consultation=consultation, section=None, question=question)
            else:
                CommentFactory(response=response, consultation=consultation, section=section)
        Comment.objects.filter(response=response).update(status=status, reason_code=reason_code)

    comments(Comment.Status.APPROVED, 2)
    comments(Comment.Status.APPROVED, 1, target="question")
    comments(Comment.Status.APPROVED, 1, consent=Response.Consent.DO_NOT_PUBLISH)
    comments(Comment.Status.REJECTED, 2, reason_code=ModerationReason.OFFENSIVE)
    comments(Comment.Status.SPAM, 1)
    comments(Comment.Status.PENDING, 1)
    return consultation


def pages(consultation, section):
    return {
        "overview": consultation.get_absolute_url(),
        "section": section_url(section, consultation),
        "published": reverse("guidance:published", args=[consultation.slug]),
    }


def test_before_the_close_no_page_shows_the_outcome_or_the_statistics(client, written, section):
    for url in pages(written, section).values():
        html = client.get(url).content.decode()
        assert "payment" not in html
        assert "rewrote" not in html
        assert "We will fund training." not in html
        assert "How we handled the responses" not in html


def test_after_the_close_the_overview_shows_the_outcome_as_sanitised_markdown(client, written, section):
    close(written)
    html = client.get(written.get_absolute_url()).content.decode()
    assert "What you said and what we did" in html
    assert "We heard that <strong>payment</strong> matters" in html
    assert "<script>alert(1)" not in html
    assert "Section 1: Reciprocity" in html
    assert "We <em>rewrote</em> the section." in html
    assert "We will fund training." in html


def test_after_the_close_the_overview_shows_the_moderation_statistics(client, written):
    close(written)
    html = client.get(written.get_absolute_url()).content.decode()
    html = " ".join(html.split())
    # 6 responses; 8 comments, 3 published (from 2 responses), 5 not.
    for key, value in [
        ("Responses received", 6),
        ("Responses with at least one comment published", 2),
        ("Comments received", 8),
        ("Comments published", 3),
        ("Comments not published", 5),
    ]:
        assert f'{key}</dt> <dd class="govuk-summary-list__value">{value}</dd>' in html
    for reason, count in [
        ("Rejected: offensive or abusive", 2),
        ("Spam", 1),
        ("Approved, but the respondent asked us not to publish it", 1),
        ("Not moderated yet", 1),
    ]:
        assert (
            f'<th scope="row" class="govuk-table__header">{reason}</th> '
            f'<td class="govuk-table__cell govuk-table__cell--numeric">{count}</td>'
        ) in html
    assert "Rejected: duplicate" not in html  # reasons nobody was rejected for are left out


def test_after_the_close_the_section_page_shows_that_sections_outcome(client, written, section):
    close(written)
    html = client.get(section_url(section, written)).content.decode()
    assert "What you said about this section and what we did" in html
    assert "We <em>rewrote</em> the section." in html
    assert "We will fund training." not in html  # another target's outcome


def test_a_section_without_an_outcome_shows_none(client, written):
    close(written)
    other = SectionFactory(document=written.document, major=2, title="Planning")
    html = client.get(section_url(other, written)).content.decode()
    assert "what we did" not in html
    assert "rewrote" not in html


def test_after_the_close_the_published_responses_show_each_targets_outcome_under_its_heading(
    client, written, section, question
):
    close(written)
    html = client.get(reverse("guidance:published", args=[written.slug])).content.decode()
    section_heading = html.index("Section 1: Reciprocity</h2>")
    question_heading = html.index(f"{question.number}: {question.text}</h2>")
    assert section_heading < html.index("We <em>rewrote</em> the section.") < question_heading
    assert question_heading < html.index("We will fund training.")
    assert html.count("We will fund training.") == 1


def test_a_closed_consultation_without_an_outcome_says_it_is_being_prepared_and_still_shows_the_figures(
    client, written, section
):
    written.outcome = ""
    written.save()
    Outcome.objects.all().delete()
    close(written)
    html = client.get(written.get_absolute_url()).content.decode()
    assert "We are reading every response. We will publish what we heard and what we will change here." in html
    assert "Comments published</dt>" in html
    assert "What you said about this section" not in client.get(section_url(section, written)).content.decode()


def test_outcome_pages_make_the_same_number_of_queries_with_few_or_many_outcomes_and_comments(
    client,
):
    counts = {}
    for size in [1, 30]:
        consultation = ConsultationFactory(outcome="Done.")
        sections = [SectionFactory(document=consultation.document, major=n + 1) for n in range(size)]
        questions = [QuestionFactory(consultation=consultation, position=n + 1) for n in range(size)]
        for section, question in zip(sections, questions, strict=True):
            Outcome.objects.create(consultation=consultation, section=section, text="Changed.")
            Outcome.objects.create(consultation=consultation, question=question, text="Answered.")
            for target in [{"section": section}, {"section": None, "question": question}]:
                Comment.objects.filter(pk=CommentFactory(**target).pk).update(status=Comment.Status.APPROVED)
        close(consultation)
        for name, url in pages(consultation, sections[0]).items():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.setdefault(name, []).append(len(queries))
    assert all(few == many for few, many in counts.values()), counts

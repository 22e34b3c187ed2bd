import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from guidance.models import REFERENCE_ALPHABET, Comment, Consultation, Section
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    DocumentFactory,
    QuestionFactory,
    ResponseFactory,
    SectionFactory,
)

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def test_database_refuses_a_comment_with_both_a_section_and_a_question(section, question):
    response = ResponseFactory(consultation=question.consultation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(
            response=response, consultation=response.consultation, section=section, question=question, text="Both"
        )
    assert Comment.objects.count() == 0


def test_database_refuses_a_comment_with_no_target(consultation):
    response = ResponseFactory(consultation=consultation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(response=response, consultation=consultation, text="Neither")
    assert Comment.objects.count() == 0


def test_a_comment_on_a_section_or_on_a_question_is_stored(section, question):
    on_section = CommentFactory(section=section)
    on_question = CommentFactory(section=None, question=question)
    assert on_section.target_label == "Section 1"
    assert on_question.target_label == "Q1"


def test_sections_come_in_document_order_with_subsections_after_their_parent():
    document = DocumentFactory()
    for major, minor in [(10, 0), (2, 1), (1, 0), (2, 0), (2, 10), (2, 2)]:
        SectionFactory(document=document, major=major, minor=minor)
    numbers = [section.number for section in document.sections.all()]
    assert numbers == ["1", "2", "2.1", "2.2", "2.10", "10"]


def test_a_subsection_number_reads_as_parent_dot_position():
    section = SectionFactory.build(major=2, minor=3)
    assert section.number == "2.3"
    assert not SectionFactory.build(major=2).is_subsection


def test_a_subsection_needs_its_parent_section():
    document = DocumentFactory()
    orphan = SectionFactory.build(document=document, major=4, minor=1)
    with pytest.raises(ValidationError, match="Add section 4 before its sub-section 4.1"):
        orphan.full_clean()


def test_two_sections_cannot_share_a_number_in_one_document():
    document = DocumentFactory()
    SectionFactory(document=document, major=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        SectionFactory(document=document, major=3)
    assert Section.objects.filter(document=document).count() == 1


def test_consultation_is_open_exactly_at_opens_at_and_closed_exactly_at_closes_at():
    opens = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)
    closes = datetime.datetime(2027, 1, 22, 23, 59, tzinfo=LONDON)
    consultation = ConsultationFactory(opens_at=opens, closes_at=closes)
    one_microsecond = datetime.timedelta(microseconds=1)
    assert consultation.state_at(opens - one_microsecond) == Consultation.State.UPCOMING
    assert consultation.state_at(opens) == Consultation.State.OPEN
    assert consultation.state_at(closes - one_microsecond) == Consultation.State.OPEN
    assert consultation.state_at(closes) == Consultation.State.CLOSED
    assert list(Consultation.objects.open(now=opens)) == [consultation]
    assert list(Consultation.objects.open(now=closes)) == []
    assert list(Consultation.objects.closed(now=closes)) == [consultation]
    assert list(Consultation.objects.upcoming(now=opens - one_microsecond)) == [consultation]


def test_consultation_closing_after_the_clocks_go_forward_closes_at_uk_time():
    # Clocks go forward at 1am GMT on 28 March 2027; a midday close that day is 11:00 UTC.
    opens = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=LONDON)
    closes = datetime.datetime(2027, 3, 28, 12, 0, tzinfo=LONDON)
    consultation = ConsultationFactory(opens_at=opens, closes_at=closes)
    consultation.refresh_from_db()
    utc = datetime.UTC
    assert consultation.closes_at == datetime.datetime(2027, 3, 28, 11, 0, tzinfo=utc)
    assert consultation.state_at(datetime.datetime(2027, 3, 28, 10, 59, 59, tzinfo=utc)) == Consultation.State.OPEN
    assert consultation.state_at(datetime.datetime(2027, 3, 28, 11, 0, tzinfo=utc)) == Consultation.State.CLOSED
    assert list(Consultation.objects.open(now=datetime.datetime(2027, 3, 28, 11, 0, tzinfo=utc))) == []


def test_consultation_opening_in_the_hour_the_clocks_go_back_opens_at_uk_time():
    # On 31 October 2027 1:30am happens twice in London; fold=1 is the second, GMT one.
    opens = datetime.datetime(2027, 10, 31, 1, 30, fold=1, tzinfo=LONDON)
    consultation = ConsultationFactory(opens_at=opens, closes_at=opens + datetime.timedelta(days=30))
    utc = datetime.UTC
    assert consultation.state_at(datetime.datetime(2027, 10, 31, 1, 29, tzinfo=utc)) == Consultation.State.UPCOMING
    assert consultation.state_at(datetime.datetime(2027, 10, 31, 1, 30, tzinfo=utc)) == Consultation.State.OPEN


def test_database_refuses_a_consultation_that_closes_before_it_opens():
    opens = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsultationFactory(opens_at=opens, closes_at=opens)


def test_an_event_ends_after_it_starts_and_has_a_start_if_it_has_an_end(consultation):
    start = datetime.datetime(2027, 1, 4, 20, 0, tzinfo=LONDON)
    consultation.event_ends_at = start
    with pytest.raises(ValidationError, match="Give the start of the event"):
        consultation.full_clean()
    consultation.event_starts_at = start + datetime.timedelta(hours=1)
    with pytest.raises(ValidationError, match="The event must end after it starts"):
        consultation.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        consultation.save()


def test_an_event_is_over_once_it_has_ended_or_without_an_end_once_it_has_started(consultation):
    now = datetime.datetime.now(tz=LONDON)
    assert not consultation.event_is_over  # no date: a standing way to take part
    consultation.event_starts_at = now - datetime.timedelta(hours=1)
    assert consultation.event_is_over
    consultation.event_ends_at = now + datetime.timedelta(hours=1)
    assert not consultation.event_is_over


def test_consultations_list_open_first_then_upcoming_then_closed():
    now = datetime.datetime(2027, 2, 1, 12, 0, tzinfo=LONDON)
    day = datetime.timedelta(days=1)
    closed = ConsultationFactory(title="closed", opens_at=now - 30 * day, closes_at=now - day)
    upcoming = ConsultationFactory(title="upcoming", opens_at=now + day, closes_at=now + 30 * day)
    open_late = ConsultationFactory(title="open late", opens_at=now - day, closes_at=now + 20 * day)
    open_soon = ConsultationFactory(title="open soon", opens_at=now - day, closes_at=now + 2 * day)
    assert list(Consultation.objects.in_list_order(now=now)) == [open_soon, open_late, upcoming, closed]


def test_response_references_are_unique_and_use_only_unambiguous_characters(consultation):
    references = {ResponseFactory(consultation=consultation).reference for _ in range(50)}
    assert len(references) == 50
    for reference in references:
        head, tail = reference.split("-")
        assert len(head) == len(tail) == 4
        assert set(head + tail) <= set(REFERENCE_ALPHABET)
    assert not set(REFERENCE_ALPHABET) & set("0O1IL5S2Z8BUV")


def test_a_name_is_public_only_with_publish_with_my_name(consultation):
    named = ResponseFactory(consultation=consultation, name="Ann Smith", consent="named")
    anonymous = ResponseFactory(consultation=consultation, name="Bob Jones", consent="anonymous")
    assert named.public_name == "Ann Smith"
    assert anonymous.public_name == "Anonymous"


def test_published_comments_are_approved_ones_whose_respondent_agreed(section):
    def comment(status, consent):
        created = CommentFactory(section=section, response__consent=consent)
        Comment.objects.filter(pk=created.pk).update(status=status)
        return created

    shown = comment(Comment.Status.APPROVED, "named")
    shown_anonymously = comment(Comment.Status.APPROVED, "anonymous")
    comment(Comment.Status.APPROVED, "private")
    comment(Comment.Status.PENDING, "named")
    comment(Comment.Status.REJECTED, "named")
    comment(Comment.Status.SPAM, "named")
    assert set(Comment.objects.published()) == {shown, shown_anonymously}


def test_question_numbers_read_q_then_position(consultation):
    assert QuestionFactory(consultation=consultation, position=4).number == "Q4"

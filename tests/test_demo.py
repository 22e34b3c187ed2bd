import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from guidance.models import Consultation, Document, Question, Section

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Document.objects.values()),
        list(Section.objects.values()),
        list(Consultation.objects.values()),
        list(Question.objects.values()),
    )


def test_demo_loads_the_involve_consultation_with_its_sections_and_questions():
    call_command("load_demo", verbosity=0)
    consultation = Consultation.objects.get()
    assert consultation.title == "Draft guidance on co-producing research: have your say"
    assert consultation.organisation == "INVOLVE (National Institute for Health Research)"
    assert consultation.is_open
    sections = list(consultation.document.sections.all())
    assert len(sections) == 15
    assert [s.number for s in sections] == [str(n) for n in range(1, 16)]
    assert [s.part for s in sections[1:6]] == ["Key principles"] * 5
    assert [s.part for s in sections[6:13]] == ["Key features"] * 7
    assert sections[4].title == "Reciprocity"
    questions = list(consultation.questions.all())
    assert [q.text for q in questions] == [
        "Does this draft guidance capture the key principles/features involved in co-producing research?",
        "What are the challenges/barriers to co-producing research?",
        "What practical advice would you give to someone thinking of co-producing research?",
        "Has anyone been involved in training on co-producing research. If so, what went well?",
        "What are the dangers of not co-producing research?",
        "Do you have ideas for research projects?",
    ]
    assert all(q.hint for q in questions)


def test_demo_is_open_for_eight_weeks_closing_at_midnight_uk_time():
    call_command("load_demo", verbosity=0)
    consultation = Consultation.objects.get()
    closes = timezone.localtime(consultation.closes_at)
    opens = timezone.localtime(consultation.opens_at)
    assert (closes.date() - opens.date()).days == 56
    assert (closes.hour, closes.minute) == (23, 59)


def test_running_the_demo_loader_twice_changes_nothing():
    call_command("load_demo", verbosity=0)
    first = snapshot()
    call_command("load_demo", verbosity=0)
    assert snapshot() == first


def test_demo_dates_can_be_set_in_uk_time():
    call_command("load_demo", opens="2027-01-04", closes="2027-03-31T17:00", verbosity=0)
    consultation = Consultation.objects.get()
    assert timezone.localtime(consultation.opens_at).isoformat() == "2027-01-04T00:00:00+00:00"
    # 31 March 2027 is in British Summer Time.
    assert timezone.localtime(consultation.closes_at).isoformat() == "2027-03-31T17:00:00+01:00"


def test_demo_refuses_a_close_before_the_opening_and_a_bad_date():
    with pytest.raises(CommandError, match="must close after it opens"):
        call_command("load_demo", opens="2027-02-01", closes="2027-01-01", verbosity=0)
    with pytest.raises(CommandError, match="is not a date"):
        call_command("load_demo", opens="next tuesday", verbosity=0)
    assert Consultation.objects.count() == 0


def test_every_demo_section_renders_its_lists_as_lists():
    # Python-Markdown needs a blank line before a list: without it "- item" lines stay inside the
    # paragraph above, and the page shows "Examples include: - agreeing…; - budgeting…".
    call_command("load_demo", verbosity=0)
    for section in Section.objects.all():
        for paragraph in re.findall(r"<p>(.*?)</p>", section.body_html, flags=re.DOTALL):
            assert not re.search(r"(?m)^\s*[-*+] ", paragraph), f"section {section.number}: {paragraph[:80]}"
    practice = Section.objects.get(slug="putting-it-into-practice").body_html
    assert (
        "<p>The guidance pairs each principle and feature with ideas for achieving it. Examples include:</p>"
        in practice
    )
    assert practice.count("<li>") == 5
    assert "<li>budgeting for public partners' payment and expenses;</li>" in practice

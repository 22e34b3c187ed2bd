import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from guidance.consultations import versions
from guidance.models import (
    ChosenOption,
    Comment,
    Consultation,
    Document,
    ModerationEvent,
    Outcome,
    Question,
    Response,
    Section,
    SectionLink,
    Theme,
)

pytestmark = pytest.mark.django_db


CACHE_FIELDS = {"content_version", "section_pages_version", "content_changed_at"}


def snapshot():
    """Every row the demo loader writes, whichever way it is run."""
    models = [Document, Section, SectionLink, Consultation, Question, Response, Comment, ChosenOption]
    models += [Comment.themes.through, ModerationEvent, Theme, Outcome, get_user_model()]
    # content_version and section_pages_version are the public pages' cache keys, moved on by every
    # save, whatever changed (and content_changed_at with them).
    return [
        [{k: v for k, v in row.items() if k not in CACHE_FIELDS} for row in model.objects.order_by("pk").values()]
        for model in models
    ]


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


# The demo after its close ------------------------------------------------------------------------


def load_after_the_close():
    call_command("load_demo", after_the_close=True, verbosity=0)
    return Consultation.objects.get()


def test_after_the_close_the_demo_is_closed_eight_weeks_after_it_opened_with_its_outcome_published():
    consultation = load_after_the_close()
    now = timezone.now()
    assert consultation.state == Consultation.State.CLOSED
    assert consultation.outcome_is_published
    opens, closes = timezone.localtime(consultation.opens_at), timezone.localtime(consultation.closes_at)
    assert (closes.date() - opens.date()).days == 56
    assert consultation.published_at <= consultation.opens_at < consultation.closes_at < now
    assert consultation.closes_at < consultation.outcome_published_at < now
    assert "We have published the second version of the guidance" in consultation.outcome
    assert versions.what_changed_is_public(consultation)


def test_after_the_close_the_second_version_renames_splits_merges_adds_and_removes_sections():
    consultation = load_after_the_close()
    second = versions.next_version(consultation)
    assert second.title == "Guidance on co-producing a research project"
    assert second.revises == consultation.document
    assert second.links_confirmed_at < consultation.outcome_published_at
    comes_from = {
        section.title: [link.earlier.title for link in section.earlier_links.order_by("earlier__major")]
        for section in second.sections.all()
    }
    assert comes_from["Making key decisions together"] == ["Joint ownership of key decisions"]
    assert [t for t, earlier in comes_from.items() if earlier == ["Reciprocity"]] == [
        "Reciprocity",
        "Paying and recognising everyone's contribution",
    ]
    assert comes_from["Building and maintaining relationships"] == [
        "Building and maintaining relationships",
        "A commitment to relationship building",
    ]
    assert [t for t, earlier in comes_from.items() if not earlier] == ["Planning time and resources"]
    removed = consultation.document.sections.filter(later_links__isnull=True)
    assert [s.title for s in removed] == ["Putting it into practice"]

    def pair(title):
        later = second.sections.get(title=title)
        return later, later.earlier_links.get().earlier

    unchanged, earlier = pair("Flexibility")
    assert (unchanged.body, unchanged.number) == (earlier.body, earlier.number)
    reworded, earlier = pair("Sharing of power")
    assert reworded.body != earlier.body
    renamed, earlier = pair("Making key decisions together")
    assert renamed.body == earlier.body
    assert second.sections.count() == 15


def test_after_the_close_the_example_responses_are_moderated_and_coded_into_themes():
    consultation = load_after_the_close()
    responses = consultation.responses.sent()
    assert 30 <= responses.count() <= 60
    assert len(set(responses.values_list("respondent_type", flat=True))) == len(Response.RespondentType)
    assert len(set(responses.values_list("channel", flat=True))) >= 3
    assert 1 <= responses.filter(notify=True).count() <= 6
    assert responses.filter(withdrawn_at__isnull=False).count() == 1

    comments = Comment.objects.filter(consultation=consultation)
    published = comments.published()
    assert published.count() > 100
    on_sections = set(published.exclude(section=None).values_list("section__major", flat=True))
    assert len(on_sections) >= 12
    assert set(published.exclude(question=None).values_list("question__position", flat=True)) == set(range(1, 7))
    assert comments.pending().count() == 0
    rejected = comments.filter(status=Comment.Status.REJECTED)
    assert rejected.count() >= 3
    assert all(comment.reason_code and comment.reason for comment in rejected)
    assert comments.filter(status=Comment.Status.WITHDRAWN).count() >= 2
    # Each decision is in the comment's history, dated after the comment and by a named member of staff.
    for comment in comments.decided():
        event = comment.events.get()
        assert event.to_status == comment.status
        assert event.by.get_full_name() == "Example staff member"
        assert comment.created_at < event.at == comment.moderated_at < consultation.outcome_published_at

    themes = Theme.objects.filter(consultation=consultation)
    assert {"Payment and recognition", "Plain language", "Power sharing", "Time and resources", "Training"} <= set(
        themes.values_list("name", flat=True)
    )
    for theme in themes:
        assert published.filter(themes=theme).count() >= 5, theme.name
    assert not comments.filter(status=Comment.Status.WITHDRAWN, themes__isnull=False).exists()


def test_after_the_close_what_was_done_is_written_per_section_theme_and_comment():
    consultation = load_after_the_close()
    outcomes = Outcome.objects.filter(consultation=consultation)
    on_sections = outcomes.exclude(section=None)
    assert on_sections.count() >= 12
    assert {o.section.document_id for o in on_sections} == {consultation.document_id}
    assert on_sections.get(section__title="Putting it into practice").kind == Outcome.Kind.CHANGED
    themes = Theme.objects.filter(consultation=consultation)
    assert outcomes.exclude(theme=None).count() == themes.count()
    assert all(outcome.kind for outcome in outcomes.exclude(theme=None))
    replies = outcomes.exclude(comment=None)
    assert 3 <= replies.count() <= 8
    assert {reply.kind for reply in replies} == set(Outcome.Kind.values)
    published = Comment.objects.published()
    assert all(published.filter(pk=reply.comment_id).exists() for reply in replies)
    assert all(outcome.text and outcome.written_at < consultation.outcome_published_at for outcome in outcomes)


def test_after_the_close_the_public_pages_show_the_outcome_and_the_published_comments(client):
    consultation = load_after_the_close()
    overview = client.get(consultation.get_absolute_url())
    assert overview.status_code == 200
    assert "We have published the second version of the guidance" in overview.content.decode()
    section = client.get(reverse("guidance:section", args=[consultation.slug, "joint-ownership-of-key-decisions"]))
    page = section.content.decode()
    assert "We renamed the section" in page
    assert "Recording how decisions were made is a good idea" in page
    published = client.get(reverse("guidance:published", args=[consultation.slug]))
    page = published.content.decode()
    assert published.status_code == 200
    assert "Example respondent 1" in page
    assert "Dr A. Sample" not in page


def test_running_the_after_the_close_loader_twice_changes_nothing():
    load_after_the_close()
    first = snapshot()
    load_after_the_close()
    assert snapshot() == first


def test_the_open_demo_can_be_taken_past_its_close_and_plain_load_demo_then_leaves_it_as_it_is():
    call_command("load_demo", verbosity=0)
    load_after_the_close()
    after_the_close = snapshot()
    call_command("load_demo", verbosity=0)
    assert snapshot() == after_the_close
    consultation = Consultation.objects.get()
    assert consultation.state == Consultation.State.CLOSED
    assert versions.what_changed_is_public(consultation)


def test_plain_load_demo_refuses_new_dates_for_the_demo_after_its_close():
    load_after_the_close()
    before = snapshot()
    with pytest.raises(CommandError, match="shown after its close"):
        call_command("load_demo", opens="2027-01-04", verbosity=0)
    assert snapshot() == before


def test_after_the_close_sets_its_own_dates():
    with pytest.raises(CommandError, match="leave out --opens and --closes"):
        call_command("load_demo", after_the_close=True, closes="2027-01-04", verbosity=0)
    assert Consultation.objects.count() == 0


def test_the_demo_after_the_close_holds_no_real_persons_data():
    consultation = load_after_the_close()
    for response in consultation.responses.all():
        assert re.fullmatch(r"Example respondent \d+", response.name)
        assert response.email == "" or re.fullmatch(r"respondent\d+@example\.(org|com)", response.email)
        assert response.organisation == "" or response.organisation.startswith("Example ")
        assert response.notify <= bool(response.email)
    staff = get_user_model().objects.get(username="example-staff")
    assert not staff.is_active
    assert not staff.has_usable_password()


def test_those_who_asked_to_be_told_were_told_at_the_time_so_the_worker_sends_nothing():
    from guidance.mail import notifications

    consultation = load_after_the_close()
    asked = consultation.responses.filter(notify=True)
    assert asked.exists()
    assert all(response.outcome_notified_at == consultation.outcome_published_at for response in asked)
    evening = timezone.localtime().replace(hour=23, minute=0)
    assert notifications.queue_notifications(now=evening) == 0

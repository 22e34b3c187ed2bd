"""What the public sees on each page, before responding."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, SectionFactory
from tests.journey_helpers import publish, section_url

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def html(page):
    assert page.status_code == 200
    return page.content.decode()


def render_filter(value):
    return Template("{% load portal %}{{ value|uk_datetime }}").render(Context({"value": value}))


def test_dates_read_in_plain_english_uk_time():
    assert render_filter(datetime.datetime(2027, 1, 22, 23, 59, tzinfo=LONDON)) == "11:59pm on Friday 22 January 2027"
    assert render_filter(datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)) == "9am on Monday 4 January 2027"
    assert render_filter(datetime.datetime(2027, 1, 4, 12, 0, tzinfo=LONDON)) == "midday on Monday 4 January 2027"
    assert render_filter(datetime.datetime(2027, 1, 4, 0, 0, tzinfo=LONDON)) == "midnight on Monday 4 January 2027"
    # 22:30 UTC in summer is 11:30pm in London.
    assert render_filter(datetime.datetime(2027, 6, 1, 22, 30, tzinfo=datetime.UTC)) == "11:30pm on Tuesday 1 June 2027"


def test_list_shows_open_consultations_first_then_upcoming_then_closed(client):
    now = timezone.now()
    day = datetime.timedelta(days=1)
    ConsultationFactory(title="Closed one", opens_at=now - 30 * day, closes_at=now - day)
    ConsultationFactory(title="Upcoming one", opens_at=now + day, closes_at=now + 30 * day)
    ConsultationFactory(title="Open one")
    page = html(client.get("/"))
    assert page.index("Open one") < page.index("Upcoming one") < page.index("Closed one")
    assert "Not open yet" in page and "Closed" in page
    assert "<title>Consultations – Consultation portal</title>" in page


def test_every_page_has_a_skip_link_the_site_name_and_footer_links_and_no_crown(client):
    page = html(client.get("/"))
    assert '<a href="#main-content" class="govuk-skip-link"' in page
    assert 'id="main-content"' in page
    assert '<span class="portal-header__name">Consultation portal</span>' in page
    assert f'href="{reverse("guidance:privacy")}"' in page
    assert f'href="{reverse("guidance:accessibility")}"' in page
    assert "govuk-logo" not in page and "crown" not in page.lower()


def test_overview_shows_summary_organisation_dates_state_ways_to_respond_and_contents(client):
    call_command("load_demo", opens="2026-01-04", closes="2027-01-22T23:59", verbosity=0)
    page = html(client.get(reverse("guidance:consultation", args=["co-producing-research"])))
    assert "INVOLVE has drafted guidance" in page
    assert '<span class="govuk-caption-l">INVOLVE (National Institute for Health Research)</span>' in page
    assert "You can respond online until 11:59pm on Friday 22 January 2027" in page
    assert 'href="mailto:involve@example.org"' in page
    assert reverse("guidance:questions", args=["co-producing-research"]) in page
    assert "Key principles" in page and "Key features" in page
    assert "5. Reciprocity" in page
    assert "Summary of the draft prepared for this demonstration" in page
    assert "<title>Draft guidance on co-producing research: have your say – Consultation portal</title>" in page


def test_overview_gives_the_closing_date_twice_the_state_as_a_tag_and_counts_only_where_there_are_some(
    client, consultation
):
    consultation.closes_at = datetime.datetime(2030, 1, 22, 23, 59, tzinfo=LONDON)
    consultation.save()
    sections = [SectionFactory(document=consultation.document, major=n, slug=f"s{n}") for n in range(1, 16)]
    publish(CommentFactory(section=sections[4]))
    page = html(client.get(consultation.get_absolute_url()))
    # Once in the summary, once where it matters: how to respond.
    assert page.count("11:59pm on Tuesday 22 January 2030") == 2
    assert '<strong class="govuk-tag govuk-tag--green">Open</strong>' in page
    assert "1 published comment<" in page
    assert "0 published comments" not in page
    assert "Read the 1 published comment</a>" in page


def test_overview_without_published_comments_says_so_once(client, consultation, section):
    page = html(client.get(consultation.get_absolute_url()))
    assert "published comment" not in page
    assert page.count("No responses have been published yet.") == 1


def test_an_event_is_offered_until_it_is_over_then_kept_as_history(client, consultation):
    consultation.event_note = "#Qcopro tweetchat, run with the Health Foundation's Q community"
    # In the afternoon a week ahead: an hour that runs past midnight is written with both dates.
    start = timezone.localtime(timezone.now() + datetime.timedelta(days=7)).replace(hour=14, minute=0)
    consultation.event_starts_at = start
    consultation.event_ends_at = start + datetime.timedelta(hours=1)
    consultation.save()
    page = html(client.get(consultation.get_absolute_url()))
    assert (
        "Other ways to take part: #Qcopro tweetchat, run with the Health Foundation&#x27;s Q community, from " in page
    )
    assert f"from 2pm to 3pm on {start:%A} {start.day} {start:%B %Y}." in page
    assert "Past events" not in page

    call_command("load_demo", verbosity=0)  # its tweetchat was in 2017
    demo = html(client.get(reverse("guidance:consultation", args=["co-producing-research"])))
    # The 2017 tweetchat is history; the demo's own chat hour (an Event: tests/test_events.py) is offered.
    assert "Other ways to take part: #Qcopro tweetchat" not in demo
    assert "Past events" in demo
    held = (
        "#Qcopro tweetchat, run with the Health Foundation&#x27;s Q community, held from 8pm to 9pm on Monday 9 October"
    )
    assert held + " 2017." in demo


def test_an_event_without_a_date_stays_a_way_to_take_part(client, consultation):
    consultation.event_note = "#Qcopro on social media"
    consultation.save()
    page = html(client.get(consultation.get_absolute_url()))
    assert "Other ways to take part: #Qcopro on social media." in page
    assert "Past events" not in page


def test_event_times_read_in_plain_english():
    def period(start, end=None):
        return Template("{% load portal %}{% uk_period start end %}").render(Context({"start": start, "end": end}))

    start = datetime.datetime(2017, 10, 9, 20, 0, tzinfo=LONDON)
    assert period(start) == "at 8pm on Monday 9 October 2017"
    assert period(start, start + datetime.timedelta(hours=1)) == "from 8pm to 9pm on Monday 9 October 2017"
    assert period(start, start + datetime.timedelta(days=1)) == (
        "from 8pm on Monday 9 October 2017 to 8pm on Tuesday 10 October 2017"
    )


def test_overview_counts_only_published_comments_per_section(client, consultation, section):
    publish(CommentFactory(section=section))
    publish(CommentFactory(section=section))
    CommentFactory(section=section)  # pending
    hidden = publish(CommentFactory(section=section, response__consent="private"))
    assert hidden.status == Comment.Status.APPROVED
    page = html(client.get(consultation.get_absolute_url()))
    assert "2 published comments" in page


def test_section_page_puts_the_text_first_then_what_others_said_then_the_form(client, consultation, section):
    consultation.document.version_label = "Summary prepared for a demonstration"
    consultation.document.save()
    publish(CommentFactory(section=section, text="Pay people for their time."))
    page = html(client.get(section_url(section, consultation)))
    text = page.index("Some text about this part of the draft.")
    others = page.index('id="comments">What others have said</h2>')
    form = page.index('id="comment-form">Comment on this section</h2>')
    assert text < others < page.index("Pay people for their time.") < form < page.index('name="comment"')
    assert "1 published comment, newest first." in page
    assert '<a class="govuk-link" href="#comment-form">Skip to the comment form</a>' in page
    # The document's version label is on the overview, not on every section.
    assert "Summary prepared for a demonstration" not in page


def test_breadcrumbs_name_the_consultation_once(client):
    call_command("load_demo", verbosity=0)
    page = html(client.get(reverse("guidance:section", args=["co-producing-research", "reciprocity"])))
    crumbs = page[page.index('<nav class="govuk-breadcrumbs"') : page.index("</nav>")]
    assert crumbs.count("govuk-breadcrumbs__list-item") == 2
    assert ">Consultations</a>" in crumbs
    assert ">Draft guidance on co-producing research: have your say</a>" in crumbs
    assert ">Draft guidance on co-producing research</a>" not in crumbs
    # The whole draft is a link on the page instead, to this section in it.
    assert 'href="/consultations/co-producing-research/draft/#section-reciprocity"' in page


def test_section_page_shows_number_title_body_and_previous_and_next_links(client, consultation):
    first = SectionFactory(document=consultation.document, major=1, title="First part", slug="first")
    middle = SectionFactory(
        document=consultation.document, major=2, title="Reciprocity", slug="reciprocity", part="Key principles"
    )
    last = SectionFactory(document=consultation.document, major=3, title="Last part", slug="last")
    consultation.document.title = "Draft guidance on co-producing research"
    consultation.document.save()
    page = html(client.get(section_url(middle, consultation)))
    assert "Section 2: Key principles" in page
    assert '<h1 class="govuk-heading-xl">Reciprocity</h1>' in page
    assert "<p>Some text about this part of the draft.</p>" in page
    assert section_url(first, consultation) in page and "1. First part" in page
    assert section_url(last, consultation) in page and "3. Last part" in page
    assert "<title>Reciprocity – Draft guidance on co-producing research – Consultation portal</title>" in page
    assert 'name="comment"' in page


def test_section_page_lists_published_comments_newest_first_twenty_a_page(client, consultation, section):
    start = timezone.now() - datetime.timedelta(days=30)
    for n in range(25):
        publish(
            CommentFactory(section=section, text=f"Comment {n:02d}", created_at=start + datetime.timedelta(hours=n))
        )
    first_page = html(client.get(section_url(section, consultation)))
    assert "25 published comments, newest first" in first_page
    assert first_page.index("Comment 24") < first_page.index("Comment 23")
    assert "Comment 05" in first_page and "Comment 04" not in first_page
    second_page = html(client.get(section_url(section, consultation) + "?page=2"))
    assert "Comment 04" in second_page and "Comment 00" in second_page and "Comment 05" not in second_page


def test_a_published_comment_shows_a_name_only_when_agreed_and_never_an_email(client, consultation, section):
    publish(CommentFactory(section=section, text="Named view", response__name="Ann Smith", response__consent="named"))
    publish(
        CommentFactory(
            section=section,
            text="Anonymous view",
            response__name="Bob Jones",
            response__email="bob@example.org",
            response__consent="anonymous",
            response__respondent_type="researcher",
        )
    )
    for url in [section_url(section, consultation), reverse("guidance:published", args=[consultation.slug])]:
        page = html(client.get(url))
        assert "Ann Smith" in page
        assert "Bob Jones" not in page
        assert "Anonymous" in page
        assert "Researcher" in page
        assert "bob@example.org" not in page and "@example.org" not in page.replace("consult@example.org", "")


def test_nothing_is_public_until_approved(client, consultation, section, question):
    for status in [Comment.Status.PENDING, Comment.Status.REJECTED, Comment.Status.SPAM]:
        comment = CommentFactory(section=section, text=f"Hidden {status}")
        Comment.objects.filter(pk=comment.pk).update(status=status)
        CommentFactory(section=None, question=question, text=f"Hidden answer {status}")
    publish(CommentFactory(section=section, text="Approved but private", response__consent="private"))
    pages = [
        html(client.get(section_url(section, consultation))),
        html(client.get(reverse("guidance:published", args=[consultation.slug]))),
        html(client.get(consultation.get_absolute_url())),
    ]
    for page in pages:
        assert "Hidden" not in page
        assert "Approved but private" not in page


def test_a_comment_on_the_same_document_in_another_consultation_is_not_shown(client, consultation, section):
    other = ConsultationFactory(document=consultation.document)
    publish(CommentFactory(section=section, response__consultation=other, text="From the other consultation"))
    assert "From the other consultation" not in html(client.get(section_url(section, consultation)))


def test_whole_draft_is_on_one_page_with_parts_and_a_comment_link_for_each_section(client):
    call_command("load_demo", verbosity=0)
    page = html(client.get(reverse("guidance:draft", args=["co-producing-research"])))
    assert page.count("Comment on section") == 15
    # A contents list at the top links to each section further down.
    contents = page[page.index('id="draft-contents"') : page.index("</nav>", page.index('id="draft-contents"'))]
    sections = re.findall(r'id="(section-[a-z-]+)"', page)
    assert len(sections) == 15
    assert re.findall(r'href="#(section-[a-z-]+)"', contents) == sections
    assert "1. Introduction: what is co-producing a research project?" in page
    assert "15. Challenges and next steps" in page
    assert '<h2 class="govuk-heading-l portal-draft__part">Key principles</h2>' in page
    assert "Summary of the draft prepared for this demonstration" in page
    assert "<title>Draft guidance on co-producing research – Consultation portal</title>" in page


def test_questions_page_shows_every_question_with_its_hint_then_the_details(client):
    call_command("load_demo", verbosity=0)
    page = html(client.get(reverse("guidance:questions", args=["co-producing-research"])))
    for number in range(1, 7):
        assert f"Q{number}. " in page
    assert "What are the dangers of not co-producing research?" in page
    assert "Think about funding, time, payment" in page
    assert page.index("Q6. ") < page.index("I am responding as") < page.index("Can we publish your response?")
    assert "Answer as many or as few as you like" in page


def test_published_page_groups_comments_by_section_then_by_question(client, consultation, section, question):
    publish(CommentFactory(section=None, question=question, text="An answer"))
    publish(CommentFactory(section=section, text="A section comment"))
    page = html(client.get(reverse("guidance:published", args=[consultation.slug])))
    page = page[page.index('id="results"') :]  # the filters above list the sections and questions too
    assert "Section 1: Reciprocity" in page
    assert f"Q1: {question.text}" in page
    assert page.index("Section 1: Reciprocity") < page.index("A section comment") < page.index("Q1: ")
    assert page.index("Q1: ") < page.index("An answer")
    assert "2 published comments" in page


def test_privacy_notice_and_accessibility_statement_are_plain_pages(client):
    privacy = html(client.get(reverse("guidance:privacy")))
    assert "<title>Privacy notice – Consultation portal</title>" in privacy
    assert "We never publish your email address" in privacy
    assert "Information Commissioner" in privacy
    statement = html(client.get(reverse("guidance:accessibility")))
    assert "<title>Accessibility statement – Consultation portal</title>" in statement
    assert "WCAG" in statement


def test_the_privacy_notice_names_the_organisation_running_the_consultation_its_contact_and_the_ico(client):
    call_command("load_demo", verbosity=0)
    privacy = html(client.get(reverse("guidance:privacy")))
    assert (
        "INVOLVE (National Institute for Health Research) runs the consultation “Draft guidance on co-producing "
        "research: have your say” on this website and is responsible for what you send to it: "
        "it is the data controller."
    ) in privacy
    assert 'You can contact it at <a class="govuk-link" href="mailto:involve@example.org">' in privacy
    assert '<a class="govuk-link" href="https://ico.org.uk/make-a-complaint/">' in privacy
    assert "Consultation portal is responsible" not in privacy
    assert "consultations@localhost" not in privacy


def test_the_privacy_notice_lists_each_organisation_when_there_are_several(client, settings):
    ConsultationFactory(organisation="INVOLVE", title="Co-production", contact_email="involve@example.org")
    ConsultationFactory(organisation="NIHR", title="Payment", contact_email="")
    settings.PRIVACY_CONTACT_EMAIL = "dpo@example.org"
    privacy = html(client.get(reverse("guidance:privacy")))
    assert '<li>INVOLVE, for “Co-production”: <a class="govuk-link" href="mailto:involve@example.org">' in privacy
    assert "<li>NIHR, for “Payment”</li>" in privacy
    assert 'Email <a class="govuk-link" href="mailto:dpo@example.org">dpo@example.org</a>' in privacy


def test_a_missing_page_is_a_404_in_our_design(client, consultation):
    page = client.get("/consultations/no-such-consultation/")
    assert page.status_code == 404
    assert "Page not found" in page.content.decode()
    assert "govuk-footer" in page.content.decode()
    assert client.get(f"/consultations/{consultation.slug}/draft/no-such-section/").status_code == 404


def test_a_server_error_is_a_500_page_in_our_design(consultation, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("guidance.public.pages.Consultation.objects.in_list_order", broken)
    page = Client(raise_request_exception=False).get("/")
    assert page.status_code == 500
    assert "Sorry, there is a problem with the service" in page.content.decode()
    assert "govuk-footer" in page.content.decode()


def test_closed_and_upcoming_consultations_show_a_message_instead_of_the_forms(client):
    now = timezone.now()
    day = datetime.timedelta(days=1)
    closed = ConsultationFactory(opens_at=now - 30 * day, closes_at=now - day)
    upcoming = ConsultationFactory(opens_at=now + day, closes_at=now + 30 * day)
    for consultation, message in [
        (closed, "This consultation closed at"),
        (upcoming, "This consultation is not open yet"),
    ]:
        section = SectionFactory(document=consultation.document)
        QuestionFactory(consultation=consultation)
        for url in [section_url(section, consultation), reverse("guidance:questions", args=[consultation.slug])]:
            page = html(client.get(url))
            assert message in page
            assert "<form" not in page


def test_no_page_has_inline_script_or_style(client):
    call_command("load_demo", verbosity=0)
    consultation_urls = [
        reverse(name, args=["co-producing-research"])
        for name in ["guidance:consultation", "guidance:draft", "guidance:questions", "guidance:published"]
    ]
    for url in ["/", *consultation_urls, reverse("guidance:section", args=["co-producing-research", "reciprocity"])]:
        page = html(client.get(url))
        assert "<style" not in page and "style=" not in page
        for tag in page.split("<script")[1:]:
            assert tag.lstrip().startswith('type="module" src=')


def test_a_bad_request_is_a_400_page_in_our_design(db):
    page = Client(raise_request_exception=False).get("/", HTTP_HOST="not-our-host.example")
    assert page.status_code == 400
    assert "Sorry, there is a problem with what was sent" in page.content.decode()

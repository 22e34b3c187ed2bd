"""Section bodies and outcomes in Markdown: rendered safe, in time linear in their length, and never
a 500: a text that cannot be rendered is refused when saved, and shown as plain text if one was
stored anyway."""

import logging
import time

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.urls import reverse

from guidance.consultations.markdown import check_markdown, render_markdown
from tests.factories import SectionFactory
from tests.journey_helpers import section_url

DEEP_LIST = "- " * 3000 + "the end"
DEEP_QUOTE = ">" * 5000 + " the end"


def test_markdown_renders_paragraphs_lists_and_links():
    html = render_markdown("Some **bold** text.\n\n- one\n- two\n\n[INVOLVE](https://example.org/involve)")
    assert "<strong>bold</strong>" in html
    assert "<li>one</li>" in html
    assert '<a href="https://example.org/involve" rel="noopener noreferrer">INVOLVE</a>' in html


def test_markdown_removes_script_tags():
    html = render_markdown("Hello <script>alert('x')</script> world")
    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html


def test_markdown_removes_javascript_links():
    html = render_markdown('[click me](javascript:alert(1)) and <a href="JaVaScRiPt:alert(2)">me</a>')
    assert "javascript" not in html.lower()
    assert "click me" in html


def test_markdown_removes_event_handler_attributes():
    html = render_markdown(
        '<p onclick="steal()">para</p> <img src="x" onerror="steal()"> <a href="/" onmouseover="x()">a</a>'
    )
    assert "onclick" not in html
    assert "onerror" not in html
    assert "onmouseover" not in html
    assert "steal" not in html


def test_section_body_html_is_the_sanitised_rendering():
    section = SectionFactory.build(body="Text <iframe src='https://evil.example'></iframe>")
    assert "<iframe" not in section.body_html
    assert "<p>Text" in section.body_html


def test_links_images_and_references_still_render_with_brackets_that_close_nowhere_around_them():
    html = render_markdown(
        "A [stray bracket, [a link](https://example.org/a) and ![a chart](chart.png).\n\n"
        "[A reference][ref], [ref] again, and [sic].\n\n[ref]: https://example.org/ref"
    )
    assert '<a href="https://example.org/a" rel="noopener noreferrer">a link</a>' in html
    assert html.count('href="https://example.org/ref"') == 2
    assert "[stray bracket," in html and "[sic]" in html


@pytest.mark.parametrize("unit", ["[", "![", "[a](", "[a]["])
def test_brackets_that_never_close_render_in_time_linear_in_their_number(unit, caplog):
    # Python-Markdown looks for each "[" its closing "]" (and after "](" its ")") to the end of the
    # paragraph: brackets that never close cost the square of their number.
    render_markdown.cache_clear()
    start = time.process_time()
    with caplog.at_level(logging.WARNING, logger="guidance.consultations.markdown"):
        html = render_markdown(unit * (19_000 // len(unit)))
    assert time.process_time() - start < 2
    assert html.startswith("<p>" + unit)
    assert "plain text" not in caplog.text  # rendered as Markdown, not over a bound


@pytest.mark.parametrize("text", [DEEP_LIST, DEEP_QUOTE, "1. " * 2000 + "the end", "> - " * 1000 + "the end"])
def test_render_markdown_never_raises_and_shows_text_it_cannot_render_as_plain_paragraphs(text, caplog):
    render_markdown.cache_clear()
    with caplog.at_level(logging.WARNING, logger="guidance.consultations.markdown"):
        html = render_markdown(text + "\n\n<script>alert(1)</script>")
    assert html.startswith("<p>") and "the end" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "shown as plain text" in caplog.text


def test_deeply_nested_raw_html_is_shown_as_plain_text():
    html = render_markdown("<blockquote>" * 5000 + "deep" + "</blockquote>" * 5000)
    assert "<blockquote>" not in html and "deep" in html


@pytest.mark.django_db
@pytest.mark.parametrize("body", [DEEP_LIST, DEEP_QUOTE])
def test_a_public_section_page_whose_stored_body_cannot_be_rendered_still_answers(client, consultation, body):
    section = SectionFactory(document=consultation.document, major=1, title="Deep", slug="deep", body=body)
    page = client.get(section_url(section, consultation))
    assert page.status_code == 200
    assert "the end" in page.content.decode()
    whole = client.get(reverse("guidance:draft", args=[consultation.slug]))
    assert whole.status_code == 200


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (DEEP_LIST, "Lists and quotes are inside each other 3000 deep"),
        (DEEP_QUOTE, "Lists and quotes are inside each other 5000 deep"),
        ("".join("    " * level + "- item\n" for level in range(30)), "inside each other 30 deep"),
        ("word " * 5000, "A paragraph is 25,000 characters long"),
        ("<div>" * 200 + "x" + "</div>" * 200, "200 elements inside each other"),
        ("Words.\n\n" * 13125, "This text is 105,000 characters long"),
    ],
)
def test_text_that_would_be_shown_as_plain_text_is_refused_with_which_bound_and_the_figure(text, message):
    with pytest.raises(ValidationError, match=message):
        check_markdown(text)


def test_ordinary_text_with_lists_in_lists_quotes_tables_and_a_ruled_line_is_accepted():
    check_markdown(
        "Intro.\n\n- one\n    - one a\n        - one a i\n- two\n\n> A quote\n> > inside a quote\n\n"
        "| Who | What |\n| --- | --- |\n| Partners | Paid |\n\n- - - - - - - - - - - - - - - - - - - - - - - -\n"
    )


@pytest.fixture
def manager(client):
    user = User.objects.create_user("manager", is_staff=True)
    user.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_saving_a_section_that_cannot_be_rendered_is_refused_in_the_admin(client, manager):
    section = SectionFactory(title="Deep", slug="deep", body="Kept as it was.")
    page = client.post(
        reverse("admin:guidance_section_change", args=[section.pk]),
        {"document": section.document_id, "major": 1, "minor": 0, "title": "Deep", "slug": "deep", "body": DEEP_LIST},
    )
    assert page.status_code == 200
    assert "Lists and quotes are inside each other 3000 deep" in page.content.decode()
    section.refresh_from_db()
    assert section.body == "Kept as it was."


@pytest.mark.django_db
def test_an_outcome_too_deeply_nested_to_render_is_refused_when_written(consultation, section):
    from django.core.exceptions import ValidationError

    from guidance.models import Outcome
    from guidance.outcomes.replies import write_outcome

    nested = ">" * 500 + " too deep"
    with pytest.raises(ValidationError) as refused:
        write_outcome(consultation, section=section, kind="", text=nested, by=None)
    assert "text" in refused.value.message_dict
    consultation.outcome = nested
    with pytest.raises(ValidationError) as refused:
        consultation.full_clean()
    assert "outcome" in refused.value.message_dict
    assert not Outcome.objects.exists()

from guidance.markdown import render_markdown
from tests.factories import SectionFactory


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

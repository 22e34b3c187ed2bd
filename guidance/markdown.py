"""Markdown to HTML that is safe to put on a public page.

Section bodies are written by staff, but an account can be compromised and text is often
pasted from elsewhere, so the HTML Markdown produces is always cleaned by nh3 (a maintained
allow-list sanitiser): scripts, event-handler attributes and javascript: links never survive.
"""

import functools

import markdown
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "a", "abbr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


# The same few texts (section bodies, outcomes) are shown on every page view, and Markdown is
# slow in Python: remember the HTML of recent texts. Keyed by the text itself, so an edit is
# never served stale.
@functools.lru_cache(maxsize=512)
def render_markdown(text):
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3 just above

"""Markdown to HTML that is safe to put on a public page, in bounded time, and never an error page.

Section bodies are written by staff, but an account can be compromised and text is often
pasted from elsewhere, so the HTML Markdown produces is always cleaned by nh3 (a maintained
allow-list sanitiser): scripts, event-handler attributes and javascript: links never survive.

Python-Markdown is not made for hostile text, so the text is bounded before and while it is
converted (to_html):

- Lists and quotes inside each other at most MAX_NESTING deep, counted on each line before
  parsing: Python-Markdown parses each level with a recursive call, and a few thousand "- - - …"
  or ">>>> …" run out of Python's stack (RecursionError).
- A paragraph (or list item, table cell, heading) at most MAX_PARAGRAPH characters: Python-Markdown
  copies the paragraph's whole text again for every link or emphasis it finds in it, so its cost
  grows with the square of the paragraph's length.
- Brackets: for each "[" Python-Markdown looks for its closing "]", and after "](" for the ")",
  as far as the paragraph goes, so brackets that close nowhere cost the square of their number.
  Here a link's text is looked for within MAX_LINK_TEXT characters
  and its address within MAX_LINK_ADDRESS, and the looking is paid from a budget proportional to
  the text's length: past it, "[" is plain text. Real links cost a few times their length, far
  within the budget, so they render as before.
- Elements inside each other (raw HTML included) at most MAX_DEPTH deep in the HTML made, before
  nh3 (whose parser checks the open elements for each new one) reads it.

render_markdown() never raises: a text over a bound, or that fails in any other way, is shown as
plain paragraphs, escaped, and a warning is logged. check_markdown() is the validator that keeps
such texts out in the first place: Section.clean() (so the admin) and every import use it.
"""

import functools
import logging
import re

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

logger = logging.getLogger(__name__)

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "a", "abbr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "sane_lists"]

# A section's text: some 15,000 words, a long chapter. Longer text is better cut into sections.
MAX_LENGTH = 100_000
# Word offers nine levels of list; twenty leaves room for quotes and lists in them.
MAX_NESTING = 20
# Some 3,000 words: pages of one paragraph. Word documents' longest paragraphs are a tenth of it.
MAX_PARAGRAPH = 20_000
# Elements inside each other in the HTML made: lists and quotes at MAX_NESTING take 40, a table in
# a list a few more; only raw HTML goes further.
MAX_DEPTH = 100
MAX_LINK_TEXT = 2_000
MAX_LINK_ADDRESS = 2_000
# Characters the link processors may look through, per character of text, and at least.
LINK_BUDGET_PER_CHARACTER = 8
LINK_BUDGET_MINIMUM = 10_000


class MarkdownTooComplex(ValueError):
    """The text is over one of the bounds; the message says which, with the figure, in plain English."""


# Before each line's content: a quote mark, a list marker, or spaces (four make a level).
CONTAINER_MARK = re.compile(r"[ ]{0,3}(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]?")
# A ruled line ("- - -", "***") is not a list, however many marks it has.
RULED_LINE = re.compile(r"[ ]{0,3}(?:(?:-[ ]*){3,}|(?:\*[ ]*){3,}|(?:_[ ]*){3,})$")
BRACKETS = re.compile(r"[\[\]]")
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def nesting(text):
    """(depth, line number) of the line whose lists and quotes are deepest inside each other."""
    deepest, where = 0, 0
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.expandtabs(4)
        if RULED_LINE.match(line):
            continue
        content = line.lstrip(" ")
        depth = (len(line) - len(content)) // 4
        position = len(line) - len(content)
        while match := CONTAINER_MARK.match(line, position):
            depth += 1
            position = match.end()
            if RULED_LINE.match(line, position):
                break
        if depth > deepest:
            deepest, where = depth, number
    return deepest, where


def html_shape(html):
    """(elements, depth): how many elements the HTML has, and how deep they are inside each other
    (an estimate: an element left open counts as holding everything after it)."""
    elements = depth = deepest = 0
    for closing, name, self_closing in TAG.findall(html):
        if not closing:
            elements += 1
        if self_closing or name.lower() in VOID_ELEMENTS:
            continue
        if closing:
            depth = max(depth - 1, 0)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return elements, deepest


class _Budget:
    def __init__(self):
        self.left = LINK_BUDGET_MINIMUM


class _StartBudget(Preprocessor):
    def __init__(self, md, budget):
        super().__init__(md)
        self.budget = budget

    def run(self, lines):
        self.budget.left = LINK_BUDGET_PER_CHARACTER * sum(len(line) + 1 for line in lines) + LINK_BUDGET_MINIMUM
        return lines


class _CheckParagraphs(Treeprocessor):
    """Before the inline patterns run: no text they will go through is over MAX_PARAGRAPH."""

    def run(self, root):
        for element in root.iter():
            for text in (element.text, element.tail):
                if text and len(text) > MAX_PARAGRAPH and not isinstance(text, markdown.util.AtomicString):
                    raise MarkdownTooComplex(
                        f"A paragraph is {len(text):,} characters long; the most is {MAX_PARAGRAPH:,}. "
                        "Break it into shorter paragraphs with blank lines."
                    )


class _BoundedBrackets:
    """Python-Markdown's link and image processors, looking for the closing "]" and ")" within a
    window and paying for the looking from the text's budget."""

    budget = None

    def getText(self, data, index):
        depth = 1
        for match in BRACKETS.finditer(data, index, index + MAX_LINK_TEXT):
            if self.budget.left <= 0:
                break
            self.budget.left -= 1
            depth += 1 if match[0] == "[" else -1
            if depth == 0:
                return data[index : match.start()], match.end(), True
        return "", index, False

    def getLink(self, data, index):
        if not data.startswith("(", index):
            return "", None, index, False
        window = data[index : index + min(MAX_LINK_ADDRESS, max(self.budget.left, 0))]
        href, title, end, handled = super().getLink(window, 0)
        self.budget.left -= end if handled else len(window)
        return href, title, index + end, handled


# Python-Markdown's own names, patterns and priorities for them.
BOUNDED_PROCESSORS = [
    (name, type(f"Bounded{processor.__name__}", (_BoundedBrackets, processor), {}), pattern, priority)
    for name, processor, pattern, priority in [
        ("reference", ReferenceInlineProcessor, REFERENCE_RE, 170),
        ("link", LinkInlineProcessor, LINK_RE, 160),
        ("image_link", ImageInlineProcessor, IMAGE_LINK_RE, 150),
        ("image_reference", ImageReferenceInlineProcessor, IMAGE_REFERENCE_RE, 140),
        ("short_reference", ShortReferenceInlineProcessor, REFERENCE_RE, 130),
        ("short_image_ref", ShortImageReferenceInlineProcessor, IMAGE_REFERENCE_RE, 125),
    ]
]


class Bounds(markdown.Extension):
    def extendMarkdown(self, md):
        budget = _Budget()
        md.preprocessors.register(_StartBudget(md, budget), "link_budget", 5)
        md.treeprocessors.register(_CheckParagraphs(md), "check_paragraphs", 25)  # before "inline" (20)
        for name, processor_class, pattern, priority in BOUNDED_PROCESSORS:
            processor = processor_class(pattern, md)
            processor.budget = budget
            md.inlinePatterns.register(processor, name, priority)


def to_html(text):
    """The HTML Markdown makes of the text, not yet cleaned, or MarkdownTooComplex."""
    depth, line = nesting(text)
    if depth > MAX_NESTING:
        raise MarkdownTooComplex(
            f"Lists and quotes are inside each other {depth} deep (line {line}); the most is {MAX_NESTING}. "
            "Take away some of the > or - marks, or the spaces, at the start of the line."
        )
    html = markdown.markdown(text, extensions=[*EXTENSIONS, Bounds()], output_format="html")
    _, depth = html_shape(html)
    if depth > MAX_DEPTH:
        raise MarkdownTooComplex(
            f"The text makes {depth} elements inside each other (lists, quotes, emphasis or HTML); the most is "
            f"{MAX_DEPTH}. Is there HTML in it with tags left open?"
        )
    return html


def clean(html):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


# The same few texts (section bodies, outcomes) are shown on every page view, and Markdown is
# slow in Python: remember the HTML of recent texts. Keyed by the text itself, so an edit is
# never served stale.
@functools.lru_cache(maxsize=512)
def render_markdown(text):
    text = text or ""
    try:
        cleaned = clean(to_html(text))
    except Exception as error:  # any failure: a page must still show the text
        logger.warning(
            "A text of %d characters could not be rendered as Markdown and is shown as plain text: %s",
            len(text),
            error if isinstance(error, MarkdownTooComplex) else type(error).__name__,
        )
        return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 - escaped by linebreaks
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3 just above


def checked_html(text):
    """The cleaned HTML of a text staff save, or MarkdownTooComplex (saying which bound and the
    figure) for a text render_markdown() would have to show as plain text."""
    if len(text) > MAX_LENGTH:
        raise MarkdownTooComplex(
            f"This text is {len(text):,} characters long; the most is {MAX_LENGTH:,}. Cut it into sections."
        )
    try:
        return clean(to_html(text))
    except MarkdownTooComplex:
        raise
    except Exception:  # whatever else would make render_markdown() fall back to plain text
        raise MarkdownTooComplex(
            "This text cannot be shown as a web page: its Markdown is too complicated. Simplify its lists, "
            "quotes and links."
        ) from None


def check_markdown(text):
    """The validator of Markdown that staff save (Section.clean, every import): checked_html()'s
    refusal as a ValidationError."""
    try:
        checked_html(text)
    except MarkdownTooComplex as error:
        raise ValidationError(str(error), code="markdown") from None

"""The word diff of "What changed": the change from the consulted text of a section to the new text,
as people read them.

Section texts are Markdown, but nobody reads Markdown: the public reads the HTML it renders to
(guidance/consultations/markdown.py, render_markdown, cleaned by nh3). So the diff is of the
rendered HTML, never of the source: no `**`, `- ` or `[link](url)` shows in it, and headings,
paragraphs, lists, quotes, tables, bold, italic and links keep their formatting (the new text's,
or the old text's for what was removed).

How:
1. Both texts are rendered and read into blocks. An element holding only words and inline
   formatting (a paragraph, a heading, a list item's or a table cell's text) is a leaf, its words
   each carrying the formatting it is in (bold, a link and its address, …); an element holding
   blocks (a list, a quote, a table and its rows, a list item with a list in it) is a container.
2. The blocks are matched in order, by their words and formatting (layout aside, so reflowed
   Markdown compares equal). Blocks replaced by others are paired where they are the same element
   and share most of their words; a pair of leaves is diffed word by word, a pair of containers
   block by block; a block left unpaired was removed or added whole.
3. A word made bold, or a link given a new address, counts as changed: its formatting is part of it.
   Removed words are marked <del>, added words <ins>, each announced to screen readers ("Added: …
   end of addition"), the mark inside the formatting where a run shares it and around it where the
   run spans several.
4. The output is built, not copied: every word is escaped, and only the elements the renderer
   allows are written, from their name and allowed attributes, each closed in the block it was
   opened in. It is as safe as the rendered text, and valid HTML.
"""

import dataclasses
import difflib
import re

from bs4 import BeautifulSoup, NavigableString
from bs4.element import Comment as HtmlComment
from django.utils.html import escape
from django.utils.safestring import mark_safe

from guidance.consultations.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown

ADDED = ("Added: ", " end of addition")
REMOVED = ("Removed: ", " end of removal")

INLINE = {"strong", "em", "b", "i", "a", "code", "abbr"}
# Elements holding blocks, never words of their own.
CONTAINERS = {"ul", "ol", "blockquote", "table", "thead", "tbody", "tr"}
BLOCKS = CONTAINERS | {"p", "h2", "h3", "h4", "li", "pre", "th", "td", "hr"}
SPACE_OR_WORD = re.compile(r"(\s+)|(\S+)")
# Blocks replaced by others are paired when they share at least this share of their words.
ALIKE = 0.4
CONTAINERS_ALIKE = 0.1
# Beyond this many comparisons, replaced blocks are paired in order rather than by likeness.
MOST_COMPARISONS = 10_000


@dataclasses.dataclass
class Word:
    text: str
    formatting: tuple  # the start tags of the inline elements it is in, outermost first
    space: str = ""  # what follows it: "", " ", "<br>" or, in preformatted text, the spaces as written

    @property
    def key(self):
        return (self.text, self.formatting)


@dataclasses.dataclass
class Block:
    name: str  # the element's name; "" for words directly in a container (a list item's text)
    start: str  # its start tag, as written here; "" for none
    words: list = dataclasses.field(default_factory=list)  # a leaf's
    children: list = dataclasses.field(default_factory=list)  # a container's
    container: bool = False

    @property
    def key(self):
        inside = tuple(child.key for child in self.children) if self.container else tuple(w.key for w in self.words)
        return (self.start, self.container, inside)

    def all_words(self):
        if not self.container:
            return self.words
        return [word for child in self.children for word in child.all_words()]

    @property
    def end(self):
        return f"</{self.name}>" if self.start and self.name != "hr" else ""


# Reading rendered HTML into blocks ----------------------------------------------------------------


def start_tag(element):
    allowed = ALLOWED_ATTRIBUTES.get(element.name, set()) | ({"rel"} if element.name == "a" else set())
    attributes = "".join(
        f' {name}="{escape(value if isinstance(value, str) else " ".join(value))}"'
        for name, value in sorted(element.attrs.items())
        if name in allowed
    )
    return f"<{element.name}{attributes}>"


def end_tag(start):
    return f"</{start[1:].split(' ', 1)[0].rstrip('>')}>"


def read_words(nodes, words, formatting=(), preformatted=False):
    """Append the words in `nodes` (an element's children) to `words`, each with the formatting it is in."""
    for child in nodes:
        if isinstance(child, HtmlComment):
            continue
        if isinstance(child, NavigableString):
            for space, text in SPACE_OR_WORD.findall(str(child)):
                if text:
                    words.append(Word(text, formatting))
                elif words and words[-1].space != "<br>":
                    words[-1].space = space if preformatted else " "
        elif child.name == "br":
            if words:
                words[-1].space = "<br>"
        elif child.name in INLINE and child.name in ALLOWED_TAGS:
            read_words(child.children, words, (*formatting, start_tag(child)), preformatted)
        else:
            read_words(child.children, words, formatting, preformatted)


def read_blocks(element):
    """The blocks in an element (or a whole parsed text), in order."""
    blocks, run = [], []

    def end_run():
        words = []
        read_words(run, words)
        if words:
            blocks.append(Block(name="", start="", words=words))
        run.clear()

    for child in list(element.children):
        if isinstance(child, HtmlComment):
            continue
        name = getattr(child, "name", None)
        if name not in BLOCKS:
            run.append(child)
            continue
        end_run()
        start = start_tag(child)
        if name == "hr":
            blocks.append(Block(name=name, start=start))
        elif name in CONTAINERS or any(getattr(grandchild, "name", None) in BLOCKS for grandchild in child.children):
            blocks.append(Block(name=name, start=start, children=read_blocks(child), container=True))
        else:
            words = []
            read_words(child.children, words, preformatted=name == "pre")
            blocks.append(Block(name=name, start=start, words=words))
    end_run()
    return blocks


def blocks_of(markdown_text):
    return read_blocks(BeautifulSoup(str(render_markdown(markdown_text or "")), "html.parser"))


# Writing ---------------------------------------------------------------------------------------------


class Writer:
    """Writes words with their formatting, opening and closing inline elements as it changes. The
    space after a word waits for the next word, so that it falls outside the elements closed there."""

    def __init__(self):
        self.parts = []
        self.open = []
        self.pending = ""

    def formatting(self, wanted):
        common = len(shared(self.open, wanted))
        for start in reversed(self.open[common:]):
            self.parts.append(end_tag(start))
        self.parts.append(self.pending)
        self.pending = ""
        self.parts.extend(wanted[common:])
        self.open = list(wanted)

    def words(self, words, last_space):
        """The words, each followed by its space, the last by last_space."""
        for position, word in enumerate(words):
            self.formatting(word.formatting)
            self.parts.append(escape(word.text))
            self.pending = word.space if position + 1 < len(words) else last_space

    def marked(self, tag, words, last_space):
        """An added or removed run, announced; the space after it outside the mark."""
        start, end = ADDED if tag == "ins" else REMOVED
        common = tuple(words[0].formatting)
        for word in words[1:]:
            common = shared(common, word.formatting)
        self.formatting(common)
        self.parts.append(f'<{tag} class="portal-diff__{tag}"><span class="govuk-visually-hidden">{start}</span>')
        self.words(words, "")
        self.formatting(common)
        self.parts.append(f'<span class="govuk-visually-hidden">{end}</span></{tag}>')
        self.pending = last_space

    def html(self):
        self.pending = self.pending if self.pending == "<br>" else ""
        self.formatting(())
        return "".join(self.parts)


def shared(one, other):
    """The formatting two words share: the start tags both are in, outermost first."""
    common = 0
    while common < min(len(one), len(other)) and one[common] == other[common]:
        common += 1
    return tuple(one[:common])


def words_diff(old, new):
    """The inline HTML of the change from one leaf's words to another's."""
    writer = Writer()
    opcodes = difflib.SequenceMatcher(None, [w.key for w in old], [w.key for w in new]).get_opcodes()
    for position, (operation, a_start, a_end, b_start, b_end) in enumerate(opcodes):
        removed, added = old[a_start:a_end], new[b_start:b_end]
        following = opcodes[position + 1] if position + 1 < len(opcodes) else None
        if operation == "equal":
            # Removed words stand where they stood in the old text: after its space, not run on.
            removal_follows = following is not None and following[1] < following[2]
            writer.words(added, removed[-1].space if removal_follows else added[-1].space)
            continue
        if removed:
            writer.marked("del", removed, " " if added else removed[-1].space)
        if added:
            writer.marked("ins", added, added[-1].space)
    return writer.html()


def whole(block, mark=None):
    """A block as it stands (mark None), or all of it removed ("del") or added ("ins")."""
    if block.name == "hr":
        return "" if mark == "del" else block.start
    if block.container:
        inside = "".join(whole(child, mark) for child in block.children)
    elif not block.words:
        inside = ""
    else:
        writer = Writer()
        if mark:
            writer.marked(mark, block.words, "")
        else:
            writer.words(block.words, "")
        inside = writer.html()
    if mark == "del" and not inside:
        return ""
    return f"{block.start}{inside}{block.end}"


def alike(old, new):
    """How alike two blocks are, 0 to 1, for pairing: their words in common (formatting aside, so a
    paragraph made bold pairs with itself); 0 for different elements."""
    if (old.name, old.container) != (new.name, new.container):
        return 0.0
    old_words, new_words = [w.text for w in old.all_words()], [w.text for w in new.all_words()]
    if not old_words and not new_words:
        return 1.0
    return difflib.SequenceMatcher(None, old_words, new_words, autojunk=False).quick_ratio()


def pairable(likeness, block):
    # A row's cells keep their places, whatever their words; two lists, quotes or tables in the
    # same place are one list changed, unless nearly nothing is left of it.
    if block.name in ("th", "td"):
        return True
    return likeness >= (CONTAINERS_ALIKE if block.container else ALIKE)


def paired(old, new):
    """The blocks of a replaced stretch in order, as ("pair", old, new), ("del", old, None) and
    ("ins", None, new): each pair the same element with most of its words in common, chosen to
    pair as much as possible in order (or, past MOST_COMPARISONS, position by position)."""
    if len(old) * len(new) > MOST_COMPARISONS:
        steps = []
        for index in range(max(len(old), len(new))):
            one, other = (old[index] if index < len(old) else None), (new[index] if index < len(new) else None)
            if one is not None and other is not None and pairable(alike(one, other), one):
                steps.append(("pair", one, other))
            else:
                steps += [("del", one, None)] if one is not None else []
                steps += [("ins", None, other)] if other is not None else []
        return steps
    likeness = [[alike(one, other) for other in new] for one in old]
    # best[i][j]: the most likeness pairable among old[i:] and new[j:].
    best = [[0.0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i in range(len(old) - 1, -1, -1):
        for j in range(len(new) - 1, -1, -1):
            here = likeness[i][j] + best[i + 1][j + 1] if pairable(likeness[i][j], old[i]) else 0.0
            best[i][j] = max(here, best[i + 1][j], best[i][j + 1])
    steps, i, j = [], 0, 0
    while i < len(old) and j < len(new):
        if pairable(likeness[i][j], old[i]) and best[i][j] == likeness[i][j] + best[i + 1][j + 1]:
            steps.append(("pair", old[i], new[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            steps.append(("del", old[i], None))
            i += 1
        else:
            steps.append(("ins", None, new[j]))
            j += 1
    steps += [("del", one, None) for one in old[i:]] + [("ins", None, other) for other in new[j:]]
    return steps


PARAGRAPHS = ("p", "")


def paragraphs_diff(old, new):
    """The change from some paragraphs to others, word by word across them, so that paragraphs
    joined or split show only the words that changed. Each removed run stands in the paragraph of
    the word before it, or, where it began a paragraph of the old text, of the word after it."""
    old_words = [(index, word) for index, block in enumerate(old) for word in block.words]
    new_words = [(index, word) for index, block in enumerate(new) for word in block.words]
    starts_a_paragraph = {
        position
        for position, (index, _) in enumerate(old_words)
        if position == 0 or old_words[position - 1][0] != index
    }
    runs = [[] for _ in new]  # for each new paragraph: [(mark, words, space after)]
    matcher = difflib.SequenceMatcher(None, [w.key for _, w in old_words], [w.key for _, w in new_words])
    opcodes = matcher.get_opcodes()
    for position, (operation, a_start, a_end, b_start, b_end) in enumerate(opcodes):
        following = opcodes[position + 1] if position + 1 < len(opcodes) else None
        if operation in ("delete", "replace"):
            removed = [word for _, word in old_words[a_start:a_end]]
            if b_start < len(new_words) and (a_start in starts_a_paragraph or b_start == 0):
                where = new_words[b_start][0]
            else:
                where = new_words[b_start - 1][0] if b_start else 0
            runs[where].append(("del", removed, " "))
        if operation in ("equal", "insert", "replace"):
            mark = None if operation == "equal" else "ins"
            for index in sorted({index for index, _ in new_words[b_start:b_end]}):
                words = [word for at, word in new_words[b_start:b_end] if at == index]
                runs[index].append((mark, words, words[-1].space))
            if mark is None and following is not None and following[1] < following[2]:
                # Removed words stand where they stood in the old text: after its space, not run on.
                last = runs[new_words[b_end - 1][0]]
                last[-1] = (None, last[-1][1], old_words[a_end - 1][1].space)
    parts = []
    for block, found in zip(new, runs, strict=True):
        writer = Writer()
        for mark, words, space in found:
            if mark:
                writer.marked(mark, words, space)
            else:
                writer.words(words, space)
        parts.append(f"{block.start}{writer.html()}{block.end}")
    return "".join(parts)


def blocks_diff(old, new):
    parts = []
    matcher = difflib.SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    for operation, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        replaced, replacing = old[a_start:a_end], new[b_start:b_end]
        if operation == "equal":
            parts += [whole(block) for block in replacing]
            continue
        if replaced and replacing and all(b.name in PARAGRAPHS and not b.container for b in replaced + replacing):
            parts.append(paragraphs_diff(replaced, replacing))
            continue
        for step, one, other in paired(replaced, replacing):
            if step == "del":
                parts.append(whole(one, "del"))
            elif step == "ins":
                parts.append(whole(other, "ins"))
            elif other.container:
                parts.append(f"{other.start}{blocks_diff(one.children, other.children)}{other.end}")
            else:
                parts.append(f"{other.start}{words_diff(one.words, other.words)}{other.end}")
    return "".join(parts)


def text_is_unchanged(old, new):
    """True when the two texts read the same: the same blocks, words and formatting, layout aside."""
    return [b.key for b in blocks_of(old)] == [b.key for b in blocks_of(new)]


def word_diff(old, new):
    """The change from `old` to `new` (Markdown) as people read them: safe HTML of the new text's
    blocks with removed words in <del> and added words in <ins>, each announced to screen readers.
    An empty string when they read the same."""
    old_blocks, new_blocks = blocks_of(old), blocks_of(new)
    if [b.key for b in old_blocks] == [b.key for b in new_blocks]:
        return ""
    return mark_safe(blocks_diff(old_blocks, new_blocks))  # noqa: S308 - built from escaped words and allowed tags

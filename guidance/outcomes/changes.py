"""What changed between the consulted version of a document and the next one ("you said, we did"):
everything the public "What changed" page shows, with the word-by-word diff of each section's text
as people read it (guidance/outcomes/diff.py), and the rows of the table staff download as CSV.

A consulted section's fate follows from its links (SectionLink, confirmed by staff): no link to it
means it was removed; links from several new sections mean it was split; a new section linked
from it and from other consulted sections means they were merged; one to one, it is renamed,
changed or unchanged as its title and text say. A new section with no link is new.

"You said" counts only published comments (Comment.objects.published()), so the page and the
table never reveal what the public pages do not show. "We did" is the staff's Outcomes; the page
is public only once the outcome is published (guidance/consultations/versions.py, what_changed_is_public).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from guidance.consultations.markdown import render_markdown
from guidance.consultations.versions import next_version
from guidance.models import Comment, Outcome, Response, SectionLink, Theme
from guidance.outcomes.diff import word_diff

# --- The "What changed" page ---------------------------------------------------------------------


class Change:
    """What became of a consulted section, or that a section is new. Each has a label and a tag
    colour; the label is always shown, so nothing relies on the colour."""

    UNCHANGED = "unchanged"
    CHANGED = "changed"
    RENAMED = "renamed"
    SPLIT = "split"
    MERGED = "merged"
    REMOVED = "removed"
    NEW = "new"
    LABELS = {
        UNCHANGED: "Unchanged",
        CHANGED: "Changed",
        RENAMED: "Renamed",
        SPLIT: "Split",
        MERGED: "Merged",
        REMOVED: "Removed",
        NEW: "New",
    }
    COLOURS = {
        UNCHANGED: "grey",
        CHANGED: "blue",
        RENAMED: "blue",
        SPLIT: "purple",
        MERGED: "purple",
        REMOVED: "red",
        NEW: "green",
    }


@dataclass
class ThemeSaid:
    """One theme of the published comments on a section: how many, and what was done about it."""

    theme: Theme
    count: int
    outcome: Outcome | None = None


@dataclass
class Row:
    """One section's block on the page: a consulted section (with what became of it), or a section
    new in the next version (consulted is None)."""

    state: str
    consulted: object = None
    new_sections: list = field(default_factory=list)
    # Other consulted sections merged into the same new section, for "merged with section N".
    merged_with: list = field(default_factory=list)
    diff_html: str = ""
    comment_count: int = 0
    themes: list = field(default_factory=list)
    unthemed_count: int = 0
    outcome: Outcome | None = None

    @property
    def state_label(self):
        return Change.LABELS.get(self.state, "")

    @property
    def state_colour(self):
        return Change.COLOURS.get(self.state, "grey")

    @property
    def anchor(self):
        """The block's id, as the URL contract names it (emails link to it)."""
        if self.consulted is not None:
            return f"section-{self.consulted.slug}"
        return f"new-{self.new_sections[0].slug}"

    @property
    def answered_themes(self):
        """The themes said about this section that staff wrote a response to."""
        return [said for said in self.themes if said.outcome is not None]

    @property
    def title_changed(self):
        return bool(self.consulted and self.new_sections) and any(
            new.title != self.consulted.title for new in self.new_sections
        )


@dataclass
class WhatChanged:
    consultation: object
    document: object  # the next version, or None while there is none
    rows: list
    responses_received: int
    main_themes: list  # ThemeSaid, most published comments first

    @property
    def consulted_rows(self):
        return [row for row in self.rows if row.consulted is not None]

    @property
    def new_rows(self):
        return [row for row in self.rows if row.consulted is None]

    @property
    def sections_changed(self):
        return sum(1 for row in self.consulted_rows if row.state != Change.UNCHANGED)


MAIN_THEMES = 5


def _joined(sections):
    return "\n\n".join(section.body for section in sections)


def _with_html(outcome):
    if outcome is not None:
        outcome.text_html = render_markdown(outcome.text)
    return outcome


def published_counts(consultation):
    """What "you said" counts, for the public page, the table and the staff overview alike, in
    three queries: the published comments of each section (None: the answers to questions); for
    each section and theme, how many of them have the theme, as (section id, theme id, count);
    and how many of each section's have any theme at all."""
    published = Comment.objects.published().filter(consultation=consultation)
    by_section = dict(published.order_by().values_list("section").annotate(n=Count("pk")).values_list("section", "n"))
    by_section_and_theme = list(
        Comment.themes.through.objects.filter(comment__in=published, theme__consultation=consultation)
        .order_by()
        .values_list("comment__section", "theme")
        .annotate(n=Count("comment", distinct=True))
    )
    themed_by_section = dict(
        published.filter(themes__consultation=consultation)
        .order_by()
        .values_list("section")
        .annotate(n=Count("pk", distinct=True))
        .values_list("section", "n")
    )
    return by_section, by_section_and_theme, themed_by_section


def themes_said(by_section_and_theme, themes):
    """From published_counts' (section id, theme id, count): for each section id (None: the
    questions), [(Theme, count)] most frequent first (then by name); and for each theme id, its
    published comments anywhere. `themes`: the consultation's themes by id."""
    by_section, by_theme = {}, {}
    for section_id, theme_id, n in sorted(by_section_and_theme, key=lambda row: (-row[2], themes[row[1]].name)):
        by_section.setdefault(section_id, []).append((themes[theme_id], n))
        by_theme[theme_id] = by_theme.get(theme_id, 0) + n
    return by_section, by_theme


def you_said(consultation):
    """The staff overview's figures: for each section id, its published comments (`count`) and the
    themes given to them, as (theme name, count) most frequent first; and for each theme id, how
    many published comments have it."""
    by_section, by_section_and_theme, _ = published_counts(consultation)
    themes = {theme.pk: theme for theme in Theme.objects.filter(consultation=consultation)}
    said, by_theme = themes_said(by_section_and_theme, themes)
    sections = {
        section_id: {
            "count": by_section.get(section_id, 0),
            "themes": [(theme.name, n) for theme, n in said.get(section_id, [])],
        }
        for section_id in {*by_section, *said}
        if section_id
    }
    return sections, by_theme


def what_changed(consultation, consulted=None):
    """Everything the "What changed" page shows (and the CSV table holds), in a fixed number of
    queries however many sections and comments. `consulted`: the consulted document's sections,
    if the caller has them. Without a next version (versions.next_version) the rows have no
    state and no diff. Outcomes are read whether or not published: the public page exists only
    once they are."""
    document = next_version(consultation)
    if consulted is None:
        consulted = list(consultation.document.sections.all())
    new_sections = list(document.sections.all()) if document else []
    earlier_of, later_of = {}, {}
    if document:
        for later_id, earlier_id in SectionLink.objects.filter(later__document=document).values_list(
            "later_id", "earlier_id"
        ):
            later_of.setdefault(earlier_id, []).append(later_id)
            earlier_of.setdefault(later_id, []).append(earlier_id)
    new_by_id = {section.pk: section for section in new_sections}
    consulted_by_id = {section.pk: section for section in consulted}

    comment_counts, theme_counts, themed_counts = published_counts(consultation)
    themes = {theme.pk: theme for theme in Theme.objects.filter(consultation=consultation)}
    outcomes = Outcome.objects.filter(consultation=consultation).filter(
        Q(section__isnull=False) | Q(theme__isnull=False)
    )
    section_outcomes, theme_outcomes = {}, {}
    for outcome in outcomes:
        _with_html(outcome)
        if outcome.section_id:
            section_outcomes[outcome.section_id] = outcome
        else:
            theme_outcomes[outcome.theme_id] = outcome

    by_section, totals = themes_said(theme_counts, themes)
    said = {  # section id (None: the questions) -> [ThemeSaid]
        section_id: [ThemeSaid(theme, n, theme_outcomes.get(theme.pk)) for theme, n in found]
        for section_id, found in by_section.items()
    }

    def sorted_sections(ids, by_id):
        return sorted((by_id[pk] for pk in ids if pk in by_id), key=lambda s: (s.major, s.minor))

    diffs = {}  # (consulted ids, new ids) -> diff, so merged sections share one

    rows = []
    for section in consulted:
        row = Row(
            state="",
            consulted=section,
            comment_count=comment_counts.get(section.pk, 0),
            themes=said.get(section.pk, []),
            outcome=section_outcomes.get(section.pk),
        )
        row.unthemed_count = row.comment_count - themed_counts.get(section.pk, 0)
        if document:
            row.new_sections = sorted_sections(later_of.get(section.pk, []), new_by_id)
            # Every consulted section that went into the same new sections. A merged section's
            # text is diffed as the consulted sections together against the new text: diffed
            # alone, the words the others brought would show as added when they were only moved.
            sources = sorted_sections(
                {pk for new in row.new_sections for pk in earlier_of.get(new.pk, [])}, consulted_by_id
            )
            row.merged_with = [other for other in sources if other.pk != section.pk]
            if not row.new_sections:
                row.state = Change.REMOVED
            else:
                key = (tuple(s.pk for s in sources), tuple(s.pk for s in row.new_sections))
                if key not in diffs:
                    diffs[key] = word_diff(_joined(sources), _joined(row.new_sections))
                row.diff_html = diffs[key]
                if len(row.new_sections) > 1:
                    row.state = Change.SPLIT
                elif row.merged_with:
                    row.state = Change.MERGED
                elif row.title_changed:
                    row.state = Change.RENAMED
                elif row.diff_html:
                    row.state = Change.CHANGED
                else:
                    row.state = Change.UNCHANGED
        rows.append(row)
    for section in new_sections:
        if section.pk not in earlier_of:
            rows.append(Row(state=Change.NEW, new_sections=[section]))

    main = sorted(
        (ThemeSaid(themes[pk], n, theme_outcomes.get(pk)) for pk, n in totals.items()),
        key=lambda item: (-item.count, item.theme.name),
    )[:MAIN_THEMES]
    return WhatChanged(
        consultation=consultation,
        document=document,
        rows=rows,
        responses_received=Response.objects.counted().filter(consultation=consultation).count(),
        main_themes=main,
    )


# --- The "you said, we did" table ----------------------------------------------------------------

TABLE_HEADER = [
    "Section",
    "Section title",
    "Change",
    "New section",
    "Theme",
    "Published comments",
    "Theme response",
    "Theme response text",
    "Section response",
    "Section response text",
]


def _numbered(sections):
    return "; ".join(f"{section.number}. {section.title}" for section in sections)


def _kind(outcome):
    return outcome.get_kind_display() if outcome else ""


def _text(outcome):
    return outcome.text if outcome else ""


def table_rows(changed):
    """The rows of the "you said, we did" table (docs/export-format.md): for each consulted section,
    one row per theme of its published comments, then one for its published comments with no theme;
    a section without published comments has one row, so every section is accounted for. Then one
    row for each section new in the next version."""
    rows = []
    for row in changed.rows:
        section = row.consulted
        change = row.state_label if row.state else ""
        if section is None:
            new = row.new_sections[0]
            rows.append(["", "", change, _numbered([new]), "", 0, "", "", "", ""])
            continue
        common = [section.number, section.title, change, _numbered(row.new_sections)]
        ending = [_kind(row.outcome), _text(row.outcome)]
        for said in row.themes:
            rows.append([*common, said.theme.name, said.count, _kind(said.outcome), _text(said.outcome), *ending])
        if row.unthemed_count or not row.themes:
            rows.append([*common, "", row.unthemed_count, "", "", *ending])
    return rows

"""Whose voices said what: a choice question's answers, the comments on a section or those coded
with a theme, or the responses themselves, broken down by type of respondent, by channel, or by an
equality monitoring characteristic (guidance/equality/). docs/analysis.md, "Whose voices", says
what each figure counts and why.

Each group's figures are counted in the database (two grouped counts, whatever the number of
responses); Python fills in the groups with none and works out percentages. A breakdown by an
equality characteristic hides small counts (suppress()): those figures are special category
personal data, and a count of 1 in a table can say what one person is.
"""

from dataclasses import dataclass, field

from django.db.models import Count

from guidance.equality import questions as equality
from guidance.models import ChosenOption, Comment, Response, Theme
from guidance.responses.answers import offered_options

# Below this, a count in an equality breakdown is shown as "fewer than 5".
SMALLEST_SHOWN = 5
FEWER_THAN = f"fewer than {SMALLEST_SHOWN}"
# A count that could be worked out from the others and a total, so is hidden as well.
WITHHELD = "withheld"
NOT_ANSWERED = ("", "Did not answer")
# Answers and comments the figures leave out, as the dashboard does (guidance/responses/answers.py).
NOT_COUNTED = [Comment.Status.SPAM, Comment.Status.WITHDRAWN]

BY_RESPONDENT_TYPE = "respondent_type"
BY_CHANNEL = "channel"
EVERYONE = "responses"


class BreakdownRefused(Exception):
    """A target or grouping this consultation does not have; the message says so in staff's words."""


@dataclass
class Cell:
    count: int
    base: int
    hidden: str = ""  # FEWER_THAN or WITHHELD when the count is not shown

    @property
    def shown(self):
        return None if self.hidden else self.count

    @property
    def percent(self):
        if self.hidden or not self.base:
            return None
        return round(100 * self.count / self.base, 1)

    def hide(self, why):
        if not self.hidden:
            self.hidden = why
            return True
        return False


@dataclass
class Group:
    label: str
    size: Cell  # how many the percentages are of: responses, or answers that chose something
    cells: list = field(default_factory=list)  # one per row of the breakdown, in order


@dataclass
class Breakdown:
    title: str
    grouping: str  # "Type of respondent"
    rows: list  # what each group's cells count: the options, or one row
    size_label: str  # what a group's size counts: "Answers" or "Responses"
    groups: list
    suppressed: bool  # small counts hidden (an equality breakdown)
    note: str = ""


# What can be broken down, and by what -------------------------------------------------------------


def targets(consultation):
    """[(key, label)] of what this consultation's figures can be broken down for."""
    choice_questions = [q for q in consultation.questions.all() if q.has_options]
    return [
        (EVERYONE, "Who responded"),
        *((f"q{q.pk}", f"{q.number}: {shortened(q.text)}") for q in choice_questions),
        *((f"s{s.pk}", f"Section {s.number}: {shortened(s.title)}") for s in consultation.document.sections.all()),
        *((f"t{t.pk}", f"Theme: {t.name}") for t in Theme.objects.filter(consultation=consultation)),
    ]


def groupings(consultation, *, with_equality):
    """[(key, label)] of what the figures can be grouped by; the equality characteristics the
    consultation asks only `with_equality` (staff who may see personal data)."""
    found = [(BY_RESPONDENT_TYPE, "Type of respondent"), (BY_CHANNEL, "Channel")]
    if with_equality:
        found += [(c.key, f"{c.name} (equality monitoring)") for c in equality.asked(consultation)]
    return found


def shortened(text, length=60):
    return text if len(text) <= length else text[: length - 1] + "…"


def is_equality_grouping(by):
    return by in equality.BY_KEY


# Counting -----------------------------------------------------------------------------------------


def breakdown(consultation, target, by):
    """The Breakdown of `target` (a key of targets()) by `by` (a key of groupings()), or
    BreakdownRefused. The caller checks that the user may see an equality grouping."""
    group_values, grouping_label = _groups(consultation, by)
    field_name = f"equality_answers__{by}" if is_equality_grouping(by) else by
    responses = Response.objects.counted().filter(consultation=consultation)
    responses_per_group = _per_group(responses, field_name, Count("*"))

    if target == EVERYONE:
        total = sum(responses_per_group.values())
        rows = ["Responses"]
        counts = {(value, 0): n for value, n in responses_per_group.items()}
        sizes = {value: total for value, _ in group_values}
        title, size_label, partition = "Who responded", "All responses", False
        note = "Each group's share of all the responses received (withdrawn responses are not counted)."
    elif target[:1] == "q":
        question = _one(consultation.questions.prefetch_related("options"), target, "question")
        if not question.has_options:
            raise BreakdownRefused(f"{question.number} asks for words only: there are no answers to count.")
        options = offered_options(question)
        rows = [option.label for option in options]
        chosen = ChosenOption.objects.filter(option__question=question).exclude(comment__status__in=NOT_COUNTED)
        position = {option.pk: index for index, option in enumerate(options)}
        counts = {
            (value, position[option]): n
            for (value, option), n in _grouped(chosen, [f"comment__response__{field_name}", "option"]).items()
        }
        sizes = _per_group(chosen, f"comment__response__{field_name}", Count("comment", distinct=True))
        title, size_label = f"{question.number}: {question.text}", "Answered"
        partition = question.kind != question.Kind.SEVERAL_CHOICES
        note = (
            "Percentages are of each group's answers that chose something"
            + (" (each could choose several, so they add up to more than 100%)" if not partition else "")
            + ". Spam and withdrawn answers are not counted."
        )
    elif target[:1] in ("s", "t"):
        if target[:1] == "s":
            section = _one(consultation.document.sections.all(), target, "section")
            comments = Comment.objects.filter(consultation=consultation, section=section)
            title, row = f"Section {section.number}: {section.title}", "Commented on it"
        else:
            theme = _one(Theme.objects.filter(consultation=consultation), target, "theme")
            comments = Comment.objects.filter(consultation=consultation, themes=theme)
            title, row = f"Theme: {theme.name}", "Wrote a comment with this theme"
        commented = _per_group(
            comments.exclude(status__in=NOT_COUNTED), f"response__{field_name}", Count("response", distinct=True)
        )
        rows = [row]
        counts = {(value, 0): n for value, n in commented.items()}
        sizes, size_label, partition = responses_per_group, "Responses", False
        note = "Percentages are of each group's responses. Spam and withdrawn comments are not counted."
    else:
        raise BreakdownRefused(f"“{target}” is not something this consultation's figures can be broken down for.")

    groups = [
        Group(
            label,
            Cell(sizes.get(value, 0), sizes.get(value, 0)),
            [Cell(counts.get((value, index), 0), sizes.get(value, 0)) for index in range(len(rows))],
        )
        for value, label in group_values
    ]
    suppressed = is_equality_grouping(by)
    if suppressed:
        suppress(groups, partition=partition)
        note += (
            f" Counts under {SMALLEST_SHOWN} are shown as “{FEWER_THAN}”, and a count that could be worked out "
            f"from the others and a total as “{WITHHELD}”."
        )
    return Breakdown(title, grouping_label, rows, size_label, groups, suppressed, note)


def _groups(consultation, by):
    """([(stored value, label)] of every group, in order; the grouping's name)."""
    if by == BY_RESPONDENT_TYPE:
        return list(Response.RespondentType.choices), "Type of respondent"
    if by == BY_CHANNEL:
        return list(Response.Channel.choices), "Channel"
    if is_equality_grouping(by) and by in (consultation.equality_questions or ()):
        characteristic = equality.BY_KEY[by]
        return [*characteristic.options, NOT_ANSWERED], characteristic.name
    raise BreakdownRefused(f"“{by}” is not something this consultation's responses can be grouped by.")


def _one(queryset, target, what):
    number = target[1:]
    found = queryset.filter(pk=int(number)).first() if number.isascii() and number.isdigit() else None
    if found is None:
        raise BreakdownRefused(f"“{target}” is not a {what} of this consultation.")
    return found


def _grouped(queryset, fields, counted=None):
    """{(value, ...): n}; a response without equality answers (NULL) counts as not answered ("")."""
    rows = queryset.order_by().values_list(*fields).annotate(n=counted or Count("*")).values_list(*fields, "n")
    totals = {}
    for *key, n in rows:
        key = tuple("" if part is None else part for part in key)
        totals[key] = totals.get(key, 0) + n
    return totals


def _per_group(queryset, field_name, counted):
    return {key[0]: n for key, n in _grouped(queryset, [field_name], counted).items()}


# Hiding small counts ------------------------------------------------------------------------------


def suppress(groups, *, partition):
    """Hide every count under SMALLEST_SHOWN (and one whose group's remainder is under it, which says
    the same about the others), then, until nothing changes, each count that the shown ones and a
    total would give away: a group's size hidden hides its cells; one hidden cell in a group whose
    cells add up to its size (`partition`: one choice per answer); one hidden cell in a row, whose
    total over every group is on the dashboard; one hidden group size, the sizes adding up to the
    total. The smallest shown count is hidden with it."""
    for group in groups:
        if group.size.count < SMALLEST_SHOWN:
            group.size.hide(FEWER_THAN)
        for cell in group.cells:
            if cell.count < SMALLEST_SHOWN:
                cell.hide(FEWER_THAN)
            elif group.size.count - cell.count < SMALLEST_SHOWN:
                cell.hide(WITHHELD)
    changed = True
    while changed:
        changed = False
        for group in groups:
            if group.size.hidden:
                for cell in group.cells:
                    changed |= cell.hide(WITHHELD)
            elif partition:
                changed |= _hide_a_second(group.cells)
        for index in range(len(groups[0].cells) if groups else 0):
            changed |= _hide_a_second([group.cells[index] for group in groups])
        changed |= _hide_a_second([group.size for group in groups])


def _hide_a_second(cells):
    """If exactly one of these cells is hidden, hide the smallest shown one too. Whether it did."""
    if sum(1 for cell in cells if cell.hidden) != 1:
        return False
    shown = [cell for cell in cells if not cell.hidden]
    if not shown:
        return False
    return min(shown, key=lambda cell: cell.count).hide(WITHHELD)


# As a table ---------------------------------------------------------------------------------------

CSV_HEADER = ["Group", "Group size", "Of", "Answer or count", "Number", "Percentage"]


def csv_rows(result):
    """The breakdown as rows for guidance/analysis/exports.py table_csv: one per group and row,
    hidden counts in words, percentages to one decimal place."""
    return [
        [
            group.label,
            group.size.hidden or group.size.count,
            result.size_label,
            label,
            cell.hidden or cell.count,
            "" if cell.percent is None else f"{cell.percent:.1f}",
        ]
        for group in result.groups
        for label, cell in zip(result.rows, group.cells, strict=True)
    ]

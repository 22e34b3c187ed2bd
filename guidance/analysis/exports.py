"""Exporting a consultation's comments to CSV: the one module behind the admin action, the admin
export page and the export_responses command.

The file is made for spreadsheets: UTF-8 with a byte-order mark, CRLF row endings, and every cell
that a spreadsheet would read as a formula prefixed with a single quote (OWASP "CSV injection"):
one starting with a tab or a carriage return, or whose first character after any spaces, line
breaks, control and invisible characters is =, +, - or @ in any of the forms Unicode gives them
(＝ fullwidth, ﹦ small, ⁼ superscript and so on). docs/export-format.md describes every column.

Two paths produce the same bytes:

- On PostgreSQL the database writes the CSV itself with COPY (SELECT ...) TO STDOUT, formatting
  and neutralisation included, because a Python csv writer over database rows is several times
  slower than COPY. COPY ends rows with LF; each row arrives as one message (libpq returns COPY
  data a whole row at a time), so its final LF is swapped for CRLF without touching line breaks
  inside quoted cells.
- Elsewhere (SQLite) Python's csv module writes the same rows from the same query.

Both stream: memory does not grow with the number of rows.
"""

import csv
import datetime
import functools
import io
import re
import unicodedata
from itertools import chain, groupby, islice
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, F, Q, TextField, Value, When
from django.utils import timezone
from django.utils.text import capfirst

from guidance.models import (
    Comment,
    ExportRecord,
    ModerationReason,
    Question,
    Report,
    Response,
    StaffNote,
)
from guidance.responses import answers
from guidance.responses.text import is_invisible
from guidance.staff.members import display_name_in_database

BOM = "\ufeff".encode()
# What a spreadsheet reads as the start of a formula: =, +, - and @, and every character that
# Unicode's compatibility folding (NFKC) makes one of them: fullwidth, small, superscript, subscript.
FORMULA_CHARACTERS = "=⁼₌﹦＝" + "+⁺₊﬩﹢＋" + "-﹣－" + "@﹫＠"
# A cell starting with either is neutralised whatever follows (OWASP's list).
FORMULA_PREFIXES = ("\t", "\r")
# Within one cell: between texts (a response's section comments), and between items (themes, groups).
JOIN_TEXTS = "\n\n"
LIST_SEPARATOR = "; "
CHUNK_BYTES = 256 * 1024
ROWS_PER_BATCH = 2000


class Layout:
    COMMENTS = "comments"
    RESPONSES = "responses"
    CHOICES = [(COMMENTS, "One row per comment"), (RESPONSES, "One row per response")]


RESPONSE_HEADER = [
    "Response reference",
    "Submitted at",
    "Channel",
    "Respondent type",
    "Publication choice",
]
# Personal data (guidance/privacy/personal_data.py): only in an export made with it, by staff allowed to see it.
PERSONAL_HEADER = [capfirst(Response._meta.get_field(name).verbose_name) for name in Response.PERSONAL_DATA_FIELDS]
COMMENT_HEADER = [
    "Target type",
    "Target number",
    "Target title",
    "Text",
    "Status",
    "Moderated at",
    "Moderated by",
    "Moderation reason",
    "Themes",
    "Report count",
    "Group",
]
# Columns: the comments layout's after Group (an answer's chosen options); the responses layout's
# after Section comments (the selected comments' groups) and last ("Q1: Approved" for each).
CHOICES_HEADER = "Choices"
RESPONSE_GROUPS_HEADER = "Groups"
RESPONSE_STATUSES_HEADER = "Statuses"
# The comments layout's last column, only with personal data: moderators' private notes may say
# who someone is (guidance.moderation.decisions.may_read_notes).
STAFF_NOTES_HEADER = "Staff notes"

# What the export reads for each comment, one query for both paths ("e_" keeps clear of field names).
_BASE_VALUES = {
    "e_id": F("id"),
    "e_response_id": F("response_id"),
    "e_reference": F("response__reference"),
    "e_submitted_at": F("response__submitted_at"),
    "e_channel": F("response__channel"),
    "e_respondent_type": F("response__respondent_type"),
    "e_consent": F("response__consent"),
    "e_section_major": F("section__major"),
    "e_section_minor": F("section__minor"),
    "e_section_title": F("section__title"),
    "e_question_position": F("question__position"),
    "e_question_text": F("question__text"),
    "e_text": F("text"),
    "e_status": F("status"),
    "e_moderated_at": F("moderated_at"),
    "e_moderated_by": display_name_in_database("moderated_by__"),
    "e_reason_code": F("reason_code"),
    "e_reason": F("reason"),
    "e_group": F("group"),
}
_PERSONAL_VALUES = {f"e_{name}": F(f"response__{name}") for name in Response.PERSONAL_DATA_FIELDS}

# What an export selects when no status is chosen: spam and what respondents withdrew are left out.
DEFAULT_STATUSES = [Comment.Status.PENDING, Comment.Status.APPROVED, Comment.Status.REJECTED]
# A comment rejected because it holds someone's personal information (a phone number, an address):
# without personal data it is exported as a row with this in place of its words (its text, its
# "Other" words and the moderator's note on it), so it is counted but never read from the file.
WITHHELD = {"status": Comment.Status.REJECTED, "reason_code": ModerationReason.PERSONAL}
WITHHELD_TEXT = "[withheld: rejected as containing personal information]"
_WITHHELD = Q(**WITHHELD)
_WITHHOLDING_VALUES = {
    "e_text": Case(When(_WITHHELD, then=Value(WITHHELD_TEXT)), default=F("text"), output_field=TextField()),
    "e_reason": Case(When(_WITHHELD, then=Value("")), default=F("reason"), output_field=TextField()),
    "e_withheld": Case(When(_WITHHELD, then=Value(True)), default=Value(False), output_field=BooleanField()),
}

CHANNEL_LABELS = dict(Response.Channel.choices)
RESPONDENT_TYPE_LABELS = dict(Response.RespondentType.choices)
CONSENT_LABELS = dict(Response.Consent.choices)
STATUS_LABELS = dict(Comment.Status.choices)
REASON_LABELS = dict(ModerationReason.choices)


# --- Choosing what to export -------------------------------------------------------------------


def statuses_chosen(filters):
    """The statuses the filters choose: a list, or a text of them separated by commas (as an
    ExportRecord keeps them); none chosen, DEFAULT_STATUSES."""
    chosen = filters.get("status") or []
    if isinstance(chosen, str):
        chosen = chosen.split(",")
    return [status.strip() for status in chosen if status.strip()] or list(DEFAULT_STATUSES)


def select_comments(consultation, filters):
    """The consultation's comments that the filters (as from the export page's form) select. With no
    status chosen, DEFAULT_STATUSES: spam, and what respondents withdrew, are exported only when
    their status is chosen."""
    comments = Comment.objects.filter(consultation=consultation, status__in=statuses_chosen(filters))
    if target := filters.get("target"):
        if target.upper().startswith("Q"):
            comments = comments.filter(question__position=int(target[1:]))
        else:
            major, _, minor = target.partition(".")
            comments = comments.filter(section__major=int(major), section__minor=int(minor or 0))
    if filters.get("respondent_type"):
        comments = comments.filter(response__respondent_type=filters["respondent_type"])
    if filters.get("channel"):
        comments = comments.filter(response__channel=filters["channel"])
    zone = ZoneInfo(settings.TIME_ZONE)
    if filters.get("submitted_from"):
        start = datetime.datetime.fromisoformat(filters["submitted_from"]).replace(tzinfo=zone)
        comments = comments.filter(response__submitted_at__gte=start)
    if filters.get("submitted_to"):
        end = datetime.datetime.fromisoformat(filters["submitted_to"]).replace(tzinfo=zone)
        comments = comments.filter(response__submitted_at__lt=end + datetime.timedelta(days=1))
    if filters.get("theme"):
        comments = comments.filter(themes__consultation=consultation, themes__name=filters["theme"])
    return comments


# --- Recording ---------------------------------------------------------------------------------


def count_rows(comments, layout):
    if layout == Layout.RESPONSES:
        return comments.order_by().values("response_id").distinct().count()
    return comments.order_by().count()


@transaction.atomic
def record_export(consultation, *, by, layout, filters, with_personal_data, comments=None, row_count=None):
    """Record an export before any of it is sent, so one interrupted halfway is recorded too.
    The row count is taken at that moment: of the comments exported, or given for an export of
    other rows (an event's sign-ups)."""
    return ExportRecord.objects.create(
        consultation=consultation,
        by=by,
        layout=layout,
        filters=filters,
        with_personal_data=with_personal_data,
        row_count=count_rows(comments, layout) if row_count is None else row_count,
    )


def export_csv(consultation, comments, *, by, layout=Layout.COMMENTS, filters=None, with_personal_data=False):
    """Record the export, then return the CSV as an iterator of byte chunks. The caller checks
    permissions first."""
    record_export(
        consultation,
        by=by,
        layout=layout,
        filters=filters or {},
        with_personal_data=with_personal_data,
        comments=comments,
    )
    return csv_chunks(consultation, comments, layout=layout, with_personal_data=with_personal_data)


def export_filename(consultation, now=None, what=""):
    """Only the slug (reduced to safe characters), `what` (our own words: "you-said-we-did") and a
    timestamp: nothing typed reaches a header."""
    slug = re.sub(r"[^A-Za-z0-9_-]", "", consultation.slug)[:100] or "consultation"
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y-%m-%d-%H%M%S")
    return f"{slug}-{what + '-' if what else ''}{stamp}.csv"


def table_csv(header, rows):
    """A small table of our own making (guidance/outcomes/changes.py, the "you said, we did" table) as the
    same spreadsheet-safe file as the export: byte-order mark, CRLF, every text cell neutralised.
    Whole numbers stay numbers."""
    return b"".join(table_csv_chunks(header, rows))


def table_csv_chunks(header, rows):
    """table_csv as byte chunks, for a table too long to hold at once (the published responses as
    open data, guidance/public/downloads.py): rows are read as they are written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield BOM + _csv_line(header)
    for row in rows:
        writer.writerow([cell if isinstance(cell, int) else neutralise(cell) for cell in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield _drain(buffer)
    if buffer.tell():
        yield _drain(buffer)


# --- Producing the CSV -------------------------------------------------------------------------


def header(consultation, layout, with_personal_data):
    personal = PERSONAL_HEADER if with_personal_data else []
    if layout == Layout.RESPONSES:
        questions = []
        for position, has_options in _questions(consultation):
            questions += [f"Q{position}", f"Q{position} explanation"] if has_options else [f"Q{position}"]
        return [
            *RESPONSE_HEADER,
            *personal,
            *questions,
            "Section comments",
            RESPONSE_GROUPS_HEADER,
            RESPONSE_STATUSES_HEADER,
        ]
    notes = [STAFF_NOTES_HEADER] if with_personal_data else []
    return [*RESPONSE_HEADER, *personal, *COMMENT_HEADER, CHOICES_HEADER, *notes]


def csv_chunks(consultation, comments, *, layout=Layout.COMMENTS, with_personal_data=False):
    """The whole file (byte-order mark, header, rows) as byte chunks, streamed from the database."""
    yield BOM + _csv_line(header(consultation, layout, with_personal_data))
    values = _comment_values(comments, with_personal_data)
    if connection.vendor == "postgresql":
        from guidance.analysis import exports_postgresql  # builds on this module's cells and labels

        sql = exports_postgresql.postgresql_sql(consultation, values, layout, with_personal_data)
        yield from exports_postgresql.postgresql_chunks(sql)
    else:
        yield from _portable_chunks(consultation, values, layout, with_personal_data)


def _questions(consultation):
    """(position, has options) for each question, in order: a choice or agreement question has two
    columns in the responses layout, its choices and its explanation."""
    return [
        (position, kind != Question.Kind.TEXT)
        for position, kind in consultation.questions.order_by("position").values_list("position", "kind")
    ]


def _comment_values(comments, with_personal_data):
    if with_personal_data:
        columns = {**_BASE_VALUES, **_PERSONAL_VALUES, "e_withheld": Value(False, output_field=BooleanField())}
    else:
        columns = {**_BASE_VALUES, **_WITHHOLDING_VALUES}
    return comments.order_by().values(**columns)


def _csv_line(cells):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue().encode()


# The portable path: Python's csv module, the same rules as the SQL below, cell by cell.


def neutralise(text):
    """A cell as a spreadsheet must show it: as text. NUL is dropped (PostgreSQL cannot store it)."""
    if text is None:
        return ""
    text = str(text).replace("\x00", "")
    return "'" + text if starts_like_a_formula(text) else text


def starts_like_a_formula(text):
    if "!" <= text[:1] <= "~":  # a visible ASCII character, as most cells start: it settles it
        return text[0] in FORMULA_CHARACTERS
    first = text.lstrip(skipped_before_a_formula())[:1]
    return text.startswith(FORMULA_PREFIXES) or (first != "" and first in FORMULA_CHARACTERS)


@functools.cache
def skipped_before_a_formula():
    """What a spreadsheet may pass over, or a reader not see, before a formula: spaces, line breaks,
    control characters and the invisible ones (guidance.responses.text.is_invisible), as one string for
    str.lstrip and PostgreSQL's ltrim. Unicode has none outside its first two planes and the
    fourteenth, so only those are read (test_export checks the rest). Not NUL, which is dropped."""
    code_points = chain(range(1, 0x20000), range(0xE0000, 0xE1000))
    return "".join(c for c in map(chr, code_points) if is_invisible(c) or unicodedata.category(c) == "Cc")


def _timestamp(value):
    if value is None:
        return ""
    return timezone.localtime(value, ZoneInfo(settings.TIME_ZONE)).isoformat(timespec="seconds")


def _section_number(row):
    return (
        f"{row['e_section_major']}.{row['e_section_minor']}" if row["e_section_minor"] else f"{row['e_section_major']}"
    )


def _response_cells(row, with_personal_data):
    cells = [
        row["e_reference"],
        _timestamp(row["e_submitted_at"]),
        CHANNEL_LABELS.get(row["e_channel"], row["e_channel"]),
        RESPONDENT_TYPE_LABELS.get(row["e_respondent_type"], row["e_respondent_type"]),
        CONSENT_LABELS.get(row["e_consent"], row["e_consent"]),
    ]
    if with_personal_data:
        cells += [row[column] for column in _PERSONAL_VALUES]
    return cells


def _comment_row(row, themes, report_count, with_personal_data, notes=(), choices=""):
    on_section = row["e_section_major"] is not None
    reason = REASON_LABELS.get(row["e_reason_code"], row["e_reason_code"])
    cells = [
        *_response_cells(row, with_personal_data),
        "Section" if on_section else "Question",
        _section_number(row) if on_section else f"Q{row['e_question_position']}",
        row["e_section_title"] if on_section else row["e_question_text"],
        row["e_text"],
        STATUS_LABELS.get(row["e_status"], row["e_status"]),
        _timestamp(row["e_moderated_at"]),
        row["e_moderated_by"],
        ": ".join(part for part in (reason, row["e_reason"]) if part),
        LIST_SEPARATOR.join(sorted(themes)),
    ]
    # The report count and the group number are whole numbers, with nothing to neutralise; the csv
    # module writes a comment in no group (None) as an empty cell, as COPY writes NULL.
    row_cells = [neutralise(cell) for cell in cells] + [report_count, row["e_group"], neutralise(choices)]
    if with_personal_data:
        row_cells.append(neutralise(JOIN_TEXTS.join(notes)))
    return row_cells


def _response_row(rows, questions, choices, with_personal_data):
    def text(row):
        return row["e_text"].replace("\x00", "")

    answers = []
    for p, has_options in questions:
        on_question = [row for row in rows if row["e_question_position"] == p]
        if has_options:
            # The chosen labels, then the explanation; answers without one leave nothing.
            answers.append(JOIN_TEXTS.join(choices[row["e_id"]] for row in on_question if choices.get(row["e_id"])))
            answers.append(JOIN_TEXTS.join(text(row) for row in on_question if row["e_text"]))
        else:
            answers.append(JOIN_TEXTS.join(text(row) for row in on_question))
    on_sections = sorted(
        (row for row in rows if row["e_section_major"] is not None),
        key=lambda row: (row["e_section_major"], row["e_section_minor"], row["e_id"]),
    )
    section_comments = JOIN_TEXTS.join(f"{_section_number(row)}: {text(row)}" for row in on_sections)
    cells = [*_response_cells(rows[0], with_personal_data), *answers, section_comments]
    groups = LIST_SEPARATOR.join(str(group) for group in sorted({row["e_group"] for row in rows} - {None}))
    return [neutralise(cell) for cell in cells] + [groups, _statuses(rows)]


def _statuses(rows):
    """ "Q1: Approved; 2.1: Rejected": each comment's target and status, in the order of the row's
    cells (answers in the questions' order, then comments on sections in the document's)."""

    def in_row_order(row):
        on_section = row["e_section_major"] is not None
        if on_section:
            return (True, 0, row["e_section_major"], row["e_section_minor"], row["e_id"])
        return (False, row["e_question_position"], 0, 0, row["e_id"])

    def target(row):
        return _section_number(row) if row["e_section_major"] is not None else f"Q{row['e_question_position']}"

    return LIST_SEPARATOR.join(
        f"{target(row)}: {STATUS_LABELS.get(row['e_status'], row['e_status'])}"
        for row in sorted(rows, key=in_row_order)
    )


def _theme_names(consultation, comment_ids):
    names = {}
    through = Comment.themes.through.objects.filter(comment_id__in=comment_ids, theme__consultation=consultation)
    for comment_id, name in through.values_list("comment_id", "theme__name"):
        names.setdefault(comment_id, []).append(name)
    return names


def _staff_notes(comment_ids):
    """Each comment's notes, oldest first, each as its time, its author's name and its text."""
    notes = {}
    rows = StaffNote.objects.filter(comment_id__in=comment_ids).order_by("at", "pk")
    rows = rows.annotate(author=display_name_in_database("by__"))
    for comment_id, at, author, text in rows.values_list("comment_id", "at", "author", "text"):
        notes.setdefault(comment_id, []).append(f"{_timestamp(at)} {author}: {text}")
    return notes


def _choices(comment_ids, withheld=()):
    """{comment id: "Partly"} for the answers among these comments that chose options; those
    `withheld` without their "Other" words."""
    return {
        comment_id: answers.LABEL_SEPARATOR.join(labels).replace("\x00", "")
        for comment_id, labels in answers.chosen_labels(comment_ids, without_words=withheld).items()
    }


def _answers_of(batch):
    """The ids of the answers (comments on questions) in a batch of rows, and of those withheld."""
    on_questions = [row for row in batch if row["e_question_position"] is not None]
    return [row["e_id"] for row in on_questions], {row["e_id"] for row in on_questions if row["e_withheld"]}


def _report_counts(comment_ids):
    counts = Report.objects.filter(comment_id__in=comment_ids).values("comment_id").annotate(n=Count("pk"))
    return {count["comment_id"]: count["n"] for count in counts.order_by()}


def _portable_chunks(consultation, values, layout, with_personal_data):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows = values.order_by("e_response_id", "e_id").iterator(chunk_size=ROWS_PER_BATCH)
    if layout == Layout.RESPONSES:
        questions = _questions(consultation)
        choices = {}

        def in_batches():
            # The choices of each batch of rows in one query, as the rows stream past.
            while batch := list(islice(rows, ROWS_PER_BATCH)):
                choices.update(_choices(*_answers_of(batch)))
                yield from batch

        for _, group in groupby(in_batches(), key=lambda row: row["e_response_id"]):
            # A response's rows may straddle two batches, so each comment's choices stay until
            # its response's row is written.
            group = list(group)
            writer.writerow(_response_row(group, questions, choices, with_personal_data))
            for row in group:
                choices.pop(row["e_id"], None)
            if buffer.tell() >= CHUNK_BYTES:
                yield _drain(buffer)
    else:
        while batch := list(islice(rows, ROWS_PER_BATCH)):
            ids = [row["e_id"] for row in batch]
            themes, reports = _theme_names(consultation, ids), _report_counts(ids)
            notes = _staff_notes(ids) if with_personal_data else {}
            choices = _choices(*_answers_of(batch))
            writer.writerows(
                _comment_row(
                    row,
                    themes.get(row["e_id"], []),
                    reports.get(row["e_id"], 0),
                    with_personal_data,
                    notes.get(row["e_id"], ()),
                    choices.get(row["e_id"], ""),
                )
                for row in batch
            )
            yield _drain(buffer)
    if buffer.tell():
        yield _drain(buffer)


def _drain(buffer):
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data

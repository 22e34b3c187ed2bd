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

import contextlib
import csv
import datetime
import functools
import io
import queue
import re
import threading
import unicodedata
from itertools import chain, groupby, islice
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.text import capfirst

from guidance.models import (
    ChosenOption,
    Comment,
    ExportRecord,
    ModerationReason,
    Option,
    Question,
    Report,
    Response,
    StaffNote,
    Theme,
)
from guidance.responses import answers
from guidance.responses.text import is_invisible

BOM = "\ufeff".encode()
# What a spreadsheet reads as the start of a formula: =, +, - and @, and every character that
# Unicode's compatibility folding (NFKC) makes one of them: fullwidth, small, superscript, subscript.
FORMULA_CHARACTERS = "=⁼₌﹦＝" + "+⁺₊﬩﹢＋" + "-﹣－" + "@﹫＠"
# A cell starting with either is neutralised whatever follows (OWASP's list).
FORMULA_PREFIXES = ("\t", "\r")
# Joins several texts in one cell (answers to one question, a response's section comments).
JOIN_TEXTS = "\n\n"
THEME_SEPARATOR = "; "
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
# The comments layout's column after Group: an answer's chosen options (guidance/responses/answers.py).
CHOICES_HEADER = "Choices"
# The responses layout's last column: the groups of the response's selected comments.
RESPONSE_GROUPS_HEADER = "Groups"
# The comments layout's last column, only with personal data: moderators' private notes may say
# who someone is (guidance.moderation.decisions.may_read_notes).
STAFF_NOTES_HEADER = "Staff notes"
GROUP_SEPARATOR = "; "

# What the export reads for each comment: one query for both paths. The "e_" prefix keeps the
# names clear of the model's own field names.
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
    "e_moderated_by": F("moderated_by__username"),
    "e_reason_code": F("reason_code"),
    "e_reason": F("reason"),
    "e_group": F("group"),
}
_PERSONAL_VALUES = {f"e_{name}": F(f"response__{name}") for name in Response.PERSONAL_DATA_FIELDS}

CHANNEL_LABELS = dict(Response.Channel.choices)
RESPONDENT_TYPE_LABELS = dict(Response.RespondentType.choices)
CONSENT_LABELS = dict(Response.Consent.choices)
STATUS_LABELS = dict(Comment.Status.choices)
REASON_LABELS = dict(ModerationReason.choices)


# --- Choosing what to export -------------------------------------------------------------------


def select_comments(consultation, filters):
    """The consultation's comments that the filters (as from the export page's form) select. With no
    status chosen: every comment whatever its status, but those their respondents withdrew, which
    are exported only when asked for by their status."""
    comments = Comment.objects.filter(consultation=consultation)
    status = filters.get("status")
    comments = comments.filter(status=status) if status else comments.not_withdrawn()
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
def record_export(consultation, *, by, layout, filters, with_personal_data, comments):
    """Record an export before any of it is sent, so one interrupted halfway is recorded too.
    The row count is taken at that moment."""
    return ExportRecord.objects.create(
        consultation=consultation,
        by=by,
        layout=layout,
        filters=filters,
        with_personal_data=with_personal_data,
        row_count=count_rows(comments, layout),
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
    lines = [BOM + _csv_line(header)]
    lines += [_csv_line([cell if isinstance(cell, int) else neutralise(cell) for cell in row]) for row in rows]
    return b"".join(lines)


# --- Producing the CSV -------------------------------------------------------------------------


def header(consultation, layout, with_personal_data):
    personal = PERSONAL_HEADER if with_personal_data else []
    if layout == Layout.RESPONSES:
        questions = []
        for position, has_options in _questions(consultation):
            questions += [f"Q{position}", f"Q{position} explanation"] if has_options else [f"Q{position}"]
        return [*RESPONSE_HEADER, *personal, *questions, "Section comments", RESPONSE_GROUPS_HEADER]
    notes = [STAFF_NOTES_HEADER] if with_personal_data else []
    return [*RESPONSE_HEADER, *personal, *COMMENT_HEADER, CHOICES_HEADER, *notes]


def csv_chunks(consultation, comments, *, layout=Layout.COMMENTS, with_personal_data=False):
    """The whole file (byte-order mark, header, rows) as byte chunks, streamed from the database."""
    yield BOM + _csv_line(header(consultation, layout, with_personal_data))
    values = _comment_values(comments, with_personal_data)
    if connection.vendor == "postgresql":
        yield from _postgresql_chunks(postgresql_sql(consultation, values, layout, with_personal_data))
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
    columns = {**_BASE_VALUES, **(_PERSONAL_VALUES if with_personal_data else {})}
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
        THEME_SEPARATOR.join(sorted(themes)),
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
    groups = GROUP_SEPARATOR.join(str(group) for group in sorted({row["e_group"] for row in rows} - {None}))
    return [neutralise(cell) for cell in cells] + [groups]


def _theme_names(consultation, comment_ids):
    names = {}
    through = Comment.themes.through.objects.filter(comment_id__in=comment_ids, theme__consultation=consultation)
    for comment_id, name in through.values_list("comment_id", "theme__name"):
        names.setdefault(comment_id, []).append(name)
    return names


def _staff_notes(comment_ids):
    """Each comment's notes, oldest first, each as its time, its author's user name and its text."""
    notes = {}
    rows = StaffNote.objects.filter(comment_id__in=comment_ids).order_by("at", "pk")
    for comment_id, at, username, text in rows.values_list("comment_id", "at", "by__username", "text"):
        notes.setdefault(comment_id, []).append(f"{_timestamp(at)} {username}: {text}")
    return notes


def _choices(comment_ids):
    """{comment id: "Partly"} for the answers among these comments that chose options."""
    return {
        comment_id: answers.LABEL_SEPARATOR.join(labels).replace("\x00", "")
        for comment_id, labels in answers.chosen_labels(comment_ids).items()
    }


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
                choices.update(_choices([row["e_id"] for row in batch if row["e_question_position"] is not None]))
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
            choices = _choices([row["e_id"] for row in batch if row["e_question_position"] is not None])
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


# The PostgreSQL path: the same cells, computed by the database.


def _literal(cursor, value):
    return cursor.mogrify("%s", [value]).decode()


def _label_sql(cursor, column, labels):
    whens = " ".join(
        f"WHEN {_literal(cursor, value)} THEN {_literal(cursor, label)}" for value, label in labels.items()
    )
    return f"CASE {column} {whens} ELSE {column} END"


def _timestamp_sql(column):
    """ISO 8601 with the offset, as Python's isoformat(timespec="seconds") writes it. to_char
    works in the session's time zone, which _postgresql_chunks sets to settings.TIME_ZONE for
    the COPY: far cheaper than converting each value with AT TIME ZONE."""
    return f"to_char({column}, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')"


def _neutralise_sql(column):
    """starts_like_a_formula in SQL. ascii() is the first character's code point; each test of it
    is one call and one lookup (PostgreSQL hashes a long IN list; BETWEEN would call ascii()
    twice). Only a cell starting with a skipped character pays for ltrim, which compares each of
    its first characters with every skipped one (about 2.6 µs a cell). NULLIF: COPY writes NULL
    as nothing but an empty string as "", and the csv module writes both as nothing, so empty
    cells leave as NULL."""
    plain = ", ".join(str(code) for code in range(33, 127) if chr(code) not in FORMULA_CHARACTERS)
    formula = ", ".join(str(ord(character)) for character in FORMULA_CHARACTERS)
    prefixes = ", ".join(str(ord(character)) for character in FORMULA_PREFIXES)
    skipped_codes, skipped = _skipped_sql()
    return (
        f"CASE WHEN ascii({column}) IN ({plain}) THEN {column} "
        f"WHEN ascii({column}) IN ({formula}, {prefixes}) THEN '''' || {column} "
        f"WHEN ascii({column}) IN ({skipped_codes}) AND ascii(ltrim({column}, {skipped})) IN ({formula}) "
        f"THEN '''' || {column} "
        f"ELSE NULLIF({column}, '') END"
    )


@functools.cache
def _skipped_sql():
    """skipped_before_a_formula for SQL: its code points, and a PostgreSQL literal of Unicode
    escapes (plain ASCII in the statement, with no character of the text's own to quote)."""
    characters = skipped_before_a_formula()
    escaped = "".join(f"\\{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\+{ord(c):06x}" for c in characters)
    return ", ".join(str(ord(c)) for c in characters), f"U&'{escaped}'"


def _section_number_sql():
    return "t.e_section_major || CASE WHEN t.e_section_minor > 0 THEN '.' || t.e_section_minor ELSE '' END"


def _fixed(expression):
    """A cell whose text the portal writes (a reference, a label, a date): it never starts like a
    formula (test_export checks the labels), so it needs no neutralising, only NULL for empty."""
    return f"NULLIF({expression}, '')"


def _response_cells_sql(cursor, with_personal_data):
    cells = [
        _fixed("t.e_reference"),
        _fixed(_timestamp_sql("t.e_submitted_at")),
        _fixed(_label_sql(cursor, "t.e_channel", CHANNEL_LABELS)),
        _fixed(_label_sql(cursor, "t.e_respondent_type", RESPONDENT_TYPE_LABELS)),
        _fixed(_label_sql(cursor, "t.e_consent", CONSENT_LABELS)),
    ]
    if with_personal_data:
        cells += [_neutralise_sql(f"t.{column}") for column in _PERSONAL_VALUES]
    return cells


def _choices_sql(cursor, consultation):
    """Each answer's chosen options as one text, "Agree" or "Yes; Other: their words", in the
    question's order: the same text guidance.responses.answers.chosen_labels makes. Only identifiers from the
    models' metadata, a whole number and a quoted literal go into it."""
    chosen, option, comment = ChosenOption._meta.db_table, Option._meta.db_table, Comment._meta.db_table
    separator = _literal(cursor, answers.LABEL_SEPARATOR)
    return (
        "(SELECT co.comment_id, string_agg(CASE WHEN o.is_other AND c.other_text <> '' "  # noqa: S608
        f"THEN o.label || ': ' || c.other_text ELSE o.label END, {separator} ORDER BY o.position) AS labels "
        f"FROM {chosen} co JOIN {option} o ON o.id = co.option_id JOIN {comment} c ON c.id = co.comment_id "
        f"WHERE c.consultation_id = {int(consultation.pk)} GROUP BY co.comment_id)"
    )


def comment_rows_sql(consultation, values, with_notes=False):
    """The comments as the database holds them, with each one's theme names and report count (and,
    with_notes, its staff notes, joined as _staff_notes joins them): everything the comments layout
    shows, before formatting. (bench/export.py COPYs this as the physical limit.)"""
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        inner_sql, params = values.query.sql_with_params()
        inner = cursor.mogrify(inner_sql, params).decode()
        comment_themes, theme, report = (
            Comment.themes.through._meta.db_table,
            Theme._meta.db_table,
            Report._meta.db_table,
        )
        notes_column = notes_join = ""
        if with_notes:
            qn, user = connection.ops.quote_name, get_user_model()
            username = qn(user._meta.get_field(user.USERNAME_FIELD).column)
            note, comment = StaffNote._meta.db_table, Comment._meta.db_table
            text = f"{_timestamp_sql('n.at')} || ' ' || u.{username} || ': ' || n.text"
            notes_column = ", nt.notes AS e_notes"
            notes_join = (
                # Only identifiers from the models' metadata and a whole number go into the text.
                f" LEFT JOIN (SELECT n.comment_id, string_agg({text}, E'\\n\\n' ORDER BY n.at, n.id) AS notes "  # noqa: S608
                f"FROM {note} n JOIN {qn(user._meta.db_table)} u ON u.id = n.by_id "
                f"JOIN {comment} c ON c.id = n.comment_id "
                f"WHERE c.consultation_id = {int(consultation.pk)} GROUP BY n.comment_id) nt ON nt.comment_id = v.e_id"
            )
        # Joined once, aggregated per comment: a subquery per row costs more than the rest together.
        return (
            f"SELECT v.*, tm.names AS e_themes, COALESCE(rc.n, 0) AS e_report_count, "  # noqa: S608
            f"ch.labels AS e_choices{notes_column} "
            f"FROM ({inner}) v "
            f"LEFT JOIN {_choices_sql(cursor, consultation)} ch ON ch.comment_id = v.e_id "
            f"LEFT JOIN (SELECT ct.comment_id, string_agg(th.name, '; ' ORDER BY th.name COLLATE \"C\") AS names "
            f"FROM {comment_themes} ct JOIN {theme} th ON th.id = ct.theme_id "
            f"WHERE th.consultation_id = {int(consultation.pk)} GROUP BY ct.comment_id) tm ON tm.comment_id = v.e_id "
            f"LEFT JOIN (SELECT comment_id, count(*) AS n FROM {report} GROUP BY comment_id) rc "
            f"ON rc.comment_id = v.e_id{notes_join}"
        )


def postgresql_sql(consultation, values, layout, with_personal_data):
    """The COPY statement that writes the rows (not the header) as CSV. Every value in it is
    quoted by psycopg2's mogrify or is a whole number; the rest is our own SQL. Cells that people
    typed are neutralised where they are plain columns (or aggregates, which PostgreSQL computes
    once however often they are named), so no expression is computed twice."""
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        if layout == Layout.RESPONSES:
            inner_sql, params = values.query.sql_with_params()
            inner = cursor.mogrify(inner_sql, params).decode()
            answers = []
            for p, has_options in _questions(consultation):
                on_question = f"FILTER (WHERE t.e_question_position = {int(p)})"
                if has_options:
                    # Its choices, then its explanation: as _response_row writes them.
                    answers.append(f"string_agg(ch.labels, E'\\n\\n' ORDER BY t.e_id) {on_question}")
                    answers.append(f"string_agg(NULLIF(t.e_text, ''), E'\\n\\n' ORDER BY t.e_id) {on_question}")
                else:
                    answers.append(f"string_agg(t.e_text, E'\\n\\n' ORDER BY t.e_id) {on_question}")
            sections = (
                f"string_agg({_section_number_sql()} || ': ' || t.e_text, E'\\n\\n' "
                "ORDER BY t.e_section_major, t.e_section_minor, t.e_id) FILTER (WHERE t.e_section_major IS NOT NULL)"
            )
            personal = "".join(f", t.{column}" for column in _PERSONAL_VALUES) if with_personal_data else ""
            # Distinct group numbers in numeric order; array_to_string leaves out the NULLs.
            separator = _literal(cursor, GROUP_SEPARATOR)
            groups = f"array_to_string(array_agg(DISTINCT t.e_group ORDER BY t.e_group), {separator})"
            cells = [
                *_response_cells_sql(cursor, with_personal_data),
                *[_neutralise_sql(answer) for answer in answers],
                _fixed(sections),  # starts with a section number
                _fixed(groups),  # whole numbers
            ]
            rows = (
                f"SELECT {', '.join(cells)} FROM ({inner}) t "  # noqa: S608
                f"LEFT JOIN {_choices_sql(cursor, consultation)} ch ON ch.comment_id = t.e_id "
                "GROUP BY t.e_response_id, t.e_reference, t.e_submitted_at, t.e_channel, t.e_respondent_type, "
                f"t.e_consent{personal} ORDER BY t.e_response_id"
            )
        else:
            reason = _label_sql(cursor, "t.e_reason_code", REASON_LABELS)
            cells = [
                *_response_cells_sql(cursor, with_personal_data),
                "CASE WHEN t.e_section_major IS NOT NULL THEN 'Section' ELSE 'Question' END",
                f"CASE WHEN t.e_section_major IS NOT NULL THEN {_section_number_sql()} "
                "ELSE 'Q' || t.e_question_position END",
                "CASE WHEN t.e_section_major IS NOT NULL THEN "
                f"{_neutralise_sql('t.e_section_title')} ELSE {_neutralise_sql('t.e_question_text')} END",
                _neutralise_sql("t.e_text"),
                _fixed(_label_sql(cursor, "t.e_status", STATUS_LABELS)),
                _timestamp_sql("t.e_moderated_at"),
                _neutralise_sql("t.e_moderated_by"),
                # With a reason code the cell starts with its label; without one, with the note.
                f"CASE WHEN t.e_reason_code = '' THEN {_neutralise_sql('t.e_reason')} "
                f"ELSE concat_ws(': ', {reason}, NULLIF(t.e_reason, '')) END",
                _neutralise_sql("t.e_themes"),
                "t.e_report_count",
                "t.e_group",
                _neutralise_sql("t.e_choices"),
            ]
            if with_personal_data:
                cells.append(_fixed("t.e_notes"))  # starts with the note's time
            rows = (
                f"SELECT {', '.join(cells)} "  # noqa: S608
                f"FROM ({comment_rows_sql(consultation, values, with_notes=with_personal_data)}) t "
                "ORDER BY t.e_response_id, t.e_id"
            )
        return f"COPY ({rows}) TO STDOUT WITH (FORMAT csv)"


class _RowSink:
    """What COPY writes into: turns each row's LF into CRLF and hands on chunks of CHUNK_BYTES."""

    def __init__(self, deliver):
        self.deliver = deliver
        self.buffer = bytearray()

    def write(self, row):
        if not row.endswith(b"\n"):
            raise RuntimeError("COPY sent part of a row; refusing to guess where the row ends.")
        self.buffer += row[:-1]
        self.buffer += b"\r\n"
        if len(self.buffer) >= CHUNK_BYTES:
            self.flush()

    def flush(self):
        if self.buffer:
            self.deliver(bytes(self.buffer))
            self.buffer.clear()


_DONE = object()


def _postgresql_chunks(sql):
    """Run COPY in a second thread on this thread's connection and yield what it writes, through a
    short queue, so at most a few chunks are in memory. If the consumer stops early (a download
    is abandoned), the query is cancelled and the thread finishes before this returns."""
    connection.ensure_connection()
    raw = connection.connection
    chunks = queue.Queue(maxsize=4)
    stopped = threading.Event()

    def deliver(chunk):
        if not stopped.is_set():
            chunks.put(chunk)

    def copy():
        try:
            sink = _RowSink(deliver)
            with raw.cursor() as cursor:
                # The time zone for _timestamp_sql. JIT compilation of the long formatting
                # expressions costs more than it saves on a single pass over the rows.
                cursor.execute("SELECT current_setting('TimeZone'), current_setting('jit')")
                session_zone, session_jit = cursor.fetchone()
                cursor.execute("SET TIME ZONE %s; SET jit = off", [settings.TIME_ZONE])
                try:
                    cursor.copy_expert(sql, sink)
                finally:
                    # Fails only inside a transaction the cancel aborted, whose rollback undoes the SET.
                    with contextlib.suppress(DatabaseError):
                        cursor.execute("SET TIME ZONE %s; SET jit = %s", [session_zone, session_jit])
            sink.flush()
            chunks.put(_DONE)
        except BaseException as error:  # handed to the consuming thread, which raises it
            chunks.put(error)

    worker = threading.Thread(target=copy, name="csv-export-copy", daemon=True)
    worker.start()
    try:
        while (item := chunks.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if worker.is_alive():
            stopped.set()
            raw.cancel()
            while worker.is_alive() or not chunks.empty():
                with contextlib.suppress(queue.Empty):
                    chunks.get(timeout=0.1)
        worker.join()

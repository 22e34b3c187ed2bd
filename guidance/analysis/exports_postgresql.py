"""The PostgreSQL path of the CSV export (guidance/analysis/exports.py): the same cells as the
portable path, computed by the database and written by COPY (SELECT ...) TO STDOUT, several times
faster than a Python csv writer over the rows."""

import contextlib
import functools
import queue
import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection

from guidance.analysis.exports import (
    _PERSONAL_VALUES,
    CHANNEL_LABELS,
    CHUNK_BYTES,
    CONSENT_LABELS,
    FORMULA_CHARACTERS,
    FORMULA_PREFIXES,
    LIST_SEPARATOR,
    REASON_LABELS,
    RESPONDENT_TYPE_LABELS,
    STATUS_LABELS,
    WITHHELD,
    Layout,
    _questions,
    skipped_before_a_formula,
)
from guidance.models import ChosenOption, Comment, Option, Report, StaffNote, Theme
from guidance.responses import answers

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
    works in the session's time zone, which postgresql_chunks sets to settings.TIME_ZONE for
    the COPY: far cheaper than converting each value with AT TIME ZONE."""
    return f"to_char({column}, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')"


def _neutralise_sql(column):
    """starts_like_a_formula in SQL. ascii() is the first character's code point; each test of it
    is one call and one lookup (PostgreSQL hashes a long IN list; BETWEEN would call ascii()
    twice). Only a cell starting with a skipped character pays for ltrim, which compares each of
    its first characters with every skipped one. NULLIF: COPY writes NULL
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


def _choices_sql(cursor, consultation, withhold):
    """Each answer's chosen options as one text, "Agree" or "Yes; Other: their words", in the
    question's order: the same text guidance.responses.answers.chosen_labels makes. With `withhold`
    (an export without personal data), "Other" alone for the answers exports.WITHHELD selects.
    Only identifiers from the models' metadata, a whole number and quoted literals go into it."""
    chosen, option, comment = ChosenOption._meta.db_table, Option._meta.db_table, Comment._meta.db_table
    separator = _literal(cursor, answers.LABEL_SEPARATOR)
    withheld = ""
    if withhold:
        status, reason_code = _literal(cursor, WITHHELD["status"]), _literal(cursor, WITHHELD["reason_code"])
        withheld = f"AND NOT (c.status = {status} AND c.reason_code = {reason_code}) "
    return (
        f"(SELECT co.comment_id, string_agg(CASE WHEN o.is_other AND c.other_text <> '' {withheld}"  # noqa: S608
        f"THEN o.label || ': ' || c.other_text ELSE o.label END, {separator} ORDER BY o.position) AS labels "
        f"FROM {chosen} co JOIN {option} o ON o.id = co.option_id JOIN {comment} c ON c.id = co.comment_id "
        f"WHERE c.consultation_id = {int(consultation.pk)} GROUP BY co.comment_id)"
    )


def comment_rows_sql(consultation, values, with_notes=False, withhold=True):
    """The comments as the database holds them, with each one's theme names and report count (and,
    with_notes, its staff notes, joined as _staff_notes joins them): everything the comments layout
    shows, before formatting. `withhold` as for _choices_sql: `values` are without personal data."""
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
            username, first_name, last_name = (
                qn(user._meta.get_field(name).column) for name in (user.USERNAME_FIELD, "first_name", "last_name")
            )
            note, comment = StaffNote._meta.db_table, Comment._meta.db_table
            # The author as guidance.staff.members.display_name names them: full name, else username.
            author = f"COALESCE(NULLIF(TRIM(u.{first_name} || ' ' || u.{last_name}), ''), u.{username})"
            text = f"{_timestamp_sql('n.at')} || ' ' || {author} || ': ' || n.text"
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
            f"LEFT JOIN {_choices_sql(cursor, consultation, withhold)} ch ON ch.comment_id = v.e_id "
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
            separator = _literal(cursor, LIST_SEPARATOR)
            groups = f"array_to_string(array_agg(DISTINCT t.e_group ORDER BY t.e_group), {separator})"
            # As exports._statuses: answers in the questions' order, then sections in the document's.
            target = (
                f"CASE WHEN t.e_section_major IS NOT NULL THEN {_section_number_sql()} "
                "ELSE 'Q' || t.e_question_position END"
            )
            statuses = (
                f"string_agg({target} || ': ' || {_label_sql(cursor, 't.e_status', STATUS_LABELS)}, "
                f"{_literal(cursor, LIST_SEPARATOR)} ORDER BY t.e_section_major IS NOT NULL, t.e_question_position, "
                "t.e_section_major, t.e_section_minor, t.e_id)"
            )
            cells = [
                *_response_cells_sql(cursor, with_personal_data),
                *[_neutralise_sql(answer) for answer in answers],
                _fixed(sections),  # starts with a section number
                _fixed(groups),  # whole numbers
                _fixed(statuses),  # starts with a section or question number
            ]
            rows = (
                f"SELECT {', '.join(cells)} FROM ({inner}) t "  # noqa: S608
                f"LEFT JOIN {_choices_sql(cursor, consultation, not with_personal_data)} ch ON ch.comment_id = t.e_id "
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
            comment_rows = comment_rows_sql(
                consultation, values, with_notes=with_personal_data, withhold=not with_personal_data
            )
            rows = (
                f"SELECT {', '.join(cells)} "  # noqa: S608
                f"FROM ({comment_rows}) t "
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


def postgresql_chunks(sql):
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

"""Import responses received elsewhere (email, post, events, a tweetchat) from a CSV file.

Two steps, so nothing is saved before someone has seen what will happen:

- read_import(consultation, data, targets=None) parses the file and returns an ImportPreview:
  every row with its mapping (which section or question it goes to, and why) and its errors.
  `targets` lets staff assign a target to rows the file leaves unmapped ({line: "Q2"}).
- run_import(preview, by=None) saves it, all or nothing in one transaction, and refuses while
  any row has an error or no target.

The file: UTF-8 CSV whose header row names the columns received_at, channel, author, text and,
optionally, target ("2.3" for a section, "Q4" for a question), source_url and option. In a
tweetchat transcript a text starting with the chat's answer convention ("A1", "A1:", "A1 -", any
case) goes to that question when the target column is empty.

Every channel counts: an answer to a choice or agreement question records the options chosen,
as an answer sent online does (guidance/responses/answers.py received_answer), so the dashboard,
the published figures and the export count it. The option column names them by their labels,
in any case ("partly"; several, for a question that takes several, separated by ";"; "Other:
their words" for Other). Without an option column, a tweetchat answer whose words start with one
of the question's labels after its "A1" ("A1 Yes, mostly…", "A1: partly, because…") chose that
option; the longest label that fits wins, and it must end at a word's end ("No" is not the start
of "Not sure"). An option the question does not offer, an option on a comment on a section or on
a free-text question, two options for a question that takes one, or "Other" without its words is
an error on that row: nothing is imported until it is put right. The text is kept as written.

The text rules of the public's forms hold here too (guidance/responses/text.py): no cell may hold a control
character such as NUL, BEL or ESC; the author, like a name typed in a form, is one line of at
most 200 characters without direction overrides; a text of only invisible characters is empty.

Each row becomes one Response and one pending Comment, moderated like any other:
- name = author; submitted_at and the comment's created_at = received_at; channel and
  source_url as given; entered_by = the member of staff who imported it.
- respondent_type = "Other": the file does not say who the person is, and "Other" is the
  answer the online form offers to someone who fits no listed type.
- consent = "Publish without my name": a tweet is already public and an email or letter was
  sent to a consultation that says responses may be published, but the name (often a handle)
  is personal data we did not ask to publish. Staff can change a response's publication choice
  in the admin before approving its comment.
- import_key = SHA-256 of the consultation and the row's own cells (plus how many identical
  rows came before it in the file), so importing the same file again adds nothing, and a file
  that repeats rows from an earlier one adds only the new rows.

A file has at most MAX_ROWS rows: a tweetchat's transcript has a few hundred, an event's notes a
few dozen, and the preview shows every row on one page.

Between the upload and the import the file waits in private storage: guidance/analysis/kept_uploads.py.
"""

import csv
import datetime
import hashlib
import io
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from guidance.models import Comment, Response
from guidance.responses import answers
from guidance.responses import text as text_rules

LONDON = ZoneInfo("Europe/London")
REQUIRED_COLUMNS = ["received_at", "channel", "author", "text"]
OPTIONAL_COLUMNS = ["target", "source_url", "option"]
SOURCE_URL_MAX_LENGTH = Response._meta.get_field("source_url").max_length
AUTHOR_MAX_LENGTH = Response._meta.get_field("name").max_length
IMPORTABLE_CHANNELS = [
    Response.Channel.EMAIL,
    Response.Channel.POST,
    Response.Channel.EVENT,
    Response.Channel.SOCIAL_MEDIA,
]

# "A3", "a3:", "A3 -", "A3." at the very start of a tweet: the tweetchat's answer to question 3.
TWEETCHAT_ANSWER = re.compile(r"^\s*A(\d{1,2})(?![\w])\s*[:\-–—.]?", re.IGNORECASE)
SECTION_TARGET = re.compile(r"^(?:section\s*)?(\d{1,3})(?:\.(\d{1,3}))?$", re.IGNORECASE)
QUESTION_TARGET = re.compile(r"^(?:q|question\s*)(\d{1,3})$", re.IGNORECASE)
MAX_ROWS = 5_000


@dataclass
class ImportRow:
    line: int
    cells: dict
    received_at: datetime.datetime | None = None
    channel: str = ""
    section: object = None
    question: object = None
    mapped_by: str = ""
    errors: list = field(default_factory=list)
    import_key: str = ""
    already_imported: bool = False
    # The answer's options (in the question's order) and words for "Other", from the option
    # column or the tweetchat answer's first words.
    options: tuple = ()
    other: str = ""

    @property
    def author(self):
        return self.cells.get("author", "")

    @property
    def text(self):
        return self.cells.get("text", "")

    @property
    def source_url(self):
        return self.cells.get("source_url", "")

    @property
    def target(self):
        return self.section or self.question

    @property
    def target_label(self):
        if self.section is not None:
            return f"Section {self.section.number}"
        if self.question is not None:
            return self.question.number
        return ""

    @property
    def option_labels(self):
        return [answers.option_label(option, self.other) for option in self.options]

    @property
    def answer(self):
        """What the row's comment holds: its text, and for an answer its options."""
        return answers.Answer(options=self.options, other=self.other, text=self.text)

    @property
    def needs_target(self):
        # A row imported before (perhaps with a target staff chose then) is skipped, so it needs none.
        return self.target is None and not self.errors and not self.already_imported


@dataclass
class ImportPreview:
    consultation: object
    rows: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)

    @property
    def errors(self):
        """Every problem, one message each, in file order."""
        return self.file_errors + [f"Line {row.line}: {error}" for row in self.rows for error in row.errors]

    @property
    def unmapped(self):
        return [row for row in self.rows if row.needs_target]

    @property
    def new_rows(self):
        return [row for row in self.rows if not row.already_imported]

    @property
    def can_import(self):
        return not self.errors and not self.unmapped and bool(self.rows)


class ImportRefused(Exception):
    pass


def target_choices(consultation):
    """(value, label) pairs for every section and question a row can be assigned to."""
    sections = [(s.number, f"Section {s.number}. {s.title}") for s in consultation.document.sections.all()]
    questions = [(q.number, f"{q.number}. {q.text}") for q in consultation.questions.all()]
    return sections + questions


def _decode_lines(data):
    """Each physical line decoded as UTF-8 (a byte-order mark is allowed), and the numbers of
    the lines that are not UTF-8, so an error can name the rows it spoils."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines, bad = [], set()
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(raw.decode("utf-8", errors="replace"))
            bad.add(number)
    return lines, bad


def _parse_received_at(value):
    value = value.strip()
    try:
        if len(value) == 10:
            day = datetime.date.fromisoformat(value)
            return datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=LONDON)
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LONDON)


def _parse_channel(value):
    wanted = value.strip().casefold().replace("_", " ").replace("-", " ")
    for channel in IMPORTABLE_CHANNELS:
        if wanted in {channel.value.replace("_", " "), channel.label.casefold()}:
            return channel
    return None


def _find_target(value, sections, questions):
    """(section, question, error) for a target cell such as "2.3" or "Q4"."""
    value = value.strip()
    if match := QUESTION_TARGET.match(value):
        question = questions.get(int(match[1]))
        if question is None:
            return None, None, f"there is no question Q{int(match[1])} in this consultation."
        return None, question, ""
    if match := SECTION_TARGET.match(value):
        number = (int(match[1]), int(match[2] or 0))
        section = sections.get(number)
        if section is None:
            label = f"{number[0]}.{number[1]}" if number[1] else str(number[0])
            return None, None, f"there is no section {label} in the draft."
        return section, None, ""
    return None, None, f"the target “{value}” is neither a section number (such as 2.3) nor a question (such as Q4)."


def _text_rule_errors(cells):
    """The text rules' complaints about a row: the author is checked as a name, the other cells
    as long text."""
    errors = []
    for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        value = cells.get(column, "")
        try:
            (text_rules.check_name if column == "author" else text_rules.check_long_text)(value)
        except ValidationError as error:
            if text_rules.CONTROL_CHARACTERS.search(value):
                problem = "hidden control characters (such as NUL, BEL or ESC)"
            elif error.code == "direction_controls":
                problem = "hidden characters that change the direction of the text"
            else:
                problem = "a line break or a tab"
            errors.append(f"the {column} contains {problem}. Correct the file and import it again.")
    return errors


def _import_key(consultation, cells, occurrence):
    parts = [str(consultation.pk), str(occurrence)] + [
        cells.get(column, "") for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if column != "option"
    ]
    # The option column came later: a row without one keeps the key it had before, so a file
    # imported before it came is still recognised.
    if cells.get("option"):
        parts.append(cells["option"])
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def read_import(consultation, data, targets=None):
    """Parse a CSV file (bytes) into a preview of what importing it would do. Saves nothing."""
    preview = ImportPreview(consultation=consultation)
    targets = targets or {}
    lines, bad_lines = _decode_lines(data)
    reader = csv.reader(iter(lines))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        preview.file_errors.append("The file is empty: it needs a header row and at least one row of responses.")
        return preview
    if 1 in bad_lines:
        preview.file_errors.append(
            "Line 1 (the header row) is not UTF-8 text. Save the file as “CSV UTF-8” and upload it again."
        )
        return preview
    columns = [name.strip().casefold() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        preview.file_errors.append(
            "The header row must name the columns received_at, channel, author and text "
            f"(target, source_url and option are optional). Missing: {', '.join(missing)}."
        )
        return preview

    sections = {(s.major, s.minor): s for s in consultation.document.sections.all()}
    questions = {q.position: q for q in consultation.questions.all()}
    url_validator = URLValidator(schemes=["http", "https"])
    occurrences = {}
    while True:
        first_line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            preview.file_errors.append(f"Line {first_line}: the file is not valid CSV ({error}).")
            break
        if not any(cell.strip() for cell in record):
            continue
        if len(preview.rows) == MAX_ROWS:
            preview.file_errors.append(
                f"The file has more than {MAX_ROWS:,} rows; an import takes at most {MAX_ROWS:,}. "
                "Split it into smaller files."
            )
            break
        cells = {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(columns)}
        row = ImportRow(line=first_line, cells=cells)
        preview.rows.append(row)

        if bad_lines & set(range(first_line, reader.line_num + 1)):
            row.errors.append("this row is not UTF-8 text. Save the file as “CSV UTF-8” and upload it again.")
            continue
        text_errors = _text_rule_errors(cells)
        if text_errors:
            # A cell with hidden characters is reported as that alone: echoing it in other
            # messages would carry the characters into the page or the terminal.
            row.errors.extend(text_errors)
            continue
        row.received_at = _parse_received_at(cells["received_at"])
        if row.received_at is None:
            row.errors.append(
                f"received_at “{cells['received_at']}” is not a date (2017-03-01) or date and time (2017-03-01T19:05)."
            )
        row.channel = _parse_channel(cells["channel"])
        if row.channel is None:
            row.errors.append(f"channel “{cells['channel']}” must be one of: email, post, event, social media.")
        if len(row.author) > AUTHOR_MAX_LENGTH:
            row.errors.append(f"the author is longer than {AUTHOR_MAX_LENGTH} characters.")
        if len(row.source_url) > SOURCE_URL_MAX_LENGTH:
            row.errors.append(f"source_url is longer than {SOURCE_URL_MAX_LENGTH} characters.")
        elif row.source_url:
            try:
                url_validator(row.source_url)
            except ValidationError:
                row.errors.append(f"source_url “{row.source_url}” is not a web address starting http:// or https://.")

        assigned = targets.get(row.line, "").strip()
        if cells.get("target"):
            row.section, row.question, error = _find_target(cells["target"], sections, questions)
            if error:
                row.errors.append(error)
            row.mapped_by = "target column"
        elif match := TWEETCHAT_ANSWER.match(row.text):
            row.question = questions.get(int(match[1]))
            if row.question is None:
                row.errors.append(f"the text starts “A{int(match[1])}” but there is no question Q{int(match[1])}.")
            row.mapped_by = f"tweetchat answer A{int(match[1])}"
            if row.question is not None and not cells.get("option"):
                said = answers.option_at_start(row.question, row.text[match.end() :])
                row.options = (said,) if said else ()
        elif assigned:
            row.section, row.question, error = _find_target(assigned, sections, questions)
            if error:
                row.errors.append(error)
            row.mapped_by = "assigned by staff"

        if cells.get("option"):
            if row.question is not None:
                row.options, row.other, error = answers.options_named(row.question, cells["option"])
                if error:
                    row.errors.append(error)
            elif row.section is not None:
                row.errors.append(
                    "the option column is for answers to questions, and this row is a comment on "
                    f"section {row.section.number}: leave it empty or give a question as the target."
                )

        # An answer of a choice alone (a form ticked, no words) needs no text; anything else does.
        if text_rules.is_blank(row.text) and not row.options:
            row.errors.append("the text is empty.")

        key_cells = tuple(cells.get(column, "") for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        occurrences[key_cells] = occurrences.get(key_cells, 0) + 1
        row.import_key = _import_key(consultation, cells, occurrences[key_cells])

    if not preview.rows and not preview.file_errors:
        preview.file_errors.append("The file has a header row but no responses.")
    keys = [row.import_key for row in preview.rows if row.import_key]
    existing = set(Response.objects.filter(import_key__in=keys).values_list("import_key", flat=True))
    for row in preview.rows:
        row.already_imported = row.import_key in existing
    return preview


def run_import(preview, by=None):
    """Save every row not imported before, all or nothing. Returns the number of responses added."""
    if preview.errors:
        raise ImportRefused("Nothing was imported: correct these errors first.\n" + "\n".join(preview.errors))
    if preview.unmapped:
        lines = ", ".join(str(row.line) for row in preview.unmapped)
        raise ImportRefused(
            f"Nothing was imported: every row needs a target (a section or a question). No target on line(s) {lines}."
        )
    if not preview.rows:
        raise ImportRefused("Nothing was imported: the file has no rows.")
    consultation = preview.consultation
    try:
        with transaction.atomic():
            existing = set(
                Response.objects.filter(import_key__in=[row.import_key for row in preview.rows]).values_list(
                    "import_key", flat=True
                )
            )
            new_rows = [row for row in preview.rows if row.import_key not in existing]
            responses = Response.objects.bulk_create(
                [
                    Response(
                        consultation=consultation,
                        channel=row.channel,
                        respondent_type=Response.RespondentType.OTHER,
                        name=text_rules.tidy(row.author),
                        consent=Response.Consent.PUBLISH_ANONYMOUS,
                        submitted_at=row.received_at,
                        entered_by=by,
                        source_url=row.source_url,
                        import_key=row.import_key,
                    )
                    for row in new_rows
                ]
            )
            # bulk_create sets primary keys on PostgreSQL and SQLite, which is all we run on.
            comments = Comment.objects.bulk_create(
                [
                    Comment(
                        response=response,
                        consultation=consultation,
                        section=row.section,
                        question=row.question,
                        created_at=row.received_at,
                        **answers.comment_fields(row.answer),
                    )
                    for row, response in zip(new_rows, responses, strict=True)
                ]
            )
            # The worker groups them with their near-copies (campaigns.group_waiting).
            answers.save_options(zip(comments, (row.answer for row in new_rows), strict=True))
    except IntegrityError:
        # Another import of the same rows committed between our check and our insert.
        raise ImportRefused(
            "Nothing was imported: these rows were being imported at the same time. Check again."
        ) from None
    return len(new_rows)


def preview_report(preview):
    """The dry run's report: one line per row, then the errors and what an import would do."""
    out = io.StringIO()
    for row in preview.rows:
        if row.errors:
            status = "ERROR"
        elif row.already_imported:
            status = "already imported"
        elif row.needs_target:
            status = "NO TARGET"
        else:
            status = f"→ {row.target_label} ({row.mapped_by})"
            if row.options:
                status += f", chose {answers.LABEL_SEPARATOR.join(row.option_labels)}"
        snippet = row.text if len(row.text) <= 50 else row.text[:49] + "…"
        author = text_rules.shown(row.author) or "(no author)"
        out.write(f"Line {row.line}: {author}: “{text_rules.shown(snippet)}” {status}\n")
    for error in preview.errors:
        out.write(f"Error: {error}\n")
    if preview.unmapped:
        lines = ", ".join(str(row.line) for row in preview.unmapped)
        out.write(f"No target on line(s) {lines}: fill in the target column (such as 2.3 or Q4).\n")
    if preview.can_import:
        out.write(
            f"Ready: {len(preview.new_rows)} new response(s) to import, "
            f"{len(preview.rows) - len(preview.new_rows)} already imported.\n"
        )
    return out.getvalue()

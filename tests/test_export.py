"""Exporting responses to CSV: the file's bytes and cells, filters, layouts and the export record.
The admin page, the admin action and the command are in test_export_admin.py."""

import csv
import datetime
import io
import sys
import unicodedata
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from guidance.analysis import exports
from guidance.analysis.exports import BOM, Layout, csv_chunks, export_csv, export_filename, select_comments
from guidance.models import Comment, ExportRecord, ModerationReason, Question, Report, Response, StaffNote
from guidance.responses import answers
from guidance.responses import text as text_rules
from tests.factories import CommentFactory, QuestionFactory, ResponseFactory, SectionFactory, ThemeFactory

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db
ON_POSTGRESQL = connection.vendor == "postgresql"
csv.field_size_limit(10_000_000)  # the very long comment below is 200,000 characters


def export_bytes(consultation, comments=None, **options):
    comments = Comment.objects.filter(consultation=consultation) if comments is None else comments
    return b"".join(csv_chunks(consultation, comments, **options))


def read_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_dicts(data):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def portable_bytes(consultation, layout=Layout.COMMENTS, with_personal_data=False):
    """The Python csv path, whatever the database."""
    header = exports.header(consultation, layout, with_personal_data)
    values = exports._comment_values(Comment.objects.filter(consultation=consultation), with_personal_data)
    rows = exports._portable_chunks(consultation, values, layout, with_personal_data)
    return BOM + exports._csv_line(header) + b"".join(rows)


HOSTILE_TEXTS = [
    ('=HYPERLINK("http://evil.example","Click")', '\'=HYPERLINK("http://evil.example","Click")'),
    ("+44 20 7946 0000", "'+44 20 7946 0000"),
    ("-2+3", "'-2+3"),
    ("-", "'-"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tindented with a tab", "'\tindented with a tab"),
    ("\rstarts with a carriage return", "'\rstarts with a carriage return"),
    ('She said "no", then left', 'She said "no", then left'),
    ("first line\nsecond line\r\nthird line", "first line\nsecond line\r\nthird line"),
    ("commas, inside, text", "commas, inside, text"),
    ("Emoji 👍🏽 and 🏴󠁧󠁢󠁷󠁬󠁳󠁿 flag", "Emoji 👍🏽 and 🏴󠁧󠁢󠁷󠁬󠁳󠁿 flag"),
    ("Welsh: dŵr, tŷ, ŵ and ŷ", "Welsh: dŵr, tŷ, ŵ and ŷ"),
    ("Arabic: مرحبا بالعالم and Hebrew: שלום", "Arabic: مرحبا بالعالم and Hebrew: שלום"),
    ("a = b is fine in the middle", "a = b is fine in the middle"),
    ("long " * 40000, "long " * 40000),
]
# A formula in disguise: =, +, - or @ in one of the forms Unicode gives them (fullwidth, small,
# superscript, subscript), or after spaces, line breaks, control or invisible characters, which a
# spreadsheet may skip, or a reader not see.
DISGUISED_FORMULAS = [
    '＝HYPERLINK("http://evil.example","Click")',
    "＋44 20 7946 0000",
    "－2+3",
    "＠SUM(A1:A9)",
    "﹦1+1",
    "﹢1",
    "﹣1",
    "﹫SUM(A1)",
    "⁼1+1",
    "₊1",
    " =1+1",
    "   @SUM(A1)",
    "\u00a0=1+1",
    "\u3000=1+1",
    "\n=1+1",
    "\r\n=1+1",
    "\x0b=1+1",
    "\x0c@SUM(A1)",
    "\x1f-1",
    '\u200b=HYPERLINK("http://evil.example")',
    "\ufeff=1+1",
    "\u2060+1",
    "\u200e=1+1",
    "\u202e=1+1",
    "\u00ad=1+1",
    "\u3164=1+1",
    "\u2800=1+1",
    "\U000e0041=1+1",
    " \u200b\t\u00a0＝1+1",
]
# Text that only looks odd: its first visible character starts no formula.
NOT_FORMULAS = [" starts with a space", "\u200bafter a zero-width space", "１+1 is two", "a＝b", "\u00a0", "\u200b"]
HOSTILE_TEXTS += [(text, "'" + text) for text in DISGUISED_FORMULAS] + [(text, text) for text in NOT_FORMULAS]
if not ON_POSTGRESQL:  # PostgreSQL cannot store NUL at all; SQLite can, and the export drops it
    HOSTILE_TEXTS.append(("nul\x00byte", "nulbyte"))
    HOSTILE_TEXTS.append(("\x00=1+1", "'=1+1"))


def test_hostile_text_survives_a_round_trip_through_the_csv_module_cell_by_cell(section):
    response = ResponseFactory(consultation=section.document.consultations.get(), organisation="=cmd|' /C calc'!A0")
    for text, _ in HOSTILE_TEXTS:
        CommentFactory(section=section, response=response, text=text)

    rows = read_dicts(export_bytes(response.consultation, with_personal_data=True))

    assert [row["Text"] for row in rows] == [expected for _, expected in HOSTILE_TEXTS]
    assert {row["Organisation"] for row in rows} == {"'=cmd|' /C calc'!A0"}


def test_the_file_starts_with_a_byte_order_mark_and_ends_every_row_with_crlf(section):
    CommentFactory(section=section, text="one line\nthen another")
    data = export_bytes(section.document.consultations.get())
    assert data.startswith(b"\xef\xbb\xbfResponse reference,")
    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == 2  # header and one row; the line break inside the text stays LF
    assert b'"one line\nthen another"' in data


def test_an_empty_selection_gives_the_header_row_alone(consultation):
    data = export_bytes(consultation)
    assert data == BOM + (
        b"Response reference,Submitted at,Channel,Respondent type,Publication choice,"
        b"Target type,Target number,Target title,Text,Status,Moderated at,Moderated by,Moderation reason,"
        b"Themes,Report count,Group,Choices\r\n"
    )


def test_a_comment_row_holds_every_documented_column(consultation):
    moderator = get_user_model().objects.create_user("@moderator")
    section = SectionFactory(document=consultation.document, major=2, minor=3, title="Payment")
    SectionFactory(document=consultation.document, major=2, minor=0)
    response = ResponseFactory(
        consultation=consultation,
        channel=Response.Channel.EMAIL,
        respondent_type=Response.RespondentType.CARER,
        organisation="Carers' Forum",
        consent=Response.Consent.PUBLISH_NAMED,
        name="Ann Jones",
        email="ann@example.org",
        submitted_at=datetime.datetime(2026, 7, 1, 14, 3, 22, 987654, tzinfo=LONDON),
    )
    comment = CommentFactory(section=section, response=response, text="Pay people for their time.")
    Comment.objects.filter(pk=comment.pk).update(
        status=Comment.Status.REJECTED,
        moderated_by=moderator,
        moderated_at=datetime.datetime(2026, 12, 1, 9, 0, tzinfo=LONDON),
        reason_code=ModerationReason.OFF_TOPIC,
        reason="Not about payment",
        group=comment.pk,
    )
    comment.themes.set([ThemeFactory(consultation=consultation, name=name) for name in ["Time", "Money", "Árbol"]])
    Report.objects.create(comment=comment, reason=Report.Reason.OFF_TOPIC)
    Report.objects.create(comment=comment, reason=Report.Reason.SPAM)
    question = QuestionFactory(consultation=consultation, position=4, text="-What else?")
    CommentFactory(section=None, question=question, response=response, text="Nothing")

    first, second = read_dicts(export_bytes(consultation))

    assert first == {
        "Response reference": response.reference,
        "Submitted at": "2026-07-01T14:03:22+01:00",
        "Channel": "Email",
        "Respondent type": "Carer",
        "Publication choice": "Publish with my name",
        "Target type": "Section",
        "Target number": "2.3",
        "Target title": "Payment",
        "Text": "Pay people for their time.",
        "Status": "Rejected",
        "Moderated at": "2026-12-01T09:00:00+00:00",
        "Moderated by": "'@moderator",
        "Moderation reason": "Off topic: Not about payment",
        "Themes": "Money; Time; Árbol",
        "Report count": "2",
        "Group": str(comment.pk),
        "Choices": "",
    }
    assert (second["Target type"], second["Target number"], second["Target title"]) == (
        "Question",
        "Q4",
        "'-What else?",
    )
    assert (second["Status"], second["Moderated at"], second["Moderated by"], second["Themes"]) == (
        "Pending",
        "",
        "",
        "",
    )
    assert (second["Report count"], second["Group"]) == ("0", "")


PERSONAL = {
    "name": "Ann Jones",
    "email": "ann@example.org",
    "organisation": "Tiny Carers Group",
    "source_url": "https://social.example/@ann/1",
}


@pytest.mark.parametrize("layout", [Layout.COMMENTS, Layout.RESPONSES])
def test_personal_columns_appear_only_when_asked_for(section, layout):
    assert set(PERSONAL) == set(Response.PERSONAL_DATA_FIELDS)  # every personal field is checked here
    CommentFactory(
        section=section,
        response__respondent_type=Response.RespondentType.ORGANISATION,
        **{f"response__{field}": value for field, value in PERSONAL.items()},
    )
    consultation = section.document.consultations.get()

    without = export_bytes(consultation, layout=layout)
    with_personal = read_dicts(export_bytes(consultation, layout=layout, with_personal_data=True))

    for value in PERSONAL.values():
        assert value.encode() not in without
    header = read_rows(without)[0]
    assert not {"Name", "Email", "Organisation", "Source URL"} & set(header)
    # The export without personal data still says the response came from an organisation.
    assert read_dicts(without)[0]["Respondent type"] == "On behalf of an organisation"
    assert list(with_personal[0])[5:9] == ["Name", "Email", "Organisation", "Source URL"]
    assert [with_personal[0][column] for column in ["Name", "Email", "Organisation", "Source URL"]] == list(
        PERSONAL.values()
    )


def test_staff_notes_are_exported_only_with_personal_data_as_the_last_column(section):
    consultation = section.document.consultations.get()
    comment = CommentFactory(section=section, text="A comment")
    CommentFactory(section=section, text="Another, without notes")
    sam = get_user_model().objects.create_user("sam")
    summer = datetime.datetime(2026, 7, 1, 13, 3, 22, 999999, tzinfo=datetime.UTC)
    StaffNote.objects.create(comment=comment, by=sam, at=summer, text="Names the ward sister.\nLeave it out?")
    StaffNote.objects.create(comment=comment, by=sam, at=summer - datetime.timedelta(days=200), text="=first")

    for layout in (Layout.COMMENTS, Layout.RESPONSES):
        without = export_bytes(consultation, layout=layout)
        assert b"Staff notes" not in without and b"ward sister" not in without and b"=first" not in without
    assert b"ward sister" not in export_bytes(consultation, layout=Layout.RESPONSES, with_personal_data=True)

    rows = read_rows(export_bytes(consultation, with_personal_data=True))
    assert rows[0][-1] == "Staff notes"
    assert rows[0] == [
        *exports.RESPONSE_HEADER,
        *exports.PERSONAL_HEADER,
        *exports.COMMENT_HEADER,
        "Choices",
        "Staff notes",
    ]
    assert rows[1][-1] == (
        "2025-12-13T13:03:22+00:00 sam: =first\n\n2026-07-01T14:03:22+01:00 sam: Names the ward sister.\nLeave it out?"
    )
    assert rows[2][-1] == ""


def test_the_responses_layout_gives_one_row_per_response_with_a_column_per_question(consultation):
    q1 = QuestionFactory(consultation=consultation, position=1)
    QuestionFactory(consultation=consultation, position=2)
    q3 = QuestionFactory(consultation=consultation, position=3)
    s1 = SectionFactory(document=consultation.document, major=1)
    s21 = SectionFactory(document=consultation.document, major=2, minor=1)
    first = ResponseFactory(consultation=consultation, name="Ann")
    CommentFactory(section=s21, response=first, text="On 2.1")
    CommentFactory(section=None, question=q3, response=first, text="=Answer three")
    CommentFactory(section=s1, response=first, text="On 1")
    CommentFactory(section=None, question=q1, response=first, text="Answer one")
    more = CommentFactory(section=None, question=q1, response=first, text="More on one")
    second = ResponseFactory(consultation=consultation)
    CommentFactory(section=None, question=q1, response=second, text="Second's answer")
    # Two of the first response's comments in group 10, one in group 9: listed once each, in order.
    Comment.objects.filter(text__in=["On 2.1", "On 1"]).update(group=10)
    Comment.objects.filter(pk=more.pk).update(group=9)

    rows = read_rows(export_bytes(consultation, layout=Layout.RESPONSES))

    assert rows[0] == [
        "Response reference",
        "Submitted at",
        "Channel",
        "Respondent type",
        "Publication choice",
        "Q1",
        "Q2",
        "Q3",
        "Section comments",
        "Groups",
        "Statuses",
    ]
    assert [row[0] for row in rows[1:]] == [first.reference, second.reference]
    assert rows[1][5:] == [
        "Answer one\n\nMore on one",
        "",
        "'=Answer three",
        "1: On 1\n\n2.1: On 2.1",
        "9; 10",
        "Q1: Pending; Q1: Pending; Q3: Pending; 1: Pending; 2.1: Pending",
    ]
    assert rows[2][5:] == ["Second's answer", "", "", "", "", "Q1: Pending"]
    assert "Ann" not in rows[1]


def test_the_portable_path_writes_exactly_these_bytes(consultation):
    """The reference the PostgreSQL path is held to (see the next test)."""
    section = SectionFactory(document=consultation.document, major=3, minor=1, title="Roles")
    response = ResponseFactory(
        consultation=consultation,
        organisation="",
        submitted_at=datetime.datetime(2026, 1, 5, 10, 0, 1, tzinfo=datetime.UTC),
    )
    response.reference = "K7MC-4XPA"
    response.save()
    comment = CommentFactory(section=section, response=response, text='-1, "quoted"\r\nnext')
    comment.themes.set([ThemeFactory(consultation=consultation, name="+Roles")])

    data = portable_bytes(consultation)

    assert export_bytes(consultation) == data  # on PostgreSQL: the COPY path too
    assert data.split(b"\r\n", 1)[1] == (
        b"K7MC-4XPA,2026-01-05T10:00:01+00:00,Online,Member of the public,Publish without my name,"
        b'Section,3.1,Roles,"\'-1, ""quoted""\r\nnext",Pending,,,,\'+Roles,0,,\r\n'
    )


def test_postgresql_copy_and_the_portable_path_give_the_same_bytes(consultation):
    """On PostgreSQL the database writes the CSV; this holds it to the Python csv module's bytes for
    every hostile case, both layouts, with and without personal data. On SQLite both calls take the
    portable path, so this checks it is deterministic."""
    moderator = get_user_model().objects.create_user("=moderator")
    questions = [QuestionFactory(consultation=consultation, position=p, text=f"@Q{p}") for p in (1, 2)]
    # A several-choices question with labels a spreadsheet would run, and "Other" with their words.
    choice = QuestionFactory(consultation=consultation, position=3, kind=Question.Kind.SEVERAL_CHOICES)
    answers.set_options(choice, ["-Yes", 'No, "never"', "Ŵ\nmaybe"], offers_other=True)
    options = list(choice.options.order_by("position"))
    sections = [SectionFactory(document=consultation.document, major=1, minor=m, title="-t") for m in (0, 2)]
    themes = [ThemeFactory(consultation=consultation, name=name) for name in ["b", "B", "a", "Ŵ", "=z"]]
    for index, (text, _) in enumerate(HOSTILE_TEXTS):
        response = ResponseFactory(
            consultation=consultation,
            name=text[:200],
            email=f"person{index}@example.org",
            organisation=text[:200],
            channel=Response.Channel.values[index % 5],
            submitted_at=datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC) + datetime.timedelta(hours=index),
        )
        comment = CommentFactory(section=sections[index % 2], response=response, text=text)
        answer = CommentFactory(section=None, question=questions[index % 2], response=response, text=text[::-1])
        empty = CommentFactory(section=None, question=questions[0], response=response, text="")
        # Groups: none; two that sort differently as numbers and as text; one group twice; a big number.
        groups = [(), ((comment, 10), (answer, 9)), ((comment, 10), (empty, 10)), ((answer, 2**40),)][index % 4]
        for member, group in groups:
            Comment.objects.filter(pk=member.pk).update(group=group)
        if index % 3 == 0:
            Comment.objects.filter(pk=comment.pk).update(
                status=Comment.Status.SPAM,
                moderated_by=moderator,
                moderated_at=timezone.now(),
                reason_code=ModerationReason.OTHER if index % 2 else "",
                reason=text[:50],
            )
            comment.themes.set(themes[: index % 5 + 1])
            Report.objects.create(comment=comment, reason=Report.Reason.OTHER)
        # Choices: none; one; two with an explanation; "Other" in hostile words; a text answer alone.
        chosen = [(), options[:1], options[1:3], options[::-1], ()][index % 5]
        if chosen or index % 5 == 4:
            reply = CommentFactory(
                section=None,
                question=choice,
                response=response,
                text=text if index % 5 in (2, 4) else "",
                other_text=text[:100] if options[3] in chosen else "",
            )
            reply.options.set(chosen)
            if index % 4 == 1:
                # Rejected as holding personal information: without personal data, none of its words.
                Comment.objects.filter(pk=reply.pk).update(
                    status=Comment.Status.REJECTED, reason_code=ModerationReason.PERSONAL, reason=text[:50]
                )
        if index % 4 == 3:
            Comment.objects.filter(pk=answer.pk).update(
                status=Comment.Status.REJECTED, reason_code=ModerationReason.PERSONAL, reason=text[:50]
            )
        # Staff notes: none, one, or two in winter and summer time, in either order of creation.
        at = datetime.datetime(2026, 3, 29, 0, 59, 59, 500000, tzinfo=datetime.UTC)
        for hours in [(), (0,), (2, 1)][index % 3]:
            StaffNote.objects.create(
                comment=comment, by=moderator, at=at + datetime.timedelta(hours=hours), text=text or "-"
            )

    for layout in (Layout.COMMENTS, Layout.RESPONSES):
        for with_personal_data in (False, True):
            fast = export_bytes(consultation, layout=layout, with_personal_data=with_personal_data)
            portable = portable_bytes(consultation, layout, with_personal_data)
            assert fast == portable, (layout, with_personal_data)
            replies = Comment.objects.filter(question=choice).count()
            assert len(read_rows(fast)) == 1 + (
                len(HOSTILE_TEXTS) if layout == Layout.RESPONSES else 3 * len(HOSTILE_TEXTS) + replies
            )


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the COPY path exists only on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_an_abandoned_download_stops_the_copy_and_leaves_the_connection_as_it_was(section):
    response = ResponseFactory(consultation=section.document.consultations.get())
    for _ in range(40):  # 8 MB: far more than the few chunks the queue holds
        CommentFactory(section=section, response=response, text="x" * 200_000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone'), current_setting('jit')")
        settings_before = cursor.fetchone()
    chunks = csv_chunks(response.consultation, Comment.objects.all())
    next(chunks)  # the header
    next(chunks)  # the first rows
    chunks.close()  # the client went away
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone'), current_setting('jit')")
        assert cursor.fetchone() == settings_before
    assert Comment.objects.count() == 40
    assert len(read_rows(export_bytes(response.consultation))) == 41


# Filters: each selects exactly the right comments.


@pytest.fixture
def varied(consultation):
    """Comments that differ in one way each from a plain pending online public one on section 1."""
    section = SectionFactory(document=consultation.document, major=1)
    subsection = SectionFactory(document=consultation.document, major=1, minor=2)
    question = QuestionFactory(consultation=consultation, position=4)
    theme = ThemeFactory(consultation=consultation, name="Payment")
    other_theme = ThemeFactory(consultation=consultation, name="Time")

    def comment(label, *, submitted=datetime.datetime(2026, 2, 10, 12, 0, tzinfo=LONDON), **response_fields):
        target = {"section": None, "question": question} if label == "question" else {"section": section}
        if label == "subsection":
            target = {"section": subsection}
        response = ResponseFactory(consultation=consultation, submitted_at=submitted, **response_fields)
        return CommentFactory(response=response, text=label, **target)

    plain = comment("plain")
    approved = comment("approved")
    Comment.objects.filter(pk=approved.pk).update(status=Comment.Status.APPROVED)
    comment("question")
    comment("subsection")
    comment("carer", respondent_type=Response.RespondentType.CARER)
    comment("post", channel=Response.Channel.POST)
    comment("first of February, 00:30 UK time", submitted=datetime.datetime(2026, 2, 1, 0, 30, tzinfo=LONDON))
    comment("31 March, 23:59 UK summer time", submitted=datetime.datetime(2026, 3, 31, 23, 59, tzinfo=LONDON))
    plain.themes.add(theme)
    approved.themes.add(other_theme)
    other_consultation_comment = CommentFactory()
    other_consultation_comment.themes.add(
        ThemeFactory(consultation=other_consultation_comment.consultation, name="Payment")
    )
    return consultation


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (
            {},
            [
                "plain",
                "approved",
                "question",
                "subsection",
                "carer",
                "post",
                "first of February, 00:30 UK time",
                "31 March, 23:59 UK summer time",
            ],
        ),
        ({"status": "approved"}, ["approved"]),
        ({"status": "spam"}, []),
        ({"target": "Q4"}, ["question"]),
        (
            {"target": "1"},
            [
                "plain",
                "approved",
                "carer",
                "post",
                "first of February, 00:30 UK time",
                "31 March, 23:59 UK summer time",
            ],
        ),
        ({"target": "1.2"}, ["subsection"]),
        ({"respondent_type": "carer"}, ["carer"]),
        ({"channel": "post"}, ["post"]),
        (
            {"submitted_from": "2026-02-02"},
            ["plain", "approved", "question", "subsection", "carer", "post", "31 March, 23:59 UK summer time"],
        ),
        ({"submitted_to": "2026-02-01"}, ["first of February, 00:30 UK time"]),
        ({"submitted_from": "2026-03-31", "submitted_to": "2026-03-31"}, ["31 March, 23:59 UK summer time"]),
        ({"theme": "Payment"}, ["plain"]),
        ({"theme": "Payment", "status": "approved"}, []),
    ],
)
def test_each_filter_selects_exactly_the_right_comments(varied, filters, expected):
    rows = read_dicts(export_bytes(varied, select_comments(varied, filters)))
    assert sorted(row["Text"] for row in rows) == sorted(expected)


# Recording.


def test_every_export_is_recorded_with_who_what_and_how_many_rows(varied):
    analyst = get_user_model().objects.create_user("analyst")
    filters = {"status": "pending", "target": "1"}
    chunks = export_csv(
        varied,
        select_comments(varied, filters),
        by=analyst,
        layout=Layout.RESPONSES,
        filters=filters,
        with_personal_data=True,
    )
    record = ExportRecord.objects.get()
    assert (record.consultation, record.by, record.layout, record.filters) == (varied, analyst, "responses", filters)
    assert (record.row_count, record.with_personal_data) == (5, True)
    assert len(read_rows(b"".join(chunks))) == 1 + 5


def test_the_file_name_holds_only_the_slug_and_a_timestamp(consultation):
    consultation.slug = 'evil"\r\nSet-Cookie: x=1;.csv'
    moment = datetime.datetime(2026, 7, 1, 9, 5, 7, tzinfo=datetime.UTC)
    assert export_filename(consultation, now=moment) == "evilSet-Cookiex1csv-2026-07-01-100507.csv"


def test_no_label_the_export_writes_starts_like_a_formula():
    """The PostgreSQL path neutralises only the cells people typed; the labels must stay safe."""
    labels = [
        *exports.CHANNEL_LABELS.values(),
        *exports.RESPONDENT_TYPE_LABELS.values(),
        *exports.CONSENT_LABELS.values(),
        *exports.STATUS_LABELS.values(),
        *exports.REASON_LABELS.values(),
    ]
    assert all(label and not exports.starts_like_a_formula(label) for label in labels)


@pytest.mark.parametrize("text", DISGUISED_FORMULAS)
def test_a_formula_in_disguise_is_neutralised_by_the_csv_writer(text):
    assert exports.neutralise(text) == "'" + text
    assert exports.table_csv(["Said"], [[text]]).split(b"\r\n")[1].decode().lstrip('"').startswith("'")


@pytest.mark.parametrize("text", NOT_FORMULAS)
def test_text_whose_first_visible_character_starts_no_formula_is_left_as_it_is(text):
    assert exports.neutralise(text) == text


def test_every_form_unicode_gives_the_four_formula_characters_starts_a_formula():
    folded = {
        chr(c) for c in range(sys.maxunicode + 1) if unicodedata.normalize("NFKC", chr(c)) in ("=", "+", "-", "@")
    }
    assert set(exports.FORMULA_CHARACTERS) == folded


def test_every_space_control_and_invisible_character_is_skipped_before_a_formula():
    """Looked for in Unicode's first two planes and the fourteenth only: this checks there are none elsewhere."""
    skipped = set(exports.skipped_before_a_formula())
    for code in range(1, sys.maxunicode + 1):
        character = chr(code)
        invisible = text_rules.is_invisible(character) or unicodedata.category(character) == "Cc"
        assert (character in skipped) == invisible, hex(code)

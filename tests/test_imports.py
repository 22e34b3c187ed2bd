import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from guidance.analysis.imports import ImportRefused, read_import, run_import
from guidance.models import Comment, Response
from tests.factories import QuestionFactory, SectionFactory

pytestmark = pytest.mark.django_db

HEADER = "received_at,channel,author,text,target,source_url\n"
SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "sample-tweetchat.csv"


@pytest.fixture
def targets(consultation):
    SectionFactory(document=consultation.document, major=2, minor=0)
    SectionFactory(document=consultation.document, major=2, minor=3, title="Sharing power")
    SectionFactory(document=consultation.document, major=5, minor=0)
    for position in range(1, 7):
        QuestionFactory(consultation=consultation, position=position)
    return consultation


def csv_bytes(*rows, header=HEADER):
    return (header + "".join(row + "\n" for row in rows)).encode("utf-8")


def test_rows_map_to_the_target_column_or_the_tweetchat_answer_convention(targets):
    data = csv_bytes(
        "2017-10-09,email,Sam Example,Please add an example about payment.,2.3,",
        "2017-10-09T20:02,social media,@one,A1 Yes mostly,,https://social.example.org/1",
        "2017-10-09T20:03,Social Media,@two,a2: money,,",
        "2017-10-09T20:04,social_media,@three,A3 - tea first,,",
        "2017-10-09T20:05,event,Table 4,A6. Outcome measures,,",
        "2017-10-09T20:06,post,A Person,About question four,q4,",
    )
    preview = read_import(targets, data)
    assert preview.errors == []
    assert [row.target_label for row in preview.rows] == ["Section 2.3", "Q1", "Q2", "Q3", "Q6", "Q4"]
    mapped_by = [row.mapped_by for row in preview.rows][:3]
    assert mapped_by == ["target column", "tweetchat answer A1", "tweetchat answer A2"]
    assert preview.can_import


def test_an_import_creates_one_pending_comment_per_row_keeping_channel_and_source_link(targets, admin_user):
    data = csv_bytes("2017-10-09T20:02:00+01:00,social media,@one,A1 Yes mostly,,https://social.example.org/1")
    assert run_import(read_import(targets, data), by=admin_user) == 1
    response = Response.objects.get()
    comment = response.comments.get()
    assert (response.channel, response.name, response.source_url) == (
        Response.Channel.SOCIAL_MEDIA,
        "@one",
        "https://social.example.org/1",
    )
    assert response.respondent_type == Response.RespondentType.OTHER
    assert response.consent == Response.Consent.PUBLISH_ANONYMOUS
    assert response.entered_by == admin_user
    assert response.submitted_at == datetime.datetime(2017, 10, 9, 19, 2, tzinfo=datetime.UTC)
    assert comment.status == Comment.Status.PENDING
    assert comment.question.position == 1
    assert comment.text == "A1 Yes mostly"
    assert comment.created_at == response.submitted_at


def test_importing_the_same_file_again_adds_nothing(targets):
    data = csv_bytes("2017-10-09,email,Sam,Same words,Q1,", "2017-10-09,email,Sam,Same words,Q1,")
    assert run_import(read_import(targets, data)) == 2
    again = read_import(targets, data)
    assert all(row.already_imported for row in again.rows)
    assert run_import(again) == 0
    bigger = data + b"2017-10-10,email,Kim,New words,Q2,\n"
    assert run_import(read_import(targets, bigger)) == 1
    assert Comment.objects.count() == 3


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("9 October 2017,email,Sam,Some text,Q1,", "Line 3: received_at “9 October 2017” is not a date"),
        ("2017-10-09,email,Sam,Some text,Q9,", "Line 3: there is no question Q9 in this consultation."),
        ("2017-10-09,email,Sam,Some text,7.1,", "Line 3: there is no section 7.1 in the draft."),
        ("2017-10-09,social media,@x,A8 answer,,", "Line 3: the text starts “A8” but there is no question Q8."),
        ("2017-10-09,email,Sam,,Q1,", "Line 3: the text is empty."),
        ("2017-10-09,carrier pigeon,Sam,Text,Q1,", "Line 3: channel “carrier pigeon” must be one of"),
        ("2017-10-09,email,Sam,Text,Q1,javascript:alert(1)", "Line 3: source_url “javascript:alert(1)” is not"),
        ("2017-10-09,email,Sam,Text,the end,", "Line 3: the target “the end” is neither a section number"),
        ("2017-10-09,email,Sam,Text,Q1,https://example.org/" + "x" * 200, "Line 3: source_url is longer than 200"),
    ],
)
def test_a_bad_row_gives_a_clear_message_and_nothing_is_saved(targets, row, message):
    data = csv_bytes("2017-10-09,email,Good,A good row,Q1,", row)
    preview = read_import(targets, data)
    assert any(error.startswith(message) for error in preview.errors), preview.errors
    assert not preview.can_import
    with pytest.raises(ImportRefused, match="Nothing was imported"):
        run_import(preview)
    assert Response.objects.count() == 0
    assert Comment.objects.count() == 0


def test_a_file_that_is_not_utf8_names_each_row_it_spoils_and_nothing_is_saved(targets):
    data = (
        HEADER.encode()
        + b"2017-10-09,email,Good,Plain text,Q1,\n"
        + "2017-10-09,post,Zoë,Café text,Q2,\n".encode("cp1252")
        + "2017-10-09,post,Renée,Crème,Q3,\n".encode("cp1252")
    )
    preview = read_import(targets, data)
    assert preview.errors == [
        "Line 3: this row is not UTF-8 text. Save the file as “CSV UTF-8” and upload it again.",
        "Line 4: this row is not UTF-8 text. Save the file as “CSV UTF-8” and upload it again.",
    ]
    with pytest.raises(ImportRefused):
        run_import(preview)
    assert Response.objects.count() == 0


def test_a_utf8_file_with_a_byte_order_mark_from_excel_is_read(targets):
    data = b"\xef\xbb\xbf" + csv_bytes("2017-10-09,post,Zoë,Café au lait,Q2,")
    preview = read_import(targets, data)
    assert preview.errors == []
    assert preview.rows[0].author == "Zoë"


def test_a_header_without_the_required_columns_is_refused(targets):
    preview = read_import(targets, b"date,who,what\n2017-10-09,Sam,Text\n")
    assert preview.errors == [
        "The header row must name the columns received_at, channel, author and text "
        "(target, source_url and option are optional). Missing: received_at, channel, author, text."
    ]
    assert preview.rows == []


def test_an_empty_file_is_refused(targets):
    assert read_import(targets, b"").errors == [
        "The file is empty: it needs a header row and at least one row of responses."
    ]
    assert read_import(targets, HEADER.encode()).errors == ["The file has a header row but no responses."]


def test_an_import_refuses_to_run_until_every_row_has_a_target(targets):
    data = csv_bytes("2017-10-09,social media,@x,No convention here,,", "2017-10-09,email,Sam,Fine,Q1,")
    preview = read_import(targets, data)
    assert preview.errors == []
    assert [row.line for row in preview.unmapped] == [2]
    with pytest.raises(ImportRefused, match="No target on line\\(s\\) 2"):
        run_import(preview)
    assert Response.objects.count() == 0
    assigned = read_import(targets, data, targets={2: "2.3"})
    assert assigned.rows[0].target_label == "Section 2.3"
    assert assigned.rows[0].mapped_by == "assigned by staff"
    assert run_import(assigned) == 2
    # The same file again: the row staff assigned was imported, so it needs no target now.
    again = read_import(targets, data)
    assert again.unmapped == []
    assert run_import(again) == 0


def test_all_or_nothing_when_the_database_refuses_a_row(targets, monkeypatch):
    data = csv_bytes("2017-10-09,email,Sam,One,Q1,", "2017-10-09,email,Kim,Two,Q2,")
    preview = read_import(targets, data)
    original = Comment.objects.bulk_create

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Comment.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        run_import(preview)
    monkeypatch.setattr(Comment.objects, "bulk_create", original)
    assert Response.objects.count() == 0


def test_the_sample_transcript_previews_with_one_row_for_staff_to_assign(targets):
    preview = read_import(targets, SAMPLE.read_bytes())
    assert preview.errors == []
    assert len(preview.rows) == 10
    assert [row.line for row in preview.unmapped] == [11]
    assert preview.rows[8].target_label == "Section 5"


def test_dry_run_reports_the_mapping_and_saves_nothing(targets, tmp_path, capsys):
    path = tmp_path / "chat.csv"
    path.write_bytes(csv_bytes("2017-10-09,social media,@x,A2 barriers,,"))
    call_command("import_responses", targets.slug, str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "Line 2: @x: “A2 barriers” → Q2 (tweetchat answer A2)" in out
    assert "Ready: 1 new response(s) to import, 0 already imported." in out
    assert "Dry run: nothing was saved." in out
    assert Response.objects.count() == 0


def test_the_command_imports_a_good_file_and_refuses_a_bad_one(targets, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes("2017-10-09,email,Sam,Words,Q1,"))
    call_command("import_responses", targets.slug, str(good))
    assert "Imported 1 response(s)" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("2017-10-09,email,Sam,Words,Q1,", "yesterday,email,Kim,More,Q1,"))
    with pytest.raises(CommandError, match="Line 3: received_at “yesterday” is not a date"):
        call_command("import_responses", targets.slug, str(bad))
    assert Response.objects.count() == 1


def test_the_command_refuses_a_missing_file_or_consultation(targets):
    with pytest.raises(CommandError, match="Cannot read /nonexistent.csv"):
        call_command("import_responses", targets.slug, "/nonexistent.csv")
    with pytest.raises(CommandError, match="No consultation has the slug 'nope'"):
        call_command("import_responses", "nope", "/nonexistent.csv")


def test_rows_imported_by_someone_else_at_the_same_moment_refuse_the_whole_import(targets, monkeypatch):
    data = csv_bytes("2017-10-09,email,Sam,One,Q1,", "2017-10-09,email,Kim,Two,Q2,")
    first, second = read_import(targets, data), read_import(targets, data)
    assert run_import(first) == 2
    # Make the second import's own check miss the rows the first one just saved, as in a race.
    monkeypatch.setattr(Response.objects, "filter", lambda **kwargs: Response.objects.none())
    with pytest.raises(ImportRefused, match="being imported at the same time"):
        run_import(second)
    monkeypatch.undo()
    assert Response.objects.count() == 2

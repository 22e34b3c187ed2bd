"""Exports are safe by default: every layout says each comment's status; spam and what respondents
withdrew are left out unless chosen; a comment rejected as containing personal information is a
row without its words unless the export is made with personal data, by staff allowed it."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from guidance.analysis import exports
from guidance.analysis.exports import Layout, csv_chunks, select_comments
from guidance.models import Comment, ExportRecord, ModerationReason, Question
from guidance.responses import answers
from tests.factories import CommentFactory, QuestionFactory, ResponseFactory, SectionFactory

pytestmark = pytest.mark.django_db

NUMBER = "07700 900123"
ADDRESS = "4 Elm Road"
PERSONAL_TEXT = f"My neighbour Jo is on {NUMBER} and lives at {ADDRESS}."


def staff(username, *permissions):
    user = get_user_model().objects.create_user(username, is_staff=True)
    codenames = ["view_consultation", "view_comment", "change_comment", *permissions]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def privileged_analyst():
    return staff("privileged", "export_responses", "view_personal_data")


def set_status(comment, status, reason_code="", reason=""):
    Comment.objects.filter(pk=comment.pk).update(status=status, reason_code=reason_code, reason=reason)


@pytest.fixture
def mixed(consultation):
    """One comment of each kind on section 1 and question 1, from one response each: published,
    pending, rejected as off topic, rejected as personal information (with the moderator's note
    quoting it, and a choice answer with "Other" in its words), spam and withdrawn."""
    section = SectionFactory(document=consultation.document, major=1, title="Payment")
    question = QuestionFactory(consultation=consultation, position=1, kind=Question.Kind.SEVERAL_CHOICES)
    answers.set_options(question, ["Yes", "No"], offers_other=True)
    other = question.options.get(is_other=True)

    def comment(text, status="pending", reason_code="", reason=""):
        made = CommentFactory(section=section, response=ResponseFactory(consultation=consultation), text=text)
        set_status(made, status, reason_code, reason)
        return made

    comment("Published words.", "approved")
    comment("Pending words.")
    comment("Off topic words.", "rejected", ModerationReason.OFF_TOPIC, "About parking")
    personal = comment(PERSONAL_TEXT, "rejected", ModerationReason.PERSONAL, f"Gives {NUMBER}")
    personal_answer = CommentFactory(
        section=None, question=question, response=personal.response, text=f"Ring {NUMBER}", other_text=ADDRESS
    )
    personal_answer.options.set([other])
    set_status(personal_answer, "rejected", ModerationReason.PERSONAL)
    comment("Buy cheap watches.", "spam")
    comment("Taken back.", "withdrawn")
    return consultation


def export_url(consultation):
    return reverse("admin:guidance_consultation_export", args=[consultation.pk])


def download(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content).decode("utf-8-sig")


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text, newline="")))


def exported(consultation, filters=None, **options):
    return b"".join(csv_chunks(consultation, select_comments(consultation, filters or {}), **options)).decode(
        "utf-8-sig"
    )


# A status in every layout -------------------------------------------------------------------------


def test_every_comment_row_says_its_status(mixed):
    rows = rows_of(exported(mixed))
    statuses = sorted(row["Status"] for row in rows)
    assert statuses == ["Approved", "Pending", "Rejected", "Rejected", "Rejected"]


def test_every_response_row_says_the_status_of_each_of_its_comments_in_the_order_of_its_cells(mixed):
    rows = rows_of(exported(mixed, layout=Layout.RESPONSES))
    assert sorted(row["Statuses"] for row in rows) == [
        "1: Approved",
        "1: Pending",
        "1: Rejected",
        "Q1: Rejected; 1: Rejected",
    ]


def test_the_statuses_column_is_last_in_the_responses_layout_with_and_without_personal_data(mixed):
    for with_personal_data in (False, True):
        header = exports.header(mixed, Layout.RESPONSES, with_personal_data)
        assert header[-2:] == ["Groups", "Statuses"]


def test_the_export_page_the_command_and_the_queue_action_all_write_a_status(client, mixed, analyst, tmp_path):
    client.force_login(analyst)
    for layout, column in ((Layout.COMMENTS, "Status"), (Layout.RESPONSES, "Statuses")):
        page = rows_of(download(client.post(export_url(mixed), {"layout": layout})))
        output = tmp_path / f"{layout}.csv"
        call_command("export_responses", mixed.slug, "--layout", layout, "-o", str(output))
        command = rows_of(output.read_text(encoding="utf-8-sig"))
        assert all(row[column] for row in page) and page == command
    published = Comment.objects.get(text="Published words.")
    action = client.post(
        reverse("admin:guidance_comment_changelist") + "?status=all",
        {"action": "export_selected_comments", "_selected_action": [str(published.pk)]},
    )
    assert [row["Status"] for row in rows_of(download(action))] == ["Approved"]


# Personal information that a moderator rejected ---------------------------------------------------


def test_a_comment_rejected_as_personal_information_is_a_row_without_its_words(mixed):
    for layout in (Layout.COMMENTS, Layout.RESPONSES):
        text = exported(mixed, layout=layout)
        assert NUMBER not in text and ADDRESS not in text and "Jo is on" not in text
        assert exports.WITHHELD_TEXT in text
    withheld = [row for row in rows_of(exported(mixed)) if row["Text"] == exports.WITHHELD_TEXT]
    assert [(row["Status"], row["Moderation reason"]) for row in withheld] == [
        ("Rejected", "Contains personal information"),
        ("Rejected", "Contains personal information"),
    ]
    # The answer's chosen option is kept, without the words given for "Other".
    assert sorted(row["Choices"] for row in withheld) == ["", "Other"]


def test_a_comment_rejected_for_another_reason_keeps_its_words(mixed):
    row = next(row for row in rows_of(exported(mixed)) if row["Text"] == "Off topic words.")
    assert (row["Status"], row["Moderation reason"]) == ("Rejected", "Off topic: About parking")


def test_the_words_are_exported_only_with_personal_data_by_staff_allowed_to_see_it(
    client, mixed, analyst, privileged_analyst
):
    client.force_login(analyst)
    without = download(client.post(export_url(mixed), {"layout": "comments"}))
    assert NUMBER not in without and ADDRESS not in without
    refused = client.post(export_url(mixed), {"layout": "comments", "with_personal_data": "on"})
    assert refused.status_code == 403
    client.force_login(privileged_analyst)
    for layout in (Layout.COMMENTS, Layout.RESPONSES):
        with_personal_data = download(client.post(export_url(mixed), {"layout": layout, "with_personal_data": "on"}))
        assert NUMBER in with_personal_data and ADDRESS in with_personal_data
        assert exports.WITHHELD_TEXT not in with_personal_data
    personal = rows_of(exported(mixed, with_personal_data=True))
    assert f"Contains personal information: Gives {NUMBER}" in [row["Moderation reason"] for row in personal]


def test_the_queue_action_leaves_out_the_words_too(client, mixed, analyst):
    client.force_login(analyst)
    personal = Comment.objects.get(text=PERSONAL_TEXT)
    action = client.post(
        reverse("admin:guidance_comment_changelist") + "?status=rejected",
        {"action": "export_selected_comments", "_selected_action": [str(personal.pk)]},
    )
    text = download(action)
    assert NUMBER not in text and exports.WITHHELD_TEXT in text


def test_the_command_leaves_out_the_words_without_personal_data(mixed, capfdbinary):
    call_command("export_responses", mixed.slug)
    text = capfdbinary.readouterr().out.decode("utf-8-sig")
    assert NUMBER not in text and ADDRESS not in text and exports.WITHHELD_TEXT in text
    call_command("export_responses", mixed.slug, "--with-personal-data")
    assert NUMBER in capfdbinary.readouterr().out.decode("utf-8-sig")


# Which statuses ------------------------------------------------------------------------------------


def test_spam_and_withdrawn_comments_are_left_out_by_default(client, mixed, analyst):
    client.force_login(analyst)
    text = download(client.post(export_url(mixed), {"layout": "comments"}))
    assert "Buy cheap watches." not in text and "Taken back." not in text
    assert "Published words." in text and "Pending words." in text and "Off topic words." in text
    assert ExportRecord.objects.get().filters == {"status": "pending,approved,rejected"}


def test_spam_is_exported_when_chosen(client, mixed, analyst):
    client.force_login(analyst)
    text = download(client.post(export_url(mixed), {"layout": "comments", "status": ["approved", "spam"]}))
    assert [row["Text"] for row in rows_of(text)] == ["Published words.", "Buy cheap watches."]
    assert ExportRecord.objects.get().filters == {"status": "approved,spam"}


def test_the_command_takes_several_statuses_separated_by_commas_or_given_again(mixed, capfdbinary):
    call_command("export_responses", mixed.slug, "--status", "spam,withdrawn")
    by_commas = capfdbinary.readouterr().out
    call_command("export_responses", mixed.slug, "--status", "spam", "--status", "withdrawn")
    given_again = capfdbinary.readouterr().out
    assert by_commas == given_again
    assert sorted(row["Text"] for row in rows_of(by_commas.decode("utf-8-sig"))) == [
        "Buy cheap watches.",
        "Taken back.",
    ]


def test_the_export_page_offers_every_status_with_the_default_ticked(client, mixed, analyst):
    client.force_login(analyst)
    page = client.get(export_url(mixed)).content.decode()
    assert "<legend>Statuses</legend>" in page
    for value in ("pending", "approved", "rejected"):
        tag = page[page.index(f'name="status" value="{value}"') :]
        assert "checked" in tag[: tag.index(">")]
    for value in ("spam", "withdrawn"):
        tag = page[page.index(f'name="status" value="{value}"') :]
        assert "checked" not in tag[: tag.index(">")]


def test_a_status_that_is_not_one_is_a_clear_error_and_nothing_is_exported(client, mixed, analyst):
    client.force_login(analyst)
    page = client.post(export_url(mixed), {"layout": "comments", "status": ["approved", "published"]})
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "“published” is not a status: choose pending, approved, rejected, spam or withdrawn." in (
        page.content.decode()
    )
    with pytest.raises(CommandError, match="status: “hidden” is not a status"):
        call_command("export_responses", mixed.slug, "--status", "approved,hidden")
    assert not ExportRecord.objects.exists()


def test_a_status_given_in_a_recorded_export_selects_the_same_comments_again(mixed):
    record_filters = {"status": "approved,spam"}
    texts = sorted(select_comments(mixed, record_filters).values_list("text", flat=True))
    assert texts == ["Buy cheap watches.", "Published words."]

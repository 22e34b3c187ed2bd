"""Exporting from the admin (the consultation's export page and the comment action) and with the
export_responses command."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from guidance.analysis.exports import BOM
from guidance.models import Comment, ExportRecord, Response
from tests.factories import CommentFactory, ResponseFactory, SectionFactory

pytestmark = pytest.mark.django_db


def staff(username, *permissions):
    user = get_user_model().objects.create_user(username, is_staff=True)
    codenames = ["view_consultation", "view_comment", "change_comment", *permissions]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def privileged_analyst():
    return staff("privileged", "export_responses", "view_personal_data")


@pytest.fixture
def comments(section):
    consultation = section.document.consultations.get()
    first = CommentFactory(section=section, text="First", response__name="Ann Jones", response__email="ann@example.org")
    second = CommentFactory(section=section, text="Second", response__channel=Response.Channel.POST)
    Comment.objects.filter(pk=second.pk).update(status=Comment.Status.APPROVED)
    return consultation, first, second


def export_url(consultation):
    return reverse("admin:guidance_consultation_export", args=[consultation.pk])


def download(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content)


def test_the_export_page_needs_the_export_permission(client, comments):
    consultation, *_ = comments
    client.force_login(staff("moderator"))
    assert client.get(export_url(consultation)).status_code == 403
    assert client.post(export_url(consultation), {"layout": "comments"}).status_code == 403
    assert not ExportRecord.objects.exists()


def test_the_personal_data_choice_is_shown_only_with_the_permission(client, comments, analyst, privileged_analyst):
    consultation, *_ = comments
    client.force_login(analyst)
    page = client.get(export_url(consultation))
    assert page.status_code == 200
    assert b"Download CSV" in page.content and b"Respondent type" in page.content
    assert b"with_personal_data" not in page.content

    client.force_login(privileged_analyst)
    assert b"with_personal_data" in client.get(export_url(consultation)).content


def test_asking_for_personal_data_without_the_permission_is_refused_and_not_recorded(client, comments, analyst):
    consultation, *_ = comments
    client.force_login(analyst)
    response = client.post(export_url(consultation), {"layout": "comments", "with_personal_data": "on"})
    assert response.status_code == 403
    assert not ExportRecord.objects.filter(with_personal_data=True).exists()
    assert not ExportRecord.objects.exists()


def test_the_export_page_downloads_the_filtered_csv_and_records_it(client, comments, privileged_analyst):
    consultation, first, _ = comments
    client.force_login(privileged_analyst)
    response = client.post(
        export_url(consultation), {"layout": "comments", "status": "pending", "with_personal_data": "on"}
    )
    data = download(response)
    assert data.startswith(BOM)
    assert b"First" in data and b"Second" not in data and b"ann@example.org" in data
    assert response["Content-Disposition"].startswith(f'attachment; filename="{consultation.slug}-')
    record = ExportRecord.objects.get()
    assert (record.by, record.filters, record.row_count, record.with_personal_data) == (
        privileged_analyst,
        {"status": "pending"},
        1,
        True,
    )


def test_the_export_page_shows_bad_filters_again_with_an_error_and_records_nothing(client, comments, analyst):
    consultation, *_ = comments
    client.force_login(analyst)
    response = client.post(
        export_url(consultation),
        {"layout": "comments", "status": "lost", "submitted_from": "2026-03-02", "submitted_to": "2026-03-01"},
    )
    assert response.status_code == 200
    assert b"Please correct the errors below." in response.content
    assert "“lost” is not a status: choose pending, approved, rejected, spam or withdrawn.".encode() in response.content
    assert b"The end date must be the same as or after the start date." in response.content
    assert not ExportRecord.objects.exists()


def test_the_command_and_the_admin_page_give_the_same_bytes(client, comments, privileged_analyst, tmp_path):
    consultation, *_ = comments
    client.force_login(privileged_analyst)
    for options, form in [
        ([], {"layout": "comments"}),
        (["--channel", "post"], {"layout": "comments", "channel": "post"}),
        (["--layout", "responses", "--with-personal-data"], {"layout": "responses", "with_personal_data": "on"}),
        # The option's earlier name still works.
        (["--personal-data"], {"layout": "comments", "with_personal_data": "on"}),
    ]:
        output = tmp_path / "export.csv"
        call_command("export_responses", consultation.slug, "-o", str(output), *options)
        assert output.read_bytes() == download(client.post(export_url(consultation), form))
    records = ExportRecord.objects.order_by("at", "pk")
    # No status chosen: the default statuses, recorded as such.
    default = {"status": "pending,approved,rejected"}
    assert [(r.by, r.filters) for r in records[:2]] == [(None, default), (privileged_analyst, default)]
    assert [r.with_personal_data for r in records] == [False, False, False, False, True, True, True, True]


def test_the_command_writes_to_standard_output_by_default(comments, capfdbinary):
    consultation, *_ = comments
    call_command("export_responses", consultation.slug, "--status", "approved")
    data = capfdbinary.readouterr().out
    assert data.startswith(BOM + b"Response reference,")
    assert data.count(b"\r\n") == 2 and b"Second" in data
    assert ExportRecord.objects.get().filters == {"status": "approved"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["no-such-consultation"], "No consultation has the slug 'no-such-consultation'."),
        (
            ["{slug}", "--status", "lost"],
            "status: “lost” is not a status: choose pending, approved, rejected, spam or withdrawn.",
        ),
        (["{slug}", "--target", "9.9"], "target: Select a valid choice. 9.9 is not one of the available choices."),
        (["{slug}", "--from", "2026-02-30"], "submitted-from: Enter a valid date."),
        (["{slug}", "--layout", "wide"], "layout: Select a valid choice."),
        (["{slug}", "-o", "/no/such/dir/x.csv"], "cannot write /no/such/dir/x.csv"),
    ],
)
def test_the_command_explains_bad_options_and_records_nothing(comments, options, message):
    consultation, *_ = comments
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        call_command("export_responses", *[option.format(slug=consultation.slug) for option in options])
    assert not ExportRecord.objects.exists()


def test_the_consultation_page_links_to_its_export_page_for_analysts(client, comments, analyst):
    consultation, *_ = comments
    change_url = reverse("admin:guidance_consultation_change", args=[consultation.pk])
    client.force_login(staff("moderator"))
    assert export_url(consultation).encode() not in client.get(change_url).content
    client.force_login(analyst)
    assert export_url(consultation).encode() in client.get(change_url).content


def action(client, ids, follow=False):
    # From the queue with "All" statuses chosen (it opens on pending comments only).
    return client.post(
        reverse("admin:guidance_comment_changelist") + "?status=all",
        {"action": "export_selected_comments", "_selected_action": [str(pk) for pk in ids]},
        follow=follow,
    )


def test_the_admin_action_exports_exactly_the_selected_comments(client, comments, analyst):
    consultation, first, second = comments
    CommentFactory(section=first.section, text="Not selected")
    client.force_login(analyst)
    data = download(action(client, [second.pk, first.pk]))
    texts = [line.split(b",")[8] for line in data.split(b"\r\n")[1:-1]]
    assert texts == [b"First", b"Second"]
    assert b"ann@example.org" not in data
    record = ExportRecord.objects.get()
    assert (record.by, record.filters, record.row_count, record.with_personal_data) == (
        analyst,
        {"selected_comments": sorted([first.pk, second.pk])},
        2,
        False,
    )


def test_the_admin_action_refuses_comments_of_two_consultations(client, comments, analyst):
    _, first, _ = comments
    elsewhere = CommentFactory()
    client.force_login(analyst)
    response = action(client, [first.pk, elsewhere.pk], follow=True)
    assert b"Nothing exported: select comments of one consultation at a time." in response.content
    assert not ExportRecord.objects.exists()


def test_the_admin_action_is_offered_only_with_the_export_permission(client, comments, analyst):
    _, first, _ = comments
    client.force_login(staff("moderator"))
    changelist = reverse("admin:guidance_comment_changelist")
    assert b"Export selected comments to CSV" not in client.get(changelist).content
    response = action(client, [first.pk], follow=True)
    assert response["Content-Type"] == "text/html; charset=utf-8"  # the list again, no file
    assert not ExportRecord.objects.exists()
    client.force_login(analyst)
    assert b"Export selected comments to CSV" in client.get(changelist).content


def test_an_offline_response_on_a_later_section_exports_too(client, analyst, consultation):
    later = SectionFactory(document=consultation.document, major=12)
    CommentFactory(section=later, response=ResponseFactory(consultation=consultation, channel="post"), text="By post")
    client.force_login(analyst)
    data = download(client.post(export_url(consultation), {"layout": "comments", "target": "12"}))
    assert b"Post" in data and b"By post" in data


def test_the_admin_action_on_every_matching_comment_records_the_list_filters(client, comments, analyst):
    consultation, first, second = comments
    client.force_login(analyst)
    response = client.post(
        reverse("admin:guidance_comment_changelist") + f"?status=all&consultation__id__exact={consultation.pk}",
        {"action": "export_selected_comments", "_selected_action": [str(first.pk)], "select_across": "1"},
    )
    data = download(response)
    assert b"First" in data and b"Second" in data
    record = ExportRecord.objects.get()
    assert record.filters == {"all_matching_list_filters": f"status=all&consultation__id__exact={consultation.pk}"}
    assert record.row_count == 2


def test_managers_see_each_export_record_in_the_admin(client, comments, privileged_analyst):
    consultation, *_ = comments
    client.force_login(privileged_analyst)
    download(client.post(export_url(consultation), {"layout": "responses", "with_personal_data": "on"}))
    manager = staff("manager", "view_exportrecord")
    client.force_login(manager)
    page = client.get(reverse("admin:guidance_exportrecord_changelist"))
    assert page.status_code == 200
    assert b"privileged" in page.content and b"responses" in page.content

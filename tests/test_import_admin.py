import base64
import io
import os
import time

import pytest
from django.contrib.auth.models import Permission, User
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from guidance.models import Comment, Response
from tests.factories import ConsultationFactory, QuestionFactory, SectionFactory

pytestmark = pytest.mark.django_db

HEADER = "received_at,channel,author,text,target,source_url\n"


@pytest.fixture
def targets(consultation):
    SectionFactory(document=consultation.document, major=2, minor=0, title="Sharing power")
    for position in range(1, 4):
        QuestionFactory(consultation=consultation, position=position)
    return consultation


def upload(client, consultation, text, encoding="utf-8"):
    file = SimpleUploadedFile("chat.csv", (HEADER + text).encode(encoding), content_type="text/csv")
    return client.post(reverse("admin:guidance_consultation_import", args=[consultation.pk]), {"file": file})


def preview_url(consultation):
    return reverse("admin:guidance_consultation_import_preview", args=[consultation.pk])


def test_upload_shows_a_preview_and_saves_nothing_until_confirmed(admin_client, targets):
    answer = upload(admin_client, targets, "2017-10-09,social media,@x,A2 money,,\n2017-10-09,email,Sam,Hello,2,\n")
    assert answer.status_code == 302
    page = admin_client.get(answer.url).content.decode()
    assert "Q2" in page and "tweetchat answer A2" in page and "Section 2" in page
    assert "Import 2 response(s)" in page
    assert Response.objects.count() == 0
    done = admin_client.post(preview_url(targets), {"import": "Import"})
    assert done.status_code == 302
    assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 2
    follow = admin_client.get(done.url).content.decode()
    assert "Imported 2 response(s) from chat.csv" in follow


def test_staff_assign_a_target_to_an_unmapped_row_before_importing(admin_client, targets):
    upload(admin_client, targets, "2017-10-09,social media,@x,Thanks all for coming,,\n")
    page = admin_client.get(preview_url(targets)).content.decode()
    assert "1 row(s) have no target" in page
    assert '<select name="target-2" id="target-2">' in page
    refused = admin_client.post(preview_url(targets), {"import": "Import", "target-2": ""})
    assert refused.status_code == 200
    assert "Nothing was imported yet" in refused.content.decode()
    assert Response.objects.count() == 0
    done = admin_client.post(preview_url(targets), {"import": "Import", "target-2": "Q3"})
    assert done.status_code == 302
    assert Comment.objects.get().question.position == 3


def test_a_file_with_bad_rows_shows_each_error_and_offers_no_import(admin_client, targets):
    upload(admin_client, targets, "2017-10-09,post,Zoë,Café,Q1,\nsoon,email,Sam,,Q9,\n", encoding="cp1252")
    answer = admin_client.get(preview_url(targets))
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Line 2: this row is not UTF-8 text" in page
    assert "Line 3: received_at “soon” is not a date" in page
    assert "Line 3: the text is empty." in page
    assert "Line 3: there is no question Q9 in this consultation." in page
    assert 'name="import"' not in page
    admin_client.post(preview_url(targets), {"import": "Import"})
    assert Response.objects.count() == 0


def test_the_preview_without_an_upload_sends_staff_back_to_the_upload(admin_client, targets):
    answer = admin_client.get(preview_url(targets))
    assert answer.url == reverse("admin:guidance_consultation_import", args=[targets.pk])


def test_the_upload_form_needs_a_file(admin_client, targets):
    page = admin_client.post(reverse("admin:guidance_consultation_import", args=[targets.pk]), {})
    assert page.status_code == 200
    assert "This field is required." in page.content.decode()


def test_import_needs_permission_to_add_responses_and_comments(client, targets):
    user = User.objects.create_user("viewer", password="a-long-password-for-tests", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_comment", "add_comment"]))
    client.force_login(user)
    assert client.get(reverse("admin:guidance_consultation_import", args=[targets.pk])).status_code == 403
    assert client.get(preview_url(targets)).status_code == 403


# The uploaded file waits between the steps in private storage, not in the session: the session
# holds only a signed reference that works for the member of staff who uploaded it, for that
# consultation, and the file is deleted on import, on cancel, and after a day.


def session_entry(client, consultation):
    return client.session[f"staff-upload-responses-{consultation.pk}"]


def kept_files():
    return default_storage.listdir("imports")[1] if default_storage.exists("imports") else []


def test_the_file_waits_in_private_storage_and_the_session_holds_only_a_reference(admin_client, targets):
    text = "2017-10-09,email,Sam," + "A long email about sharing power. " * 200 + ",2,\n"
    upload(admin_client, targets, text)
    entry = session_entry(admin_client, targets)
    assert len(str(entry)) < 400
    assert "sharing power" not in str(entry) and base64.b64encode(b"A long email")[:12].decode() not in str(entry)
    assert len(kept_files()) == 1
    assert "A long email about sharing power." in admin_client.get(preview_url(targets)).content.decode()


def test_another_users_reference_opens_nothing(client, admin_client, targets):
    upload(admin_client, targets, "2017-10-09,email,Sam,Hello,2,\n")
    other = User.objects.create_superuser("other", password="a-long-password-for-tests")
    client.force_login(other)
    session = client.session
    session[f"staff-upload-responses-{targets.pk}"] = session_entry(admin_client, targets)
    session.save()
    page = client.get(preview_url(targets))
    assert page.status_code == 302 and page.url == reverse("admin:guidance_consultation_import", args=[targets.pk])
    client.post(preview_url(targets), {"import": "Import"})
    assert Response.objects.count() == 0


def test_a_reference_to_another_consultation_opens_nothing(admin_client, targets):
    upload(admin_client, targets, "2017-10-09,email,Sam,Hello,2,\n")
    elsewhere = ConsultationFactory()
    session = admin_client.session
    session[f"staff-upload-responses-{elsewhere.pk}"] = session_entry(admin_client, targets)
    session.save()
    assert admin_client.get(preview_url(elsewhere)).status_code == 302


IN_THE_SESSION = base64.b64encode(f"{HEADER}2017-10-09,post,Sam,Hello,2,\n".encode()).decode()


@pytest.mark.parametrize(
    "tampered",
    [
        # The kept file's own path, unsigned.
        lambda entry: {**entry, "file": f"imports/{kept_files()[0]}"},
        # A path elsewhere in the storage, unsigned and signed with another key.
        lambda entry: {**entry, "file": "imports/../supporting/1/draft.pdf"},
        lambda entry: {**entry, "file": signing.dumps({"name": "supporting/1/draft.pdf"}, key="guessed-key")},
        # The reference with its signature altered.
        lambda entry: {**entry, "file": entry["file"][:-3] + ("abc" if entry["file"][-3:] != "abc" else "abd")},
        # The file itself in the session, as it used to be kept.
        lambda entry: {"name": entry["name"], "data": IN_THE_SESSION},
    ],
)
def test_a_tampered_reference_opens_nothing(admin_client, targets, tampered):
    upload(admin_client, targets, "2017-10-09,email,Sam,Hello,2,\n")
    session = admin_client.session
    session[f"staff-upload-responses-{targets.pk}"] = tampered(session_entry(admin_client, targets))
    session.save()
    assert admin_client.get(preview_url(targets)).status_code == 302
    admin_client.post(preview_url(targets), {"import": "Import"})
    assert Response.objects.count() == 0


def test_importing_or_cancelling_deletes_the_kept_file(admin_client, targets):
    upload(admin_client, targets, "2017-10-09,email,Sam,Hello,2,\n")
    admin_client.post(preview_url(targets), {"import": "Import"})
    assert Response.objects.count() == 1 and kept_files() == []

    upload(admin_client, targets, "2017-10-10,email,Ann,Hi,2,\n")
    assert len(kept_files()) == 1
    cancelled = admin_client.post(preview_url(targets), {"cancel": "Cancel"}, follow=True)
    assert "Nothing was imported: the file is deleted." in cancelled.content.decode()
    assert kept_files() == [] and Response.objects.count() == 1
    assert admin_client.get(preview_url(targets)).status_code == 302


def test_uploading_again_replaces_the_kept_file(admin_client, targets):
    upload(admin_client, targets, "2017-10-09,email,Sam,Hello,2,\n")
    upload(admin_client, targets, "2017-10-10,email,Ann,Hi,2,\n")
    assert len(kept_files()) == 1
    assert "Ann" in admin_client.get(preview_url(targets)).content.decode()


def test_kept_files_a_day_old_are_deleted_by_the_daily_job_and_the_next_upload(admin_client, targets):
    upload(admin_client, targets, "2017-10-09,email,Sam,Hello,2,\n")
    (old,) = kept_files()
    day_ago = time.time() - 25 * 3600
    os.utime(default_storage.path(f"imports/{old}"), (day_ago, day_ago))
    call_command("apply_retention", stdout=io.StringIO())
    assert kept_files() == []
    assert admin_client.get(preview_url(targets)).status_code == 302

    upload(admin_client, targets, "2017-10-09,email,Sam,Hello,2,\n")
    (old,) = kept_files()
    os.utime(default_storage.path(f"imports/{old}"), (day_ago, day_ago))
    upload(admin_client, ConsultationFactory(), "2017-10-09,email,Sam,Hello,2,\n")
    assert old not in kept_files() and len(kept_files()) == 1


def test_a_file_with_more_rows_than_an_import_takes_is_refused(admin_client, targets):
    upload(admin_client, targets, "2017-10-09,email,Sam,Hello,2,\n" * 5001)
    page = admin_client.get(preview_url(targets))
    assert page.status_code == 400
    assert "The file has more than 5,000 rows; an import takes at most 5,000" in page.content.decode()
    admin_client.post(preview_url(targets), {"import": "Import"})
    assert Response.objects.count() == 0

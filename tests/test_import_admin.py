import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guidance.models import Comment, Response
from tests.factories import QuestionFactory, SectionFactory

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

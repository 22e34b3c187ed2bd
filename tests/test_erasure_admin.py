"""The admin pages where a consultation manager finds a response and erases it."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from guidance.models import Erasure
from guidance.privacy.retention import REMOVED_TEXT
from tests.factories import CommentFactory, ConsultationFactory, ResponseFactory, SectionFactory

pytestmark = pytest.mark.django_db
FIND = "/admin/guidance/response/erase/"


@pytest.fixture
def response():
    consultation = ConsultationFactory(title="Draft guidance on co-producing research")
    response = ResponseFactory(consultation=consultation, name="Ada Lovelace", email="Ada@Example.org")
    CommentFactory(response=response, section=SectionFactory(document=consultation.document), text="My own view")
    return response


def test_a_manager_finds_a_response_by_reference_typed_loosely(manager_client, response):
    loose = response.reference.lower().replace("-", " ")
    page = manager_client.get(FIND, {"query": loose}).content.decode()
    assert "1 response found" in page
    assert "Ada Lovelace" in page and response.reference in page


def test_a_manager_finds_responses_by_email_address_in_any_case(manager_client, response):
    page = manager_client.get(FIND, {"query": "ada@example.ORG"}).content.decode()
    assert "1 response found" in page
    assert f"Erase response {response.reference}" in page


def test_an_unknown_reference_or_address_finds_nothing(manager_client, response):
    assert "0 responses found" in manager_client.get(FIND, {"query": "nobody@example.org"}).content.decode()
    assert "0 responses found" in manager_client.get(FIND, {"query": "not a reference"}).content.decode()


def test_erasing_personal_data_keeps_the_text_and_records_who_did_it(manager_client, manager, response):
    confirm = f"{FIND}{response.pk}/"
    assert "My own view" in manager_client.get(confirm).content.decode()
    result = manager_client.post(confirm, {"reason": "Asked by email on 3 March"}, follow=True)
    assert f"Erased the personal data of response {response.reference}." in result.content.decode()
    response.refresh_from_db()
    assert response.name == "" and response.email == ""
    assert response.comments.get().text == "My own view"
    erasure = Erasure.objects.get()
    assert erasure.by == manager and erasure.reason == "Asked by email on 3 March"
    assert erasure.references == response.reference


def test_erasing_with_the_text_replaces_what_they_wrote(manager_client, response):
    manager_client.post(f"{FIND}{response.pk}/", {"reason": "Asked in writing", "include_text": "on"})
    assert response.comments.get().text == REMOVED_TEXT
    assert Erasure.objects.get().scope == Erasure.Scope.PERSONAL_DATA_AND_TEXT


def test_erasing_needs_a_reason_and_changes_nothing_without_one(manager_client, response):
    page = manager_client.post(f"{FIND}{response.pk}/", {"reason": ""})
    assert page.status_code == 200
    assert "This field is required" in page.content.decode()
    response.refresh_from_db()
    assert response.email == "Ada@Example.org"
    assert not Erasure.objects.exists()


def test_staff_without_the_personal_data_permission_cannot_find_or_erase(client, django_user_model, response):
    moderator = django_user_model.objects.create_user("mod", "mod@example.org", "a-long-password-123", is_staff=True)
    moderator.user_permissions.add(*Permission.objects.filter(codename__in=["change_response", "view_response"]))
    client.force_login(moderator)
    assert client.get(FIND, {"query": "ada@example.org"}).status_code == 403
    assert client.post(f"{FIND}{response.pk}/", {"reason": "x"}).status_code == 403
    response.refresh_from_db()
    assert response.email == "Ada@Example.org"


def test_people_who_are_not_signed_in_are_sent_to_the_login_page(client, response):
    page = client.get(FIND)
    assert page.status_code == 302 and "/admin/login/" in page["Location"]


def test_the_responses_list_links_to_the_erasure_page_for_managers_only(manager_client, django_user_model):
    assert 'href="/admin/guidance/response/erase/"' in manager_client.get("/admin/guidance/response/").content.decode()
    viewer = django_user_model.objects.create_user("viewer", "v@example.org", "a-long-password-123", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_response"))
    client = Client()
    client.force_login(viewer)
    assert "/admin/guidance/response/erase/" not in client.get("/admin/guidance/response/").content.decode()

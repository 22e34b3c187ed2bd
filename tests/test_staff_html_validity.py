"""The staff pages the portal adds or restyles are valid HTML, as the Nu HTML Checker sees them
(one run of it, as tests/test_html_validity.py does for the public pages)."""

import datetime
import html
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from guidance.consultations import previews, supporting, versions
from guidance.models import Comment, Consultation, Report
from guidance.moderation.decisions import decide
from guidance.outcomes import replies
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    DocumentFactory,
    QuestionFactory,
    SectionFactory,
    ThemeFactory,
)
from tests.html_validity import html_errors
from tests.test_html_validity import (
    checker,  # noqa: F401  (the fixture: Java and vnu.jar, or skip)
    page,
)

pytestmark = [pytest.mark.django_db, pytest.mark.html]
DAY = datetime.timedelta(days=1)


def staff_pages(client, consultation):
    section = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    QuestionFactory(consultation=consultation, position=1)
    ThemeFactory(consultation=consultation, name="Payment")
    comments = [CommentFactory(section=section, text=f"Comment {n}\n\nwith <b>markup</b> & more") for n in range(4)]
    decide(Comment.objects.filter(pk=comments[0].pk), Comment.Status.APPROVED, by=None)
    Report.objects.create(comment=comments[0], reason=Report.Reason.OFFENSIVE, details="Rude")
    moderate = reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    pages = {}
    for name, url in {
        "home": reverse("admin:index"),
        "queue": reverse("admin:guidance_comment_changelist"),
        "queue of a consultation": reverse("admin:guidance_comment_changelist")
        + f"?consultation__id__exact={consultation.pk}",
        "a comment": reverse("admin:guidance_comment_change", args=[comments[0].pk]),
        "a consultation": reverse("admin:guidance_consultation_change", args=[consultation.pk]),
        "dashboard": reverse("admin:guidance_consultation_dashboard", args=[consultation.pk]),
        "export": reverse("admin:guidance_consultation_export", args=[consultation.pk]),
        "import": reverse("admin:guidance_consultation_import", args=[consultation.pk]),
        "moderation screen": moderate,
        "moderation screen, reported": moderate + "?queue=reported",
        "moderation screen, recently decided": moderate + "?queue=decided",
        "refused filter": reverse("admin:guidance_comment_changelist") + "?text__regex=(",
    }.items():
        response = client.get(url)
        assert response.status_code in (200, 400), (name, response.status_code)
        pages[name] = response.content.decode()
    shown = comments[1]
    decide_url = reverse("admin:guidance_consultation_moderate_decide", args=[consultation.pk, shown.pk])
    response = client.post(decide_url, {"decision": "rejected", "seen_event_id": 0, "queue": "pending"})
    pages["moderation screen with an error"] = response.content.decode()
    assert "Choose why the comment is rejected." in pages["moderation screen with an error"]
    response = client.post(
        reverse("admin:guidance_comment_changelist"),
        {"action": "reject", "_selected_action": [shown.pk], "index": 0, "shown": f"{shown.pk}:0"},
    )
    pages["reject from the queue"] = response.content.decode()
    assert "Why reject it?" in pages["reject from the queue"]
    response = client.post(
        reverse("admin:guidance_comment_changelist"),
        {"action": "reject_groups", "_selected_action": [shown.pk], "index": 0},
    )
    pages["reject a whole group from the queue"] = response.content.decode()
    assert "only the comments listed here are decided" in pages["reject a whole group from the queue"]
    return pages


def test_the_staff_pages_are_valid_html(checker, client, consultation):  # noqa: F811
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "x"))
    pages = staff_pages(client, consultation)
    assert "This list cannot be filtered that way" in pages["refused filter"]
    # One page broken on purpose, in the same run: a checker that reports nothing cannot pass.
    pages["broken on purpose"] = "<!DOCTYPE html><html lang=en><title>t</title><p><div>x</div></p>"
    errors = html_errors(pages)
    assert errors.pop("broken on purpose")
    assert errors == {}


def test_the_authoring_staff_pages_are_valid_html(checker, client):  # noqa: F811
    """The pages a consultation manager works on to set up a consultation: a document's sections,
    importing its draft (with a refused file, and the preview with notes), publishing with its
    warnings and preview links, and supporting documents with a refused upload."""
    manager = User.objects.create_user("html-manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    consultation = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    document = consultation.document
    SectionFactory(document=document, major=1, title="Introduction")
    SectionFactory(document=document, major=1, minor=1, title="Scope & aims")
    previews.make_link(consultation, by=manager)
    supporting.attach(consultation, "Easy read", SimpleUploadedFile("a.txt", b"Words."), by=manager)
    upload = reverse("admin:guidance_document_import", args=[document.pk])
    publish_page = reverse("admin:guidance_consultation_publish", args=[consultation.pk])
    documents = reverse("admin:guidance_consultation_documents", args=[consultation.pk])
    pages = {
        "sections": page(client.get(reverse("admin:guidance_document_sections", args=[document.pk]))),
        "import": page(client.get(upload)),
        "import refused": page(client.post(upload, {"file": SimpleUploadedFile("d.md", b"No headings.")})),
        "publish with warnings": page(client.get(publish_page)),
        "publish not confirmed": page(client.post(publish_page, {}), 400),
        "documents": page(client.get(documents)),
        "document refused": page(
            client.post(documents, {"title": "Bad", "file": SimpleUploadedFile("x.pdf", b"MZ\x90")}), 400
        ),
        "section edit": page(client.get(reverse("admin:guidance_section_change", args=[document.sections.first().pk]))),
    }
    client.post(
        upload, {"file": SimpleUploadedFile("d.md", b"Preface.\n\n# One\n\n![x](y.png) Text.\n\n## Two\n\nMore.")}
    )
    pages["import preview"] = page(client.get(reverse("admin:guidance_document_import_preview", args=[document.pk])))
    assert "What was left out" in pages["import preview"]
    errors = html_errors(pages)
    assert errors == {}


def test_the_record_and_numbering_pages_are_valid_html(checker, client):  # noqa: F811
    """A document's sections with the numbers form (and its errors), what the record holds once
    consulted on (opened, closed), a section read-only after the close, a draft's preview with
    sections numbered differently from the file, the new dates to confirm and the history of them."""
    manager = User.objects.create_user("html-record", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    now = timezone.now()
    live = ConsultationFactory(title="Live & open", opens_at=now - 7 * DAY, closes_at=now + 21 * DAY)
    closed = ConsultationFactory(opens_at=now - 30 * DAY, closes_at=now - DAY)
    for consultation in (live, closed):
        SectionFactory(document=consultation.document, major=1, title="Introduction <and> scope")
        SectionFactory(document=consultation.document, major=1, minor=1, title="Aims")
        SectionFactory(document=consultation.document, major=2, title="Principles")
    sections_page = reverse("admin:guidance_document_sections", args=[live.document_id])
    shown = list(live.document.sections.all())
    clash = {"shown": ",".join(str(s.pk) for s in shown), **{f"number-{s.pk}": "2" for s in shown}}
    draft = DocumentFactory()
    client.post(
        reverse("admin:guidance_document_import", args=[draft.pk]),
        {"file": SimpleUploadedFile("d.md", b"# 1. One\n\nA.\n\n# 1. Again\n\nB.\n\n## 4.2 Orphan\n\nC.")},
    )
    closes = (timezone.localtime(now) - datetime.timedelta(minutes=1)).strftime("%d/%m/%Y %H:%M").split()
    settings = {
        "document": live.document_id,
        "title": live.title,
        "slug": live.slug,
        "organisation": live.organisation,
        "summary": live.summary,
        "opens_at_0": timezone.localtime(live.opens_at).strftime("%d/%m/%Y"),
        "opens_at_1": timezone.localtime(live.opens_at).strftime("%H:%M"),
        "closes_at_0": closes[0],
        "closes_at_1": closes[1],
        "retention_months": 12,
        **{f"{prefix}-{key}": 0 for prefix in ["questions", "outcomes"] for key in ["TOTAL_FORMS", "INITIAL_FORMS"]},
    }
    change = reverse("admin:guidance_consultation_change", args=[live.pk])
    pages = {
        "sections, consulted on": page(client.get(sections_page)),
        "sections, numbers refused": page(
            client.post(reverse("admin:guidance_document_section_numbers", args=[live.document_id]), clash), 400
        ),
        "sections, closed": page(client.get(reverse("admin:guidance_document_sections", args=[closed.document_id]))),
        "section, closed": page(
            client.get(reverse("admin:guidance_section_change", args=[closed.document.sections.first().pk]))
        ),
        "section added after the close": page(
            client.post(
                reverse("admin:guidance_section_add"),
                {"document": closed.document_id, "major": 9, "minor": 0, "title": "Annex", "slug": "annex"},
            )
        ),
        "import preview, renumbered": page(
            client.get(reverse("admin:guidance_document_import_preview", args=[draft.pk]))
        ),
        "new dates to confirm": page(client.post(change, settings)),
    }
    assert "would all be 2" in pages["sections, numbers refused"]
    assert "Numbered differently from the file" in pages["import preview, renumbered"]
    assert "Yes, close it now" in pages["new dates to confirm"]
    key = re.search(r'name="confirm_dates" value="([^"]+)"', pages["new dates to confirm"])[1]
    assert client.post(change, {**settings, "confirm_dates": html.unescape(key)}).status_code == 302
    pages["history with its dates"] = page(client.get(reverse("admin:guidance_consultation_history", args=[live.pk])))
    assert "Closed it" in pages["history with its dates"]
    assert html_errors(pages) == {}


def test_the_you_said_we_did_pages_are_valid_html(checker, client):  # noqa: F811
    """The overview with a written "we did" and one refused, and one comment's answer."""
    manager = User.objects.create_user("html-replies", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    consultation = ConsultationFactory()
    section = SectionFactory(document=consultation.document, major=1, title="Scope & aims")
    theme = ThemeFactory(consultation=consultation, name="Pay <and> time")
    comment = CommentFactory(section=section, text="Pay us\n\nwith <b>markup</b> & more")
    decide(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, by=None)
    comment.themes.add(theme)
    replies.write_outcome(consultation, section=section, kind="", text="We *added* <script>x</script>.", by=manager)
    replies.write_outcome(consultation, comment=comment, kind="covered", text="See section 2.", by=manager)

    def write(target, pk, data):
        url = reverse("admin:guidance_consultation_reply_write", args=[consultation.pk, target, pk])
        return client.post(url, {f"{target}-{pk}-{key}": value for key, value in data.items()})

    pages = {
        "overview": page(client.get(reverse("admin:guidance_consultation_replies", args=[consultation.pk]))),
        "overview refused": page(write("theme", theme.pk, {"text": " "}), 400),
        "comment": page(
            client.get(reverse("admin:guidance_consultation_reply_comment", args=[consultation.pk, comment.pk]))
        ),
        "comment refused": page(write("comment", comment.pk, {"kind": "", "text": "x"}), 400),
    }
    assert "Choose what became of it." in pages["overview refused"]
    assert html_errors(pages) == {}


def test_the_next_version_pages_are_valid_html(checker, client):  # noqa: F811
    """Starting a next version (with a refused name, a refused file and a file's preview), and
    where each of its sections comes from (proposed, and with a refused link)."""
    manager = User.objects.create_user("html-versions", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    consultation = ConsultationFactory()
    SectionFactory(document=consultation.document, major=1, title="Sharing of power", body="Everyone owns it & more.")
    SectionFactory(document=consultation.document, major=2, title="Reciprocity <b>", body="Something back.")
    overview = reverse("admin:guidance_consultation_versions", args=[consultation.pk])
    upload = reverse("admin:guidance_consultation_version_import", args=[consultation.pk])
    pages = {
        "next version": page(client.get(overview)),
        "copy refused": page(
            client.post(reverse("admin:guidance_consultation_version_copy", args=[consultation.pk]), {}), 400
        ),
        "import": page(client.get(upload)),
        "import refused": page(
            client.post(upload, {"version_label": "Next", "file": SimpleUploadedFile("d.md", b"No headings.")}), 400
        ),
    }
    client.post(upload, {"version_label": "Next", "file": SimpleUploadedFile("d.md", b"# One\n\n![x](y.png) Text.")})
    pages["import preview"] = page(
        client.get(reverse("admin:guidance_consultation_version_import_preview", args=[consultation.pk]))
    )
    version = versions.copy_version(consultation.document, version_label="Published guidance")
    links = reverse("admin:guidance_consultation_version_links", args=[consultation.pk, version.pk])
    pages["next version waiting"] = page(client.get(overview))
    pages["links proposed"] = page(client.get(links))
    first = version.sections.first()
    pages["links refused"] = page(client.post(links, {"shown": "0", f"from-{first.pk}": ["0"]}), 400)
    pages["new version's sections"] = page(client.get(reverse("admin:guidance_document_sections", args=[version.pk])))
    errors = html_errors(pages)
    assert errors == {}


def test_the_sign_in_pages_are_valid_html(checker, client, settings):  # noqa: F811
    """The password, setting up an authenticator app and entering its code (each also refused),
    the lockout page, and a superuser's pages of authenticator apps."""
    settings.STAFF_TWO_FACTOR = True
    User.objects.create_user("html-signin", password="a-long-enough-password-1", is_staff=True)
    login, code = reverse("admin:login"), reverse("admin:sign_in_code")
    pages = {
        "sign in": page(client.get(login)),
        "sign in refused": page(client.post(login, {"username": "html-signin", "password": "wrong"})),
    }
    client.post(login, {"username": "html-signin", "password": "a-long-enough-password-1"})
    pages["set up an app"] = page(client.get(code))
    pages["set up refused"] = page(client.post(code, {"code": "12"}), 400)
    TOTPDevice.objects.update(confirmed=True)
    pages["enter the code"] = page(client.get(code))
    pages["code refused"] = page(client.post(code, {"code": ""}), 400)
    for _ in range(5):
        response = client.post(login, {"username": "html-signin", "password": "wrong"})
    pages["locked out"] = page(response, 429)
    # Where a superuser resets someone's app: the list of devices, and deleting one.
    settings.STAFF_TWO_FACTOR = False
    client.force_login(User.objects.create_superuser("html-boss", "boss@example.org", "x"))
    pages["devices"] = page(client.get(reverse("admin:otp_totp_totpdevice_changelist")))
    device = TOTPDevice.objects.get()
    pages["delete a device"] = page(client.get(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])))
    pages["a device"] = page(client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])))
    assert device.key not in pages["a device"]
    assert "Set up your authenticator app" in pages["set up an app"]
    assert "Signing in is locked for now" in pages["locked out"]
    assert html_errors(pages) == {}

"""The staff pages in the portal's own look, as each role sees them in a real browser: axe-core
finds no violation, and none of them is wider than a 1,280-pixel window."""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from guidance.analysis.quotes import mark_quotable
from guidance.consultations import versions
from guidance.models import Comment, Document, Report
from guidance.moderation.decisions import decide
from tests.browser.conftest import axe_violations
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, SectionFactory, ThemeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "staff-password-for-tests"
# Each role's permissions, given directly: a transactional test empties the database between
# tests, and with it the groups the migration made (guidance/migrations/0002_roles.py).
ROLES = {
    "moderator": [
        "view_consultation",
        "view_document",
        "view_section",
        "view_question",
        "view_response",
        "view_comment",
        "moderate_comment",
        "view_moderationevent",
        "view_report",
        "view_theme",
    ],
    "analyst": [
        "view_consultation",
        "view_comment",
        "change_comment",
        "view_theme",
        "add_theme",
        "export_responses",
        "view_response",
        "view_outcome",
    ],
    "manager": [
        "view_consultation",
        "change_consultation",
        "view_question",
        "change_question",
        "add_question",
        "view_outcome",
        "add_outcome",
        "change_outcome",
        "delete_outcome",
        "view_document",
        "view_comment",
        "view_response",
        "view_personal_data",
        "export_responses",
        "add_response",
        "add_comment",
        "add_document",
        "add_section",
        "change_section",
    ],
}


@pytest.fixture
def consultation(db):
    consultation = ConsultationFactory(title="Draft guidance on co-producing research: have your say")
    section = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    for position in range(1, 7):
        QuestionFactory(
            consultation=consultation, position=position, text="Does this draft guidance capture the key principles?"
        )
    ThemeFactory(consultation=consultation, name="Payment")
    SectionFactory(document=consultation.document, major=2, title="Building relationships", body="Take time. " * 20)
    versions.copy_version(consultation.document, version_label="Published guidance")
    comments = [CommentFactory(section=section, text=f"Comment {n}: pay people for their time. " * 8) for n in range(6)]
    decide(Comment.objects.filter(pk=comments[0].pk), Comment.Status.APPROVED, by=None)
    Report.objects.create(comment=comments[0], reason=Report.Reason.OFFENSIVE)
    mark_quotable(Comment.objects.filter(pk=comments[0].pk), by=None)
    return consultation


def signed_in(page, live_server, role):
    user = User.objects.create_user(role, password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="guidance", codename__in=ROLES[role]))
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", role)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))


def pages(consultation, role):
    comment = consultation.comments.order_by("pk").last()
    urls = [
        reverse("admin:index"),
        reverse("admin:guidance_comment_changelist") + f"?consultation__id__exact={consultation.pk}",
        reverse("admin:guidance_comment_change", args=[comment.pk]),
        reverse("admin:guidance_consultation_change", args=[consultation.pk]),
        reverse("admin:guidance_consultation_dashboard", args=[consultation.pk]),
        reverse("admin:guidance_consultation_quotes", args=[consultation.pk]),
    ]
    if role != "moderator":
        urls.append(reverse("admin:guidance_consultation_export", args=[consultation.pk]))
        answered = consultation.comments.order_by("pk").first()
        urls.append(reverse("admin:guidance_consultation_replies", args=[consultation.pk]))
        urls.append(reverse("admin:guidance_consultation_reply_comment", args=[consultation.pk, answered.pk]))
    if role == "manager":
        urls.append(reverse("admin:guidance_consultation_import", args=[consultation.pk]))
    if role != "analyst":
        version = Document.objects.get(revises=consultation.document)
        urls.append(reverse("admin:guidance_consultation_versions", args=[consultation.pk]))
        urls.append(reverse("admin:guidance_consultation_version_links", args=[consultation.pk, version.pk]))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_page_a_role_opens_passes_axe_and_fits_the_window(page, live_server, consultation, role):
    signed_in(page, live_server, role)
    for url in pages(consultation, role):
        page.goto(live_server.url + url)
        assert page.title(), url
        assert axe_violations(page) == [], url
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, url


def test_the_reject_page_from_the_queue_passes_axe_and_says_what_is_wrong(page, live_server, consultation):
    signed_in(page, live_server, "moderator")
    page.goto(live_server.url + reverse("admin:guidance_comment_changelist"))
    page.check("input[name=_selected_action] >> nth=0")
    page.select_option("select[name=action]", "reject")
    page.click("button[name=index]")
    assert page.locator("h1").inner_text().startswith("Reject 1 comment")
    assert axe_violations(page) == []
    page.click("button.default")  # no reason chosen
    assert "Nothing was changed yet" in page.inner_text(".errornote")
    assert axe_violations(page) == []


def test_a_we_did_is_written_and_a_refused_one_says_what_is_wrong_and_passes_axe(page, live_server, consultation):
    signed_in(page, live_server, "manager")
    section, theme = consultation.document.sections.get(major=1), consultation.themes.get()
    page.goto(live_server.url + reverse("admin:guidance_consultation_replies", args=[consultation.pk]))
    page.fill(f"#id_section-{section.pk}-text", "We added a paragraph on *payment*.")
    page.click("input[type=submit][value=Save]")
    assert "Saved what we did about section 1, Reciprocity." in page.inner_text(".messagelist")
    assert "We added a paragraph on payment." in page.inner_text(f"#section-{section.pk}")
    page.fill(f"#id_theme-{theme.pk}-text", "Words without a kind.")
    page.click("input[type=submit][value=Save]")
    summary = page.inner_text("#error-summary")
    assert "Nothing was saved" in summary and "Choose what became of it." in summary
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_the_links_page_passes_axe_with_its_proposal_a_refusal_and_its_folded_sections_open(
    page, live_server, consultation
):
    """Where each section comes from, as a manager: the proposal ticked, the error summary when
    the sections changed meanwhile, then confirmed on sending again."""
    signed_in(page, live_server, "manager")
    version = Document.objects.get(revises=consultation.document)
    page.goto(
        live_server.url + reverse("admin:guidance_consultation_version_links", args=[consultation.pk, version.pk])
    )
    first = version.sections.get(major=1)
    assert page.is_checked(f"#from-{first.pk}-{consultation.document.sections.get(major=1).pk}")
    page.locator("summary").first.click()
    assert axe_violations(page) == []
    page.evaluate("document.querySelector('input[name=shown]').value = '0'")
    page.click("input[type=submit].default")
    assert "Nothing was saved" in page.inner_text(".errornote")
    assert axe_violations(page) == []
    page.click("input[type=submit].default")
    assert "Confirmed where each of the 2 sections" in page.inner_text(".messagelist")
    assert axe_violations(page) == []


def test_setting_up_an_authenticator_app_and_signing_in_with_its_code_passes_axe(page, live_server, settings):
    """With STAFF_TWO_FACTOR on, in the browser: the sign-in page, setting up an app (its QR code
    inline, under the strict Content-Security-Policy), a refused code, then the code page at the
    next sign-in. axe finds nothing, nothing is wider than the window, the policy blocks nothing."""
    settings.STAFF_TWO_FACTOR = True
    User.objects.create_user("two-factor", password=PASSWORD, is_staff=True)
    csp_violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and csp_violations.append(message))

    def checked():
        assert axe_violations(page) == [], page.url
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, page.url

    def password():
        page.goto(live_server.url + reverse("admin:login"))
        checked()
        page.fill("#id_username", "two-factor")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + reverse("admin:sign_in_code"))

    password()
    assert page.locator("h1").inner_text() == "Set up your authenticator app"
    assert page.locator("svg.qr-code").bounding_box()["width"] > 150
    checked()
    page.fill("#id_code", "12")
    page.click("input[type=submit]")
    assert "Enter the 6 digits" in page.inner_text(".errornote")
    checked()
    device = TOTPDevice.objects.get()
    page.fill("#id_code", f"{totp(device.bin_key):06d}")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))
    page.click("#logout-form button")
    TOTPDevice.objects.update(last_t=-1)  # the same 30 seconds' code may be used again
    password()
    assert page.locator("h1").inner_text() == "Enter the code from your authenticator app"
    checked()
    page.fill("#id_code", f"{totp(device.bin_key):06d}")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))
    assert csp_violations == []


def test_suggesting_accepting_and_reviewing_themes_passes_axe_without_javascript_needed(
    page, live_server, consultation
):
    """An analyst asks for suggested themes, accepts one under a name of their own, then reviews the
    comments it is suggested for: every page, and the refused name, passes axe."""
    section = consultation.document.sections.get(major=1)
    words = ["Pay people for their time", "Training for researchers", "Meetings in accessible rooms"]
    extra = [CommentFactory(section=section, text=f"{words[n % 3]}, point {n}") for n in range(9)]
    Comment.objects.filter(pk__in=[c.pk for c in extra]).update(status=Comment.Status.APPROVED)
    signed_in(page, live_server, "analyst")
    page.goto(live_server.url + reverse("admin:guidance_consultation_themes", args=[consultation.pk]))
    assert axe_violations(page) == []
    page.fill("#id_count", "3")
    page.click("text=Suggest themes >> nth=-1")
    page.wait_for_selector("text=Representative comments")
    assert axe_violations(page) == []
    page.fill("#name-1", "Payment")  # taken: refused, with the error beside the field
    page.click("input[value^='Accept'] >> nth=0")
    page.wait_for_selector("text=already has a theme called")
    assert axe_violations(page) == []
    page.fill("#name-1", "Suggested one")
    page.click("input[value^='Accept'] >> nth=0")
    page.wait_for_selector("text=Waiting for review")
    assert axe_violations(page) == []
    page.check("input[name=comments] >> nth=0")
    page.click("button[value=confirm]")
    page.wait_for_selector("text=1 comment(s) coded with")
    assert axe_violations(page) == []

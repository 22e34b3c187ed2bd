"""Writing and publishing the outcome in a real browser: a manager types in two blocks of "You
said, we did" and one Save keeps both; leaving with unsaved words asks first (static/staff/unsaved.js,
under the strict Content-Security-Policy), saving does not; the pages on the way (the overview, a
refusal, a comment's answer, the Publish page and the outcome's preview) pass axe-core and fit the
window."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from guidance.consultations import versions
from guidance.models import Comment, Outcome, Response
from guidance.moderation.decisions import decide
from guidance.outcomes import replies
from tests.browser.conftest import axe_violations
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, SectionFactory, ThemeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "staff-password-for-tests"
MANAGER = [
    "view_consultation",
    "view_outcome",
    "add_outcome",
    "change_outcome",
    "delete_outcome",
    "publish_consultation",
    "view_comment",
    "view_document",
]


@pytest.fixture
def closed_with_comments(db):
    now = timezone.now()
    consultation = ConsultationFactory(
        title="Co-producing research",
        opens_at=now - datetime.timedelta(days=30),
        closes_at=now - datetime.timedelta(days=1),
    )
    first = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    SectionFactory(document=consultation.document, major=2, title="Sharing power", slug="sharing-power")
    QuestionFactory(consultation=consultation, position=1, text="Does this capture the key principles?")
    ThemeFactory(consultation=consultation, name="Payment")
    comment = CommentFactory(section=first, text="Pay people for their time.")
    decide(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, by=None)
    Response.objects.filter(pk=comment.response_id).update(email="ann@example.org", notify=True)
    version = versions.copy_version(consultation.document, version_label="Published guidance")
    later = {section.major: section for section in version.sections.all()}
    versions.confirm_links(
        version,
        {later[section.major].pk: [section.pk] for section in consultation.document.sections.all()},
        by=None,
    )
    return consultation


def signed_in(page, live_server):
    user = User.objects.create_user("manager", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="guidance", codename__in=MANAGER))
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))


def checked(page):
    assert axe_violations(page) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280, page.url


def test_words_typed_in_two_blocks_are_both_kept_after_one_save(page, live_server, closed_with_comments):
    signed_in(page, live_server)
    first, second = closed_with_comments.document.sections.order_by("major")
    page.goto(live_server.url + reverse("admin:guidance_consultation_replies", args=[closed_with_comments.pk]))
    checked(page)
    page.fill(f"#id_section-{first.pk}-text", "We now say *fairly*.")
    page.check(f"#section-{first.pk} input[value=changed]")
    page.fill(f"#id_section-{second.pk}-text", "We kept it as it was.")
    page.click("input[type=submit][value=Save]")
    page.wait_for_selector(".messagelist")
    assert "Saved what we did about section 1, Reciprocity; section 2, Sharing power." in page.inner_text(
        ".messagelist"
    )
    assert "We now say fairly." in page.inner_text(f"#section-{first.pk}")
    assert "We kept it as it was." in page.inner_text(f"#section-{second.pk}")
    assert Outcome.objects.get(section=first).text == "We now say *fairly*."
    assert Outcome.objects.get(section=second).text == "We kept it as it was."
    checked(page)


def test_a_refusal_keeps_what_was_typed_and_passes_axe(page, live_server, closed_with_comments):
    signed_in(page, live_server)
    first = closed_with_comments.document.sections.get(major=1)
    theme = closed_with_comments.themes.get()
    page.goto(live_server.url + reverse("admin:guidance_consultation_replies", args=[closed_with_comments.pk]))
    page.fill(f"#id_section-{first.pk}-text", "Kept while refused.")
    page.fill(f"#id_theme-{theme.pk}-text", "No kind chosen.")
    page.click("input[type=submit][value=Save]")
    summary = page.inner_text("#error-summary")
    assert "Nothing was saved" in summary and "Choose what became of it." in summary
    assert page.input_value(f"#id_section-{first.pk}-text") == "Kept while refused."
    assert not Outcome.objects.exists()
    checked(page)


def test_leaving_with_unsaved_words_asks_first_and_saving_does_not(page, live_server, closed_with_comments):
    csp_violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and csp_violations.append(message))
    signed_in(page, live_server)
    first = closed_with_comments.document.sections.get(major=1)
    url = live_server.url + reverse("admin:guidance_consultation_replies", args=[closed_with_comments.pk])
    page.goto(url)
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.click(f"#id_section-{first.pk}-text")
    page.keyboard.type("Half written.")
    page.click(".consultation-nav >> text=Settings", no_wait_after=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url == url and page.input_value(f"#id_section-{first.pk}-text") == "Half written."

    page.click("input[type=submit][value=Save]")
    page.wait_for_selector(".messagelist")
    assert asked == ["beforeunload"]  # saving asked nothing
    assert Outcome.objects.get().text == "Half written."
    assert csp_violations == []


def test_the_answer_to_a_comment_the_publish_page_and_the_preview_pass_axe(page, live_server, closed_with_comments):
    signed_in(page, live_server)
    replies.write_overall_outcome(closed_with_comments, text="We heard **you** and rewrote the guidance.")
    comment = Comment.objects.get()
    replies.write_outcome(
        closed_with_comments, section=comment.section, kind="changed", text="We now say fairly.", by=None
    )
    page.goto(
        live_server.url
        + reverse("admin:guidance_consultation_reply_comment", args=[closed_with_comments.pk, comment.pk])
    )
    checked(page)
    page.goto(live_server.url + reverse("admin:guidance_consultation_publish", args=[closed_with_comments.pk]))
    assert "1 person will be emailed" in page.inner_text("#outcome-emails")
    checked(page)
    page.click("text=Preview the consultation's page with its outcome")
    assert "We heard you and rewrote the guidance." in page.inner_text("main")
    checked(page)
    page.click("text=See what changed in the new version")
    assert page.locator("h1").inner_text() == "What changed"
    assert "We now say fairly." in page.inner_text("main")
    checked(page)

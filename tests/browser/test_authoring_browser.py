"""From a Word document to a published consultation, by a consultation manager in the admin
without code, then answered by the public with JavaScript and without; and axe-core on every new
public page, its error states and the staff pages on the way."""

import datetime
import io
import re

import docx
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from guidance.consultations import previews, supporting
from guidance.models import Comment, Consultation, Document, PreviewLink, Question
from guidance.responses import answers
from tests.browser.conftest import axe_violations, open_page
from tests.factories import ConsultationFactory, QuestionFactory, SectionFactory, pdf

pytestmark = pytest.mark.browser
PASSWORD = "manager-password-for-tests"
PDF = pdf()


def word_draft(path):
    document = docx.Document()
    document.add_paragraph("Guidance on paying public partners", style="Title")
    document.add_heading("Why pay people", level=1)
    document.add_paragraph("Public partners give their time and expertise.")
    document.add_heading("Principles", level=1)
    document.add_heading("Pay fairly", level=2)
    document.add_paragraph("Pay at the same rate as others in the team.")
    document.add_heading("Pay promptly", level=2)
    document.add_paragraph("Pay within two weeks.")
    data = io.BytesIO()
    document.save(data)
    path.write_bytes(data.getvalue())
    return path


def sign_in(page, live_server):
    User.objects.create_superuser("manager", password=PASSWORD)
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))


def check_axe(page, failures, name):
    violations = axe_violations(page)
    if violations:
        failures[name] = violations


def test_a_manager_goes_from_a_word_document_to_a_published_consultation_answered_with_and_without_javascript(
    page, browser, live_server, transactional_db, tmp_path
):
    failures = {}
    sign_in(page, live_server)

    # The document, then its sections from the Word file: checked before anything is saved.
    page.goto(live_server.url + reverse("admin:guidance_document_add"))
    page.get_by_label("Title:").fill("Guidance on paying public partners")
    page.get_by_label("Slug:").fill("paying-public-partners")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("This document has no sections yet.")).to_be_visible()
    page.get_by_role("link", name="Import the draft").first.click()
    check_axe(page, failures, "import")
    (tmp_path / "notes.md").write_text("Some notes without a single heading.")
    page.set_input_files("#id_file", str(tmp_path / "notes.md"))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("Nothing was imported. The file has no headings")).to_be_visible()
    check_axe(page, failures, "import refused")
    page.set_input_files("#id_file", str(word_draft(tmp_path / "paying.docx")))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("makes 3 sections")).to_be_visible()
    check_axe(page, failures, "import preview")
    assert not Document.objects.get().sections.exists()
    page.get_by_role("button", name="Save 3 sections").click()
    expect(page.get_by_text("Saved 3 sections from paying.docx.")).to_be_visible()
    check_axe(page, failures, "sections")
    page.get_by_role("link", name="Preview section 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay fairly")
    expect(page.get_by_text("Section 2: Principles")).to_be_visible()
    check_axe(page, failures, "section preview")
    sections = Document.objects.get().sections.all()
    assert [(s.number, s.part, s.title) for s in sections] == [
        ("1", "", "Why pay people"),
        ("2", "Principles", "Pay fairly"),
        ("3", "Principles", "Pay promptly"),
    ]

    # The consultation, with a choice question; it is saved as a draft.
    page.goto(live_server.url + reverse("admin:guidance_consultation_add"))
    page.get_by_label("Document:").select_option(label="Guidance on paying public partners")
    page.get_by_label("Title:").fill("Paying public partners: have your say")
    page.get_by_label("Slug:").fill("paying-public-partners")
    page.get_by_label("Organisation:").fill("Example Research Network")
    page.get_by_label("Summary:").fill("We want to know whether our guidance on payment is right.")
    today = timezone.localdate()
    page.locator("#id_opens_at_0").fill(today.strftime("%d/%m/%Y"))
    page.locator("#id_opens_at_1").fill("00:00:00")
    page.locator("#id_closes_at_0").fill((today + datetime.timedelta(days=28)).strftime("%d/%m/%Y"))
    page.locator("#id_closes_at_1").fill("23:59:00")
    page.locator("#questions-group .add-row a").click()
    page.locator("#id_questions-0-position").fill("1")
    page.locator("#id_questions-0-text").fill("Is the guidance on payment right?")
    page.locator("#id_questions-0-kind").select_option(label="One choice (radio buttons)")
    page.locator("#id_questions-0-option_lines").fill("Yes\nPartly\nNo")
    page.locator("#id_questions-0-explain_label").fill("Please explain")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("is saved as a draft")).to_be_visible()
    consultation = Consultation.objects.get()
    assert consultation.is_draft
    assert list(consultation.questions.get().options.values_list("label", flat=True)) == ["Yes", "Partly", "No"]

    # A supporting PDF, checked by its content.
    nav = page.get_by_role("navigation", name="Pages of this consultation")
    nav.get_by_role("link", name="Documents").click()
    page.get_by_label("Title:").fill("Full draft")
    page.set_input_files("#id_file", files=[{"name": "draft.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Add the document").click()
    expect(page.get_by_text("Added “Full draft” (PDF")).to_be_visible()
    check_axe(page, failures, "documents")

    # Publishing: it opened at midnight, in the past, so it asks for confirmation.
    nav.get_by_role("link", name="Publish").click()
    expect(page.get_by_text("Its opening date is in the past")).to_be_visible()
    check_axe(page, failures, "publish")
    page.get_by_role("button", name="Publish the consultation").click()
    expect(page.get_by_text("Tick the box to confirm")).to_be_visible()
    check_axe(page, failures, "publish not confirmed")
    page.get_by_label("I have read the warnings above and want to publish it anyway").check()
    page.get_by_role("button", name="Publish the consultation").click()
    expect(page.get_by_text("is published.")).to_be_visible()
    consultation.refresh_from_db()
    assert consultation.is_public

    # A respondent with JavaScript.
    public = open_page(browser)
    public.goto(live_server.url)
    public.get_by_role("link", name="Paying public partners: have your say").click()
    expect(public.get_by_role("link", name="Full draft")).to_be_visible()
    expect(public.get_by_text("(PDF, 414 bytes)")).to_be_visible()
    check_axe(public, failures, "overview with a document")
    public.get_by_role("button", name="Answer the questions").click()
    public.get_by_role("radio", name="Partly").check()
    public.get_by_label(re.compile(r"Please explain")).fill("Say how to pay people on benefits.")
    answer_details(public)
    public.get_by_role("button", name="Send answers").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Answers sent")

    # And one without.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(live_server.url + reverse("guidance:questions", args=[consultation.slug]))
    plain.get_by_role("button", name="Send answers").click()
    expect(plain.locator(".govuk-error-summary")).to_be_visible()
    plain.get_by_role("radio", name="No", exact=True).check()
    answer_details(plain)
    plain.get_by_role("button", name="Send answers").click()
    expect(plain.get_by_role("heading", level=1)).to_have_text("Answers sent")
    context.close()
    public.context.close()

    chosen = {
        comment.options.get().label: comment.text
        for comment in Comment.objects.filter(question__consultation=consultation)
    }
    assert chosen == {"Partly": "Say how to pay people on benefits.", "No": ""}
    assert failures == {}


def answer_details(page):
    page.get_by_role("radio", name="Carer", exact=True).check()
    page.get_by_role("radio", name="Publish without my name").check()
    page.get_by_label("I agree to my response being used as the privacy notice describes").check()


@pytest.fixture
def previewed_draft(transactional_db):
    now = timezone.now()
    draft = ConsultationFactory(
        title="A draft to preview",
        publication=Consultation.Publication.DRAFT,
        opens_at=now + datetime.timedelta(days=7),
        closes_at=now + datetime.timedelta(days=40),
    )
    draft.document.source_url = "https://www.example.org/original"
    draft.document.save()
    SectionFactory(document=draft.document, major=1, slug="payment", title="Payment", part="Key principles")
    one = QuestionFactory(consultation=draft, position=1, kind=Question.Kind.ONE_CHOICE, explain_label="Please explain")
    answers.set_options(one, ["Yes", "Partly", "No"], offers_other=True)
    several = QuestionFactory(consultation=draft, position=2, kind=Question.Kind.SEVERAL_CHOICES, required=True)
    answers.set_options(several, ["Principles", "Features"])
    scale = QuestionFactory(consultation=draft, position=3, kind=Question.Kind.AGREEMENT)
    answers.set_options(scale)
    supporting.attach(draft, "Easy read version", SimpleUploadedFile("e.txt", b"Easy words."), by=None)
    return draft


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_a_colleague_previews_a_draft_and_every_page_and_error_state_passes_axe(
    browser, live_server, previewed_draft, javascript
):
    draft = previewed_draft
    link = previews.make_link(draft, by=None)
    page = open_page(browser, java_script_enabled=javascript)
    context = page.context
    failures = {}

    def check_axe(page, failures, name):
        # axe runs as a script in the page, so only where scripts run; the pages are the same.
        if javascript:
            violations = axe_violations(page)
            if violations:
                failures[name] = violations

    page.goto(live_server.url + reverse("guidance:preview_link", args=[draft.slug, previews.token_for(link)]))
    expect(page).to_have_title(re.compile(r"^Preview: A draft to preview"))
    expect(page.locator(".portal-preview-banner")).to_contain_text("Nothing you send from these pages is stored")
    check_axe(page, failures, "overview")
    page.get_by_role("link", name=re.compile(r"^\d+\. Payment$")).click()
    expect(page.locator(".portal-preview-banner")).to_be_visible()
    check_axe(page, failures, "section")
    page.goto(live_server.url + reverse("guidance:questions", args=[draft.slug]))
    check_axe(page, failures, "questions")
    page.get_by_role("group", name=re.compile(r"^Q1\.")).get_by_role("radio", name="Other").check()
    page.get_by_role("button", name="Send answers").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say what your other answer is")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose at least one answer to question 2")
    check_axe(page, failures, "questions with errors")
    page.get_by_role("link", name="Choose at least one answer to question 2").click()
    page.get_by_role("checkbox", name="Features").check()
    page.get_by_label(re.compile(r"If you chose “Other”")).fill("Somewhere in between")
    page.get_by_role("radio", name="Strongly disagree").check()
    answer_details(page)
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_text("As this is a preview, nothing was sent or stored.")).to_be_visible()
    check_axe(page, failures, "questions checked in a preview")
    assert not Comment.objects.exists()

    PreviewLink.objects.update(revoked_at=timezone.now())
    page.goto(live_server.url + draft.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("This preview link does not work")
    expect(page.get_by_text("This preview link has been withdrawn.")).to_be_visible()
    check_axe(page, failures, "withdrawn")
    page.goto(live_server.url + reverse("guidance:preview_link", args=[draft.slug, "not-a-link"]))
    check_axe(page, failures, "broken link")
    context.close()
    assert failures == {}


def test_a_published_consultations_choices_pass_axe_on_the_published_answers_and_the_outcome(
    page, live_server, previewed_draft
):
    draft = previewed_draft
    draft.publication = Consultation.Publication.OUTCOME_PUBLISHED
    draft.opens_at = timezone.now() - datetime.timedelta(days=40)
    draft.closes_at = timezone.now() - datetime.timedelta(days=1)
    draft.outcome = "We heard you."
    draft.save()
    question = draft.questions.first()
    comment = Comment.objects.create(
        response=draft.responses.create(respondent_type="carer", consent="anonymous"),
        consultation=draft,
        question=question,
        text="Because.",
        status=Comment.Status.APPROVED,
    )
    comment.options.set([question.options.get(label="Partly")])
    failures = {}
    page.goto(live_server.url + reverse("guidance:published", args=[draft.slug]))
    expect(page.get_by_text("Answer: Partly")).to_be_visible()
    check_axe(page, failures, "published answers")
    page.goto(live_server.url + draft.get_absolute_url())
    expect(page.get_by_text("How people answered the choice questions")).to_be_visible()
    check_axe(page, failures, "outcome with choices")
    assert failures == {}

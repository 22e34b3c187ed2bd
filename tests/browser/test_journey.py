"""A person walks the respondent journey in a real browser, and axe checks every page."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from guidance.models import Comment, Outcome, Response
from tests.browser.conftest import axe_violations
from tests.factories import CommentFactory

pytestmark = pytest.mark.browser


def fill_details(page, *, agree=True):
    page.get_by_label("Your name (optional)").fill("Ann Smith")
    page.get_by_label("Email address (optional)").fill("ann@example.org")
    page.get_by_role("radio", name="Carer", exact=True).check()
    page.get_by_role("radio", name="Publish without my name").check()
    if agree:
        page.get_by_label("I agree to my response being used as the privacy notice describes").check()


def test_a_person_comments_on_a_section_fixing_a_mistake_on_the_way(page, live_server, demo):
    page.goto(live_server.url)
    page.get_by_role("link", name=demo.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.title)
    page.get_by_role("link", name="5. Reciprocity").click()
    expect(page).to_have_title(re.compile(r"^Reciprocity – Draft guidance on co-producing research – "))

    # First try: no comment and the privacy box left unticked.
    fill_details(page, agree=False)
    page.get_by_role("button", name="Send comment").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Reciprocity"))
    link = summary.get_by_role("link", name="Enter your comment")
    expect(link).to_have_attribute("href", "#id_comment")
    link.click()
    expect(page.locator("#id_comment")).to_be_focused()
    assert Response.objects.count() == 0

    # The details typed in the first try are still there.
    expect(page.get_by_label("Your name (optional)")).to_have_value("Ann Smith")
    page.locator("#id_comment").fill("Payment should be planned from the start.")
    page.get_by_label("I agree to my response being used as the privacy notice describes").check()
    page.get_by_role("button", name="Send comment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Comment sent")
    response = Response.objects.get()
    expect(page.locator(".portal-reference")).to_have_text(response.reference)
    comment = response.comments.get()
    assert comment.text == "Payment should be planned from the start."
    assert comment.status == Comment.Status.PENDING


def test_a_person_answers_two_of_the_six_questions(page, live_server, demo):
    page.goto(live_server.url + demo.get_absolute_url())
    page.get_by_role("button", name="Answer the questions").click()
    expect(page.locator("textarea")).to_have_count(6)
    page.get_by_role("textbox", name=re.compile(r"Q2\. ")).fill("Funding rules and short contracts.")
    page.get_by_role("textbox", name=re.compile(r"Q5\. ")).fill("Research that misses what matters to patients.")
    fill_details(page)
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Answers sent")
    response = Response.objects.get()
    assert sorted(c.question.position for c in response.comments.select_related("question")) == [2, 5]
    expect(page.locator(".portal-reference")).to_have_text(response.reference)


def test_the_journey_works_with_javascript_off(browser, live_server, demo):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    section = live_server.url + "/consultations/co-producing-research/draft/reciprocity/"
    page.goto(section)
    page.get_by_role("button", name="Send comment").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.locator("#id_comment").fill("Works without JavaScript.")
    fill_details(page)
    # The organisation's name, revealed with JavaScript, is simply there without it.
    page.get_by_role("radio", name="On behalf of an organisation").check()
    page.get_by_label("Name of your organisation").fill("National Carers Network")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment sent")
    assert Comment.objects.get().text == "Works without JavaScript."
    assert Response.objects.get().organisation == "National Carers Network"

    # Coming back: the summary, and "Change your details" opens without JavaScript too.
    page.goto(section)
    page.get_by_text("Change your details").click()
    page.get_by_label("Your name (optional)").fill("Ann B. Smith")
    page.locator("#id_comment").fill("A second comment.")
    page.get_by_role("button", name="Send comment").click()
    # A changed name on a shared browser might be someone else: the page asks, keeping the words.
    expect(page.locator(".govuk-error-summary")).to_contain_text("the person whose details were shown")
    expect(page.locator("#id_comment")).to_have_value("A second comment.")
    page.get_by_role("radio", name="Yes, I am changing my own details").check()
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment sent")
    assert Response.objects.get(comments__text="A second comment.").name == "Ann B. Smith"
    context.close()


def test_the_axe_check_finds_a_real_violation(page):
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><img src="x.png"></main></body></html>')
    assert any(v.startswith("image-alt") for v in axe_violations(page))


def test_the_axe_check_lets_through_only_govuk_frontends_aria_expanded_on_a_revealing_radio(page):
    def radio(attributes):
        return f'<input type="radio" name="r" id="r" class="govuk-radios__input" {attributes}><label for="r">R</label>'

    head = '<html lang="en"><head><title>t</title></head><body><main><h1>Form</h1>'
    page.set_content(head + radio('aria-expanded="true"') + "</main></body></html>")
    assert axe_violations(page) == []
    page.set_content(head + radio('aria-expanded="true" aria-selected="true"') + "</main></body></html>")
    assert any(v.startswith("aria-allowed-attr") for v in axe_violations(page))
    page.set_content(head + radio('aria-expanded="true"').replace("govuk-radios__input", "x") + "</main></body></html>")
    assert any(v.startswith("aria-allowed-attr") for v in axe_violations(page))


PUBLIC_PAGES = [
    "/",
    "/consultations/co-producing-research/",
    "/consultations/co-producing-research/draft/",
    "/consultations/co-producing-research/draft/reciprocity/",
    "/consultations/co-producing-research/draft/introduction/",
    "/consultations/co-producing-research/questions/",
    "/consultations/co-producing-research/responses/",
    "/privacy/",
    "/accessibility/",
    "/consultations/no-such-consultation/",
]


def test_every_public_page_passes_axe(page, live_server, demo):
    # Some published comments, so the pages show them too.
    page.goto(live_server.url + "/consultations/co-producing-research/draft/reciprocity/")
    page.locator("#id_comment").fill("A published comment <b>with markup</b>.")
    fill_details(page)
    page.get_by_role("button", name="Send comment").click()
    Comment.objects.update(status=Comment.Status.APPROVED)
    report_form = reverse("guidance:report_comment", args=[Comment.objects.get().pk])
    failures = {}
    for path in [*PUBLIC_PAGES, report_form, "/consultations/co-producing-research/sent/", "/comments/reported/"]:
        if path == "/comments/reported/":
            page.goto(live_server.url + report_form)
            page.get_by_role("radio", name="It is off topic").check()
            page.get_by_role("button", name="Send report").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Report sent")
        elif path.endswith("/sent/"):
            # A second comment: the details are remembered, and the privacy notice agreed.
            page.goto(live_server.url + "/consultations/co-producing-research/draft/reciprocity/")
            page.locator("#id_comment").fill("Another comment.")
            page.get_by_role("button", name="Send comment").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Comment sent")
        else:
            page.goto(live_server.url + path)
        violations = axe_violations(page)
        if violations:
            failures[path] = violations
    # What a returning respondent sees: their details as a summary, folded and then unfolded.
    for path in ["/consultations/co-producing-research/questions/", "/consultations/co-producing-research/draft/"]:
        page.goto(live_server.url + path)
        if path.endswith("/draft/"):
            page.get_by_role("link", name="Comment on section 5").click()
        expect(page.get_by_text("We will send these details with your response")).to_be_visible()
        violations = axe_violations(page)
        page.get_by_text("Change your details").click()
        expect(page.get_by_label("Your name (optional)")).to_be_visible()
        violations += axe_violations(page)
        if violations:
            failures[path + " (returning)"] = violations
    assert failures == {}


def test_the_organisation_name_is_asked_only_of_someone_responding_for_one(page, live_server, demo):
    page.goto(live_server.url + "/consultations/co-producing-research/draft/reciprocity/")
    organisation = page.get_by_label("Name of your organisation")
    expect(organisation).to_be_hidden()
    page.get_by_role("radio", name="On behalf of an organisation").check()
    expect(organisation).to_be_visible()
    page.get_by_role("radio", name="Carer", exact=True).check()
    expect(organisation).to_be_hidden()
    page.get_by_role("radio", name="On behalf of an organisation").check()
    organisation.fill("National Carers Network")
    page.locator("#id_comment").fill("From a network of carers.")
    page.get_by_role("radio", name="Publish without my name").check()
    page.get_by_label("I agree to my response being used as the privacy notice describes").check()
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment sent")
    assert Response.objects.get().organisation == "National Carers Network"


def test_a_returning_respondent_changes_their_details_from_the_summary(page, live_server, demo):
    section = live_server.url + "/consultations/co-producing-research/draft/reciprocity/"
    page.goto(section)
    page.locator("#id_comment").fill("First.")
    fill_details(page)
    page.get_by_role("button", name="Send comment").click()

    page.goto(section)
    expect(page.get_by_label("Your name (optional)")).to_be_hidden()
    expect(page.get_by_text("You agreed to the privacy notice with your last response")).to_be_visible()
    page.locator("#id_comment").fill("Second, as a researcher.")
    page.get_by_text("Change your details").click()
    page.get_by_role("radio", name="Researcher").check()
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment sent")
    second = Response.objects.get(comments__text="Second, as a researcher.")
    assert (second.name, second.respondent_type) == ("Ann Smith", "researcher")


def test_breadcrumbs_take_at_most_two_lines_on_a_phone(phone_page, live_server, demo):
    phone_page.goto(live_server.url + "/consultations/co-producing-research/draft/reciprocity/")
    lines = phone_page.evaluate(
        """() => {
            const trail = document.querySelector(".govuk-breadcrumbs__list");
            const item = trail.querySelector(".govuk-breadcrumbs__list-item");
            return trail.getBoundingClientRect().height / parseFloat(getComputedStyle(item).lineHeight);
        }"""
    )
    assert 1 < lines <= 2.1


def test_form_error_states_pass_axe(page, live_server, demo):
    failures = {}
    # The report form, sent without a reason.
    comment = CommentFactory(section=demo.document.sections.get(slug="reciprocity"), text="A published comment.")
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.APPROVED)
    page.goto(live_server.url + reverse("guidance:report_comment", args=[comment.pk]))
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Report a comment"))
    violations = axe_violations(page)
    if violations:
        failures["report form"] = violations
    for path, button in [
        ("/consultations/co-producing-research/draft/reciprocity/", "Send comment"),
        ("/consultations/co-producing-research/questions/", "Send answers"),
    ]:
        page.goto(live_server.url + path)
        page.get_by_role("button", name=button).click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        violations = axe_violations(page)
        if violations:
            failures[path] = violations
        # And the organisation error, which appears only on its own.
        page.get_by_role("radio", name="On behalf of an organisation").check()
        page.get_by_role("button", name=button).click()
        expect(page.get_by_text("Enter the name of the organisation you are responding for").first).to_be_visible()
        violations = axe_violations(page)
        if violations:
            failures[path + " (organisation)"] = violations
    assert failures == {}


def test_a_closed_consultation_shows_a_message_instead_of_the_form_and_passes_axe(page, live_server, demo):
    demo.opens_at = timezone.now() - datetime.timedelta(days=60)
    demo.closes_at = timezone.now() - datetime.timedelta(days=1)
    # The outcome, on the overview, a section and the published responses, is checked too.
    demo.outcome = "We heard that **payment** matters, so we added [a section](#contents) on it."
    demo.publication = demo.Publication.OUTCOME_PUBLISHED
    demo.save()
    reciprocity = demo.document.sections.get(slug="reciprocity")
    Outcome.objects.create(consultation=demo, section=reciprocity, text="We *rewrote* this section.")
    comment = CommentFactory(section=reciprocity)
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.APPROVED)
    failures = {}
    page.goto(live_server.url + "/consultations/co-producing-research/responses/")
    expect(page.get_by_text("We rewrote this section.")).to_be_visible()
    violations = axe_violations(page)
    if violations:
        failures["published responses with an outcome"] = violations
    for path in [
        "/consultations/co-producing-research/",
        "/consultations/co-producing-research/draft/reciprocity/",
        "/consultations/co-producing-research/questions/",
    ]:
        page.goto(live_server.url + path)
        expect(page.get_by_text("This consultation closed at").first).to_be_visible()
        expect(page.locator("form")).to_have_count(0)
        violations = axe_violations(page)
        if violations:
            failures[path] = violations
    assert failures == {}

"""In a real browser, the Content Security Policy blocks nothing our pages need: no violation is
reported on the public pages or the admin pages staff use."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from guidance.models import Comment
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, ResponseFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(page):
    page.violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and page.violations.append(message.text),
    )
    return page


def visit(page, url):
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def test_public_pages_and_the_admin_load_without_any_csp_violation(page, live_server, django_user_model):
    consultation = ConsultationFactory()
    section = SectionFactory(document=consultation.document)
    QuestionFactory(consultation=consultation)
    response = ResponseFactory(consultation=consultation, email="ada@example.org")
    CommentFactory(response=response, section=section)
    # Public reports: a published comment, so the section page shows its report link and the form can be visited.
    published = CommentFactory(section=section)
    Comment.objects.filter(pk=published.pk).update(status=Comment.Status.APPROVED)
    manager = django_user_model.objects.create_superuser("boss", "boss@example.org", "a-long-password-123")
    manager.user_permissions.add(Permission.objects.get(codename="view_personal_data"))

    for url in [
        "/",
        consultation.get_absolute_url(),
        reverse("guidance:section", kwargs={"slug": consultation.slug, "section_slug": section.slug}),
        reverse("guidance:draft", kwargs={"slug": consultation.slug}),
        reverse("guidance:published", kwargs={"slug": consultation.slug}),
        reverse("guidance:report_comment", args=[published.pk]),
        reverse("guidance:questions", kwargs={"slug": consultation.slug}),
    ]:
        visit(page, live_server.url + url)
    # A form with errors (the error summary's script runs) is checked too.
    page.get_by_role("button", name="Send answers").click()
    page.wait_for_load_state("load")
    assert page.locator(".govuk-error-summary").is_visible()
    visit(page, live_server.url + "/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "a-long-password-123")
    page.click("input[type=submit]")
    page.wait_for_load_state("load")
    for path in [
        "/admin/",
        "/admin/guidance/response/",
        f"/admin/guidance/response/{response.pk}/change/",
        "/admin/guidance/comment/",
        "/admin/guidance/comment/add/",
        "/admin/guidance/consultation/add/",
        f"/admin/guidance/response/erase/?query={response.reference}",
        f"/admin/guidance/response/erase/{response.pk}/",
    ]:
        visit(page, live_server.url + path)
    assert page.violations == []

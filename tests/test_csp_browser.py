"""In a real browser, the Content Security Policy blocks nothing our pages need: no violation is
reported on the public pages or the admin pages staff use (issue 7)."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from tests.factories import CommentFactory, ConsultationFactory, ResponseFactory, SectionFactory

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium"),
]
# Playwright's sync API runs an event loop; Django's async-safety check would refuse our ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page()
        page.violations = []
        page.on(
            "console",
            lambda message: "Content Security Policy" in message.text and page.violations.append(message.text),
        )
        yield page
        browser.close()


def visit(page, url):
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def test_public_pages_and_the_admin_load_without_any_csp_violation(page, live_server, django_user_model):
    consultation = ConsultationFactory()
    section = SectionFactory(document=consultation.document)
    response = ResponseFactory(consultation=consultation, email="ada@example.org")
    CommentFactory(response=response, section=section)
    manager = django_user_model.objects.create_superuser("boss", "boss@example.org", "a-long-password-123")
    manager.user_permissions.add(Permission.objects.get(codename="view_personal_data"))

    visit(page, live_server.url + "/")
    visit(page, live_server.url + consultation.get_absolute_url())
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

"""Browser tests: Playwright drives the system Chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made from the
# test itself (factories, assertions) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("No Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def open_page(browser, **context_options):
    context = browser.new_context(**context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.javascript_off = context_options.get("java_script_enabled") is False
    return page


@pytest.fixture
def page(browser):
    page = open_page(browser, viewport={"width": 1280, "height": 900})
    yield page
    page.context.close()


@pytest.fixture
def phone_page(browser):
    page = open_page(browser, viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True)
    yield page
    page.context.close()


@pytest.fixture
def demo(transactional_db):
    from django.core.cache import cache
    from django.core.management import call_command

    cache.clear()
    call_command("load_demo", verbosity=0)
    from guidance.models import Consultation

    return Consultation.objects.get()


def axe_violations(page):
    """Run axe-core on the page as it is now; every violation of any impact counts, but one that
    GOV.UK Frontend makes on purpose (known_govuk_frontend_exception)."""
    if getattr(page, "javascript_off", False):
        return axe_violations_of_a_copy(page)
    # Evaluated through the DevTools protocol, which the page's Content Security Policy does not
    # govern, so the pages are checked with their real, strict policy in force.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = []
    for v in result["violations"]:
        nodes = [n for n in v["nodes"] if not known_govuk_frontend_exception(v, n)]
        if nodes:
            violations.append(f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in nodes]}")
    return violations


def axe_violations_of_a_copy(page):
    """axe-core is itself a script, so it cannot run where JavaScript is off: it checks a copy of the
    page as it stands (the same address, markup and styles) in a page that runs no script of the
    portal's, so what is checked is what a visitor without JavaScript has."""
    copy = copying_page(page.context.browser)
    copy.set_viewport_size(page.viewport_size)
    html, url = page.content(), page.url

    def the_copy(route):
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    copy.route(url, the_copy)
    try:
        copy.goto(url)
        return axe_violations(copy)
    finally:
        copy.unroute(url, the_copy)


def copying_page(browser):
    """One page per browser for the copies, kept from check to check: a fresh one for each would
    start a renderer and compile axe-core again, a second each time."""
    copy = getattr(browser, "copying_page", None)
    if copy is None or copy.is_closed():
        copy = browser.copying_page = open_page(browser)
        copy.route("**/*.js", lambda route: route.abort())
    return copy


def known_govuk_frontend_exception(violation, node):
    """GOV.UK Frontend's script marks a radio button that reveals a field with aria-expanded, which
    ARIA does not list for radio buttons. The Design System keeps it on purpose: its research found
    screen readers announce it usefully (govuk-frontend issue 979, a documented known issue). Only
    that attribute, on that component, is let through."""
    failures = [check["message"] for check in node["any"] + node["all"] + node["none"]]
    return (
        violation["id"] == "aria-allowed-attr"
        and 'class="govuk-radios__input"' in node["html"]
        and all(
            "aria-expanded" in failure and "aria-" not in failure.replace("aria-expanded", "") for failure in failures
        )
    )


STAFF_PASSWORD = "staff-password-for-browser-tests"


def staff_member(username, *codenames):
    """A member of staff with these permissions of the portal's (codenames), given directly: a
    transactional test empties the database between tests, and with it the groups the migrations
    made."""
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user(username, password=STAFF_PASSWORD, is_staff=True, first_name=username.title())
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="guidance", codename__in=codenames))
    return user


def sign_in(page, live_server, username):
    """Sign a staff_member in on this page, through the admin's sign-in form."""
    from django.urls import reverse

    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))

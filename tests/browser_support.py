"""Browser test harness: Playwright (sync API) driving Debian's chromium against
pytest-django's live server. Registered from tests/conftest.py (pytest_plugins).

    pytestmark = [pytest.mark.browser,
                  pytest.mark.django_db(transaction=True, serialized_rollback=True)]

    def test_something(page, sign_in, employee_a):
        sign_in(employee_a)
        page.goto("/employee/")

The live server runs in another thread with its own connection, so browser tests need
committed data: `transaction=True` (pytest-django then runs them after the other
tests) and `serialized_rollback=True` (the flush after each one would otherwise wipe
the data migrations' rows, e.g. reference codes, for the tests that follow).
"""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def browser(transactional_db):
    """A chromium for one test, started after the test database is set up and stopped
    before it is flushed. While Playwright's sync API runs, its event loop counts as
    running in this thread: Django then hands out context-local connections (without the
    serialized test data, so serialized_rollback would silently do nothing) and asyncio
    tests that follow could not start their own loop."""
    if not os.access(CHROMIUM, os.X_OK):
        if _in_ci():
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it with apt-get (CI=true).")
        pytest.skip(f"{CHROMIUM} is not installed")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # The test's own ORM calls run while Playwright's loop is "running": they are
    # synchronous and safe, but Django cannot tell.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()
                connections.close_all()  # the context-local ones opened meanwhile
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(transactional_db, live_server, browser):
    """A fresh browser context (no cookies) whose relative URLs hit the live server."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def sign_in(page):
    """Sign a user in through the real login form; returns the page on their home."""
    from tests.conftest import PASSWORD

    def do(user, password=PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label("Courriel").fill(user.email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        return page

    return do


def click_nav_link(page, name: str) -> None:
    """Follow a link of the main navigation; on a phone it sits behind the Menu button."""
    link = page.get_by_role("navigation").get_by_role("link", name=name, exact=True).first
    if not link.is_visible():
        page.locator("summary.menu-button").click()
    link.click()

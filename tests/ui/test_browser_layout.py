"""Every portal page of each role, in French and English: at 390×844 (a phone) nothing
scrolls sideways; at 1280 px the header holds on one line. Each page is photographed
into var/screenshots/<language>/<width>/ (not committed) for a reviewer to look at."""

import re
from pathlib import Path

import pytest

from tests.ui.portal import portal_pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UUID = re.compile(r"^[0-9a-f-]{36}$")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ROLES = ["employee", "practitioner", "hr", "staff"]
PEOPLE = {
    "employee": "employee_a",
    "practitioner": "practitioner_p",
    "hr": "hr_acme",
    "staff": "staff_r2",
}


@pytest.fixture
def visit(request, page, sign_in, live_server, employee_a, practitioner_p, hr_acme, staff_r2):
    """Signs `role` in, in `language`, and yields (url, screenshot path) over its pages."""
    pages = portal_pages(
        employee=employee_a, practitioner=practitioner_p, hr=hr_acme, staff=staff_r2
    )
    # Only the live server: the video room's Jitsi script must not reach the network.
    page.route(
        "**/*",
        lambda route: route.continue_()
        if route.request.url.startswith(live_server.url)
        else route.abort(),
    )

    def go(role, language, viewport):
        sign_in(request.getfixturevalue(PEOPLE[role]))
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page.set_viewport_size(viewport)
        folder = SCREENSHOTS / language / str(viewport["width"])
        folder.mkdir(parents=True, exist_ok=True)
        for number, url in enumerate(pages[role], start=1):
            response = page.goto(url)
            assert response.status == 200, url
            name = "_".join(p for p in url.split("/") if p and not UUID.match(p))
            page.screenshot(path=folder / f"{role}-{number:02d}-{name}.png", full_page=True)
            yield url

    return go


def _too_wide(page):
    """The outermost elements that reach past the right edge: what to fix."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(n => n.getBoundingClientRect().right > window.innerWidth + 1
                && n.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
            .slice(0, 5).map(n => n.tagName + '.' + n.className)"""
    )


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_no_portal_page_scrolls_sideways_on_a_phone(page, visit, role, language):
    for url in visit(role, language, PHONE):
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.evaluate("window.innerWidth"), (url, width, _too_wide(page))
        assert page.locator(".menu-button").is_visible(), url


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_the_header_holds_on_one_line_at_1280_px(page, visit, role, language):
    for url in visit(role, language, DESKTOP):
        assert not page.locator(".menu-button").is_visible(), url
        tops = page.eval_on_selector_all(
            ".site-header .brand, .site-header .nav a, .site-header button, .site-header select",
            "nodes => nodes.map(n => { const r = n.getBoundingClientRect();"
            " return Math.round(r.top + r.height / 2); })",
        )
        assert tops and max(tops) - min(tops) <= 8, (url, tops)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, (url, _too_wide(page))


def test_the_phone_menu_opens_without_script(browser, live_server, sign_in, page, employee_a):
    page.set_viewport_size(PHONE)
    sign_in(employee_a)
    journal = page.locator(".nav").get_by_role("link", name="Mon journal")
    assert not journal.is_visible()
    page.get_by_text("Menu", exact=True).click()
    assert journal.is_visible()
    journal.click()
    page.wait_for_url("**/journal/")

"""Every portal page of each role, in French and English, in Chromium: axe-core finds no
violation (French pages); at 1280 px the header holds on one line; at 390×844 (a phone)
nothing scrolls sideways. Each page is photographed at both widths into
var/screenshots/<language>/<width>/<role>-NN-<page>.png (not committed; `make clean`
removes var/) for a reviewer to look at.

One sign-in and one page load per page and language: the phone width is the same page
resized (the layout is CSS only), so the whole walk stays well under two minutes."""

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.ui.portal import portal_pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UUID = re.compile(r"^[0-9a-f-]{36}$")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PEOPLE = {
    "employee": "employee_a",
    "practitioner": "practitioner_p",
    "hr": "hr_acme",
    "staff": "staff_r2",
    "anonymous": None,
}
HEADER_ITEMS = (
    ".site-header .brand, .site-header .nav a, .site-header button:visible, .site-header select"
)
AXE = Axe()
# axe runs over the French pages: the English ones are the same markup with other words,
# and running it twice would double the walk's time.
AXE_LANGUAGE = "fr"


def _too_wide(page):
    """The outermost elements that reach past the right edge: what to fix."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(n => n.getBoundingClientRect().right > window.innerWidth + 1
                && n.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
            .slice(0, 5).map(n => n.tagName + '.' + n.className)"""
    )


def _header_rows(page) -> list[int]:
    return page.eval_on_selector_all(
        HEADER_ITEMS,
        "nodes => nodes.map(n => { const r = n.getBoundingClientRect();"
        " return Math.round(r.top + r.height / 2); })",
    )


def _shot(page, language, viewport, name):
    folder = SCREENSHOTS / language / str(viewport["width"])
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}.png", full_page=True, animations="disabled")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("role", list(PEOPLE))
def test_every_portal_page_passes_axe_fits_a_phone_and_is_photographed(
    request,
    page,
    sign_in,
    live_server,
    employee_a,
    practitioner_p,
    hr_acme,
    staff_r2,
    role,
    language,
):
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
    if PEOPLE[role]:
        sign_in(request.getfixturevalue(PEOPLE[role]))
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    problems = []
    for number, url in enumerate(pages[role], start=1):
        name = f"{role}-{number:02d}-" + "_".join(
            p for p in url.split("/") if p and not UUID.match(p)
        )
        page.set_viewport_size(DESKTOP)
        response = page.goto(url)
        assert response.status == 200, url
        assert page.locator("html").get_attribute("lang") == language, url
        violations = AXE.run(page).response["violations"] if language == AXE_LANGUAGE else []
        if violations:
            problems.append((url, "axe", [(v["id"], v["nodes"][0]["target"]) for v in violations]))
        if page.locator(".menu-button").is_visible():
            problems.append((url, "1280: the menu is folded"))
        rows = _header_rows(page)
        if not rows or max(rows) - min(rows) > 8:
            problems.append((url, "1280: the header wraps", rows))
        if page.evaluate("document.documentElement.scrollWidth") > DESKTOP["width"]:
            problems.append((url, "1280: scrolls sideways", _too_wide(page)))
        _shot(page, language, DESKTOP, name)

        page.set_viewport_size(PHONE)
        if PEOPLE[role] and not page.locator(".menu-button").is_visible():
            problems.append((url, "390: no menu button"))
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append((url, "390: scrolls sideways", width, _too_wide(page)))
        _shot(page, language, PHONE, name)
    assert not problems


def test_the_phone_menu_opens_without_script(browser, live_server, sign_in, page, employee_a):
    page.set_viewport_size(PHONE)
    sign_in(employee_a)
    journal = page.locator(".nav").get_by_role("link", name="Mon journal")
    assert not journal.is_visible()
    page.get_by_text("Menu", exact=True).click()
    assert journal.is_visible()
    journal.click()
    page.wait_for_url("**/journal/")


def test_the_language_menu_switches_on_selection_and_keeps_its_button_without_script(
    browser, live_server, sign_in, page, employee_a
):
    sign_in(employee_a)
    assert not page.get_by_role("button", name="Changer").is_visible()  # script: no need
    page.get_by_label("Langue").select_option("en")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").text_content().startswith("Hello")

    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="fr-FR"
    )
    try:
        bare = context.new_page()
        bare.goto("/accounts/login/")
        assert bare.get_by_role("button", name="Changer").is_visible()
    finally:
        context.close()

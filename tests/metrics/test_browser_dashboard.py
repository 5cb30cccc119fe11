"""In chromium, in French, at desktop (1280 px) and phone (390 px) widths: HR reaches
the dashboard from the navigation, reads the months of the year, asks for a few days of
March by week and gets whole ISO weeks (the page says so), sees a withheld week drawn
as withheld (a hatched slot the full height of the chart, never a bar), downloads the
weekly CSV, and nothing overflows the viewport or breaks the CSP. Screenshots go to
var/screenshots/ (not committed) for a person to look at."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.browser_support import click_nav_link
from tests.consultations.factories import completed
from tests.metrics.helpers import make_employees, paris

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

# day of March 2026 -> who consulted (indexes of six employees). W10 (2-8): 5 people,
# 7 consultations; W11 (9-15): 3 people; W12 (16-22): 5 people; W13 (23-29): 1 person.
MARCH = {
    2: [0, 1, 2, 3, 4],
    3: [0, 1],
    10: [2, 3],
    11: [4],
    17: [0, 1],
    18: [2, 3],
    19: [5],
    24: [0],
}


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_hr_reads_the_company_dashboard_by_month_and_week_and_exports_it(
    page, sign_in, hr_acme, acme, practitioner_p, practitioner_q, time_machine, width, height
):
    time_machine.move_to(paris(2026, 6, 15, 12))
    people = make_employees(acme, 6)
    for day, who in MARCH.items():
        for slot, i in enumerate(who):
            practitioner = practitioner_p if slot % 2 == 0 else practitioner_q
            completed(people[i], practitioner, at=paris(2026, 3, day, 8 + slot), minutes=30)
    page.set_viewport_size({"width": width, "height": height})
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(hr_acme)
    click_nav_link(page, "Usage du service")
    page.wait_for_load_state()

    # By default: the months of 2026 published so far (January to May).
    assert page.get_by_role("heading", name="Par mois").is_visible()
    months = page.get_by_role("img", name="Consultations par mois")
    assert months.locator("rect.bar").count() == 1  # March
    assert months.locator("rect.withheld").count() == 4
    assert page.get_by_text("Chiffres publiés jusqu'au dimanche 31 mai 2026").is_visible()
    _check_fits(page, width)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"hr-dashboard-months-{width}.png"), full_page=True)

    page.get_by_label("Du", exact=True).fill("2026-03-05")
    page.get_by_label("Au", exact=True).fill("2026-03-20")
    page.get_by_label("Découpage").select_option("week")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", name="Par semaine").is_visible()
    assert page.get_by_text("Période arrondie aux semaines entières").is_visible()
    assert page.get_by_label("Du", exact=True).input_value() == "2026-03-02"
    assert page.get_by_label("Au", exact=True).input_value() == "2026-03-22"
    weeks = page.get_by_role("img", name="Consultations par semaine")
    bars = weeks.locator("rect.bar")
    withheld = weeks.locator("rect.withheld")
    assert bars.count() == 2 and withheld.count() == 1
    assert withheld.first.locator("title").text_content() == "semaine du lun. 9 mars : masqué (< 5)"
    w10, w12 = (bars.nth(i).bounding_box() for i in range(2))
    slot = withheld.first.bounding_box()
    assert slot["height"] >= w10["height"] > w12["height"] > 20  # 7 and 5 consultations
    assert page.get_by_text("1 semaine masquée n'y est pas comptée").is_visible()
    _check_fits(page, width)
    page.screenshot(path=str(SCREENSHOTS / f"hr-dashboard-weeks-{width}.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter en CSV (par semaine)").click()
    assert (
        open(download.value.path(), "rb").read()
        == (
            "Date,Consultations,Durée (minutes)\n"
            "2026-W10,7,210\n2026-W11,< 5,< 5\n2026-W12,5,150\n\nTOTAL,12,360"
        ).encode()
    )
    assert violations == []


def _check_fits(page, width):
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        + str(width + 1)
        + " && !e.closest('.table-scroll')).map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide

"""In chromium: HR reaches the dashboard from the nav, picks a period, sees the SVG
chart drawn under the strict CSP (no violation), and downloads the CSV."""

import pytest

from tests.consultations.factories import completed
from tests.metrics.helpers import make_employees, paris

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_hr_reads_the_company_dashboard_and_exports_it(
    page, sign_in, hr_acme, acme, practitioner_p, practitioner_q
):
    for i, person in enumerate(make_employees(acme, 5)):
        practitioner = practitioner_p if i % 2 == 0 else practitioner_q
        completed(person, practitioner, at=paris(2026, 3, 3, 8 + i), minutes=60)
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(hr_acme)
    page.get_by_role("link", name="Usage du service").first.click()
    page.get_by_label("Du", exact=True).fill("2026-03-01")
    page.get_by_label("Au", exact=True).fill("2026-03-31")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", name="Par semaine").is_visible()
    chart = page.get_by_role("img", name="Consultations par jour")
    assert chart.is_visible()
    bar = chart.locator("rect.bar:not(.bar-hidden)").filter(has_text="2026-03-03").first
    box = bar.bounding_box()
    assert box["height"] > 20
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter en CSV (par jour)").click()
    path = download.value.path()
    assert (
        open(path, "rb").read()
        == ("Date,Consultations,Durée (minutes)\n2026-03-03,5,300\n\nTOTAL,5,300").encode()
    )
    assert violations == []

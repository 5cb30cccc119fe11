"""In chromium, in French, at desktop (1280 px) and phone (390 px) widths: the employee
reaches her privacy page from the navigation, sees who accessed her data (by role, no
name, a refusal marked), switches sharing on, and sees where her emails go. The page
stays within the viewport (no sideways scrolling) and raises no CSP violation.
Screenshots go to var/screenshots/ (not committed) for a person to look at."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from metrics.consent import usage_sharing_of
from tests.browser_support import click_nav_link
from tests.consultations.factories import completed
from tests.medical.log_helpers import chat_join

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_employee_reads_and_uses_her_privacy_page(
    page, sign_in, employee_a, practitioner_p, practitioner_q, hr_acme, width, height
):
    at = (timezone.now() - timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    consultation = completed(employee_a, practitioner_p, at=at)
    chat_join(practitioner_p, consultation)
    chat_join(practitioner_q, consultation)  # refused
    page.set_viewport_size({"width": width, "height": height})
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(employee_a)
    click_nav_link(page, "Confidentialité")
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Confidentialité", level=1).is_visible()

    table = page.locator("table.disclosures")
    assert table.get_by_text("Votre praticien(ne)").is_visible()
    assert table.get_by_text("Un(e) autre praticien(ne)").is_visible()
    assert table.get_by_text("refusé").is_visible()
    text = page.locator("main").inner_text()
    for name in ("Paula", "Quentin", "psy.p@", "psy.q@"):
        assert name not in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"privacy-{width}.png"), full_page=True)
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        + str(width + 1)
        + ").map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide

    page.get_by_role("switch", name="Partager mes compteurs d'utilisation").check()
    page.get_by_role("button", name="Enregistrer mon choix").click()
    page.wait_for_load_state()
    assert page.get_by_text("Vos compteurs sont maintenant visibles par vos RH.").is_visible()
    assert page.get_by_role("switch").is_checked()
    assert usage_sharing_of(employee=employee_a).shared
    assert page.get_by_text("vont actuellement à alice@acme.test").is_visible()
    page.screenshot(path=str(SCREENSHOTS / f"privacy-{width}-shared.png"), full_page=True)
    assert violations == []

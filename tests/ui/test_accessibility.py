"""Accessibility beyond axe: a focus ring with at least 3:1 contrast, and form error
summaries that take focus and link to their fields."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

APP_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_stands_out_3_to_1_on_every_background():
    css = APP_CSS.read_text()
    variables = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    focus = variables["focus"]
    assert "outline: 3px solid var(--focus)" in css
    for background in (variables["bg"], "#ffffff", "#eef5f3"):
        assert _contrast(focus, background) >= 3, background


@pytest.mark.django_db
def test_a_form_error_summary_takes_focus_and_links_to_its_fields(client, employee_a):
    client.force_login(employee_a)
    response = client.post(
        reverse("medical:journal_new"),
        {"entry_date": timezone.localdate().isoformat(), "mood": "9", "text": "x"},
    )
    html = response.text
    summary = html.split('<div class="form-errors"')[1].split("</div>")[0]
    assert 'role="alert" tabindex="-1" autofocus' in summary
    assert 'href="#id_mood"' in summary


@pytest.mark.django_db
def test_the_admin_names_every_app_in_french(client, superuser):
    client.force_login(superuser)
    html = client.get("/admin/").text
    for label in ("Comptes", "Entreprises et praticiens", "Consultations", "Secret médical"):
        assert f">{label}</a>" in html, label

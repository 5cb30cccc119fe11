"""The whole booking journey in a real browser: directory -> slot picker -> confirm ->
my consultations -> cancel with a reason; then the practitioner sees it cancelled."""

import importlib
import re
from datetime import time

import pytest
from django.apps import apps
from playwright.sync_api import expect

from companies.models import PractitionerProfile
from consultations import services
from consultations.models import Consultation
from consultations.selectors import cancel_reason_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _reference_codes(transactional_db):
    """serialized_rollback does not restore the data migrations' rows when the test also
    runs Playwright (its greenlet sees another connection object): recreate them."""
    importlib.import_module("companies.migrations.0003_reference_codes").create_codes(apps, None)


@pytest.fixture
def bookable(practitioner_p):
    PractitionerProfile.objects.update_or_create(
        user=practitioner_p, defaults={"profession": "coach", "is_active": True}
    )
    services.availability_update(actor=practitioner_p, time_zone="Europe/Paris")
    services.weekly_hours_set(
        actor=practitioner_p, openings=[(day, time(8), time(20)) for day in range(7)]
    )
    return practitioner_p


def test_an_employee_books_follows_and_cancels_a_consultation(page, sign_in, employee_a, bookable):
    sign_in(employee_a)
    page.goto("/practitioners/")
    page.get_by_role("link", name=re.compile("Choisir un créneau")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Choisir un créneau")

    page.get_by_role("link", name="Semaine suivante →").click()
    page.locator("a.slot").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer le rendez-vous")
    page.get_by_label("Vidéo").check()
    page.get_by_role("button", name="Réserver").click()

    expect(page.locator("#consultation-status")).to_have_text("Planifiée")
    consultation = Consultation.objects.get()
    assert consultation.employee == employee_a and consultation.practitioner == bookable

    page.get_by_role("link", name="Mes consultations").first.click()
    upcoming = page.locator("section", has=page.locator("#upcoming-title"))
    expect(upcoming.get_by_role("link")).to_have_count(1)
    upcoming.get_by_role("link").first.click()

    page.get_by_text("Annuler ce rendez-vous").click()
    page.get_by_label(re.compile("Motif")).fill("Déplacement professionnel")
    page.get_by_role("button", name="Confirmer l'annulation").click()
    expect(page.locator("#consultation-status")).to_have_text("Annulée")
    consultation.refresh_from_db()
    assert consultation.status == "cancelled"
    reason = cancel_reason_for(user=consultation.employee, consultation=consultation)
    assert reason == "Déplacement professionnel"


def test_the_practitioner_sets_hours_and_sees_the_booking_in_the_agenda(
    page, sign_in, practitioner_p, employee_a
):
    sign_in(practitioner_p)
    page.goto("/practitioner/availability/")
    for day in range(7):
        page.locator(f"#id_d{day}_0_start").fill("08:00")
        page.locator(f"#id_d{day}_0_end").fill("20:00")
    page.get_by_role("button", name="Enregistrer les horaires").click()
    expect(page.locator(".messages")).to_contain_text("Horaires hebdomadaires enregistrés")
    expect(page.locator("#preview-title + ul li").first).to_be_visible()
    page.goto("/practitioner/agenda/?view=week")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Semaine du")

"""The journeys of issue 13 items 4, 5 and 7 in a real Chromium at 1280 px: the employee
cancels late (warned first), the employee reschedules, the practitioner cancels with a
reason (the employee is emailed the next free slots), the practitioner closes a day
that holds a booking. Screenshots go to var/screenshots/ (not committed) for a person
to look at."""

import importlib
import re
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from companies.models import PractitionerProfile
from consultations import services
from consultations.models import AvailabilityException, Consultation
from consultations.selectors import cancel_reason_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
WIDTH = 1280


@pytest.fixture(autouse=True)
def _reference_codes(transactional_db):
    importlib.import_module("companies.migrations.0003_reference_codes").create_codes(apps, None)


@pytest.fixture
def wide(page):
    page.set_viewport_size({"width": WIDTH, "height": 900})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return page


def _shot(page, name):
    page.screenshot(path=str(SCREENSHOTS / f"consultations-{name}-{WIDTH}.png"), full_page=True)


@pytest.fixture
def open_all_week(practitioner_p):
    """Open every day 7:00-21:00 (Paris), one-hour slots with no pause."""
    PractitionerProfile.objects.update_or_create(
        user=practitioner_p, defaults={"profession": "coach", "is_active": True}
    )
    services.availability_update(
        actor=practitioner_p, time_zone="Europe/Paris", length_minutes=50, buffer_minutes=10
    )
    services.weekly_hours_set(
        actor=practitioner_p, openings=[(day, time(7), time(21)) for day in range(7)]
    )
    return practitioner_p


def _book(employee, practitioner, *, hours_ahead):
    """A consultation on the hour, about `hours_ahead` from now, booked a day earlier."""
    now = timezone.now()
    at = (now + timedelta(hours=hours_ahead)).replace(minute=0, second=0, microsecond=0)
    local = timezone.localtime(at)
    if not 8 <= local.hour <= 19:  # stay inside the opening hours
        at += timedelta(hours=(9 - local.hour) % 24)
    return services.consultation_book(
        employee=employee,
        practitioner=practitioner,
        scheduled_at=at,
        kind="video",
        now=at - timedelta(days=1),
    )


def test_the_employee_is_warned_then_cancels_late(wide, sign_in, employee_a, open_all_week):
    consultation = _book(employee_a, open_all_week, hours_ahead=6)
    sign_in(employee_a)
    wide.goto(f"/consultations/{consultation.pk}/")
    expect(wide.get_by_role("link", name="Déplacer ce rendez-vous")).to_have_count(0)
    wide.get_by_text("Annuler ce rendez-vous").click()
    warning = wide.locator("#late-cancel-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("annulation tardive")
    _shot(wide, "employee-late-cancel-warning")
    wide.get_by_role("button", name="Confirmer l'annulation").click()
    expect(wide.locator("#consultation-status")).to_have_text("Annulée")
    expect(wide.get_by_text(re.compile(r"annulé \(annulation tardive\)"))).to_be_visible()
    expect(wide.locator(".status-history")).to_contain_text("annulation tardive")
    consultation.refresh_from_db()
    assert consultation.cancelled_late and consultation.late_cancellation_paid

    wide.goto("/consultations/")
    cancelled = wide.locator("section", has=wide.locator("#cancelled-title"))
    past = wide.locator("section", has=wide.locator("#past-title"))
    expect(cancelled.get_by_role("link")).to_have_count(1)
    expect(past.get_by_role("link")).to_have_count(0)
    _shot(wide, "employee-lists")


def test_the_employee_reschedules(wide, sign_in, employee_a, open_all_week):
    consultation = _book(employee_a, open_all_week, hours_ahead=72)
    before = consultation.scheduled_at
    sign_in(employee_a)
    wide.goto(f"/consultations/{consultation.pk}/")
    wide.get_by_role("link", name="Déplacer ce rendez-vous").click()
    expect(wide.get_by_role("heading", level=1)).to_have_text("Déplacer le rendez-vous")
    wide.get_by_role("link", name="Semaine suivante →").click()
    _shot(wide, "employee-reschedule-picker")
    mail.outbox.clear()
    wide.locator("button.slot").first.click()
    expect(wide.get_by_text(re.compile("Le rendez-vous est déplacé"))).to_be_visible()
    expect(wide.locator("#consultation-status")).to_have_text("Planifiée")
    expect(wide.locator(".status-history")).to_contain_text("déplacée")
    _shot(wide, "employee-rescheduled")
    consultation.refresh_from_db()
    assert consultation.scheduled_at > before and consultation.ics_sequence == 1
    assert Consultation.objects.count() == 1
    assert sorted(m.subject for m in mail.outbox) == ["Rendez-vous HuntZen Care déplacé"] * 2


def test_the_practitioner_cancels_with_a_reason(
    wide, sign_in, employee_a, practitioner_p, open_all_week
):
    consultation = _book(employee_a, open_all_week, hours_ahead=30)
    sign_in(practitioner_p)
    wide.goto(f"/consultations/{consultation.pk}/")
    wide.get_by_text("Annuler ce rendez-vous").click()
    reason = wide.get_by_label(re.compile("Motif"))
    expect(reason).to_have_attribute("required", "")
    expect(wide.locator("label", has_text="obligatoire")).to_be_visible()
    mail.outbox.clear()
    reason.fill("Empêchement, toutes mes excuses")
    _shot(wide, "practitioner-cancel-reason")
    wide.get_by_role("button", name="Confirmer l'annulation").click()
    expect(wide.locator("#consultation-status")).to_have_text("Annulée")
    consultation.refresh_from_db()
    assert cancel_reason_for(user=employee_a, consultation=consultation) == (
        "Empêchement, toutes mes excuses"
    )
    [to_employee] = [m for m in mail.outbox if m.to == [employee_a.email]]
    assert to_employee.body.count("/confirm/?start=") == 3


def test_the_practitioner_closes_a_day_that_holds_a_booking(
    wide, sign_in, employee_a, practitioner_p, open_all_week
):
    consultation = _book(employee_a, open_all_week, hours_ahead=50)
    day = timezone.localtime(consultation.scheduled_at).date()
    sign_in(practitioner_p)
    wide.goto("/practitioner/availability/")
    expect(wide.locator("select[name=time_zone] option").first).to_have_attribute(
        "value", "Europe/Paris"
    )
    wide.locator("#id_kind").select_option("closed")
    wide.locator("#id_date").fill(day.isoformat())
    wide.get_by_role("button", name="Ajouter").click()
    box = wide.locator("#closing-bookings")
    expect(box).to_be_visible()
    expect(box).to_contain_text(employee_a.get_full_name())
    _shot(wide, "practitioner-close-day-warning")
    assert not AvailabilityException.objects.exists()
    box.get_by_label(re.compile("Message à chaque salarié")).fill("Formation ce jour-là.")
    box.get_by_role("button", name="Annuler ces rendez-vous et fermer").click()
    expect(wide.get_by_text(re.compile("Période fermée"))).to_be_visible()
    _shot(wide, "practitioner-close-day-done")
    consultation.refresh_from_db()
    assert consultation.status == "cancelled"
    assert AvailabilityException.objects.get().date == day

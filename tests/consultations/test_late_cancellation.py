"""Cancellation notice (HUNTZEN_CANCELLATION_NOTICE_HOURS): an employee cancelling later
makes a late cancellation, paid to the practitioner as her company's contract says;
the practitioner may cancel at any time but must give a reason, and the employee is
told and offered the next free slots. Service, portal and API, each role."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from consultations import selectors, services
from consultations.models import Consultation, StatusChange
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
THURSDAY_9 = paris(2026, 3, 5, 9)  # 71 h after NOW
TUESDAY_9 = paris(2026, 3, 3, 9)  # 23 h after NOW: within the 24 h notice


@pytest.fixture
def thursday(employee_a, p_open):
    return book(employee_a, p_open, at=THURSDAY_9, now=NOW)


def _row(consultation):
    return Consultation.objects.filter(pk=consultation.pk).values().get()


def test_the_notice_defaults_to_24_hours(settings):
    assert settings.HUNTZEN_CANCELLATION_NOTICE_HOURS == 24
    assert selectors.cancellation_notice() == timedelta(hours=24)


def test_cancelling_before_the_notice_is_not_late(employee_a, thursday):
    done = services.consultation_cancel(
        actor=employee_a, consultation=thursday, now=THURSDAY_9 - timedelta(hours=24)
    )
    assert done.status == "cancelled" and not done.cancelled_late
    assert not done.late_cancellation_paid
    assert done.status_changes.last().note == ""


def test_an_employee_cancelling_within_the_notice_makes_a_late_cancellation(employee_a, thursday):
    done = services.consultation_cancel(
        actor=employee_a,
        consultation=thursday,
        now=THURSDAY_9 - timedelta(hours=23, minutes=59),
    )
    done.refresh_from_db()
    assert done.status == "cancelled" and done.cancelled_late
    assert done.late_cancellation_paid  # Acme's contract: the default, paid
    change = done.status_changes.last()
    assert (change.to_status, change.note) == ("cancelled", StatusChange.Note.LATE_CANCELLATION)


def test_a_company_whose_contract_does_not_pay_them_records_it_unpaid(employee_a, thursday, acme):
    acme.late_cancellations_paid = False
    acme.save()
    thursday.refresh_from_db()
    done = services.consultation_cancel(
        actor=employee_a, consultation=thursday, now=THURSDAY_9 - timedelta(hours=1)
    )
    assert done.cancelled_late and not done.late_cancellation_paid


@override_settings(HUNTZEN_CANCELLATION_NOTICE_HOURS=48)
def test_the_notice_is_a_setting(employee_a, thursday):
    done = services.consultation_cancel(
        actor=employee_a, consultation=thursday, now=THURSDAY_9 - timedelta(hours=47)
    )
    assert done.cancelled_late


def test_the_practitioner_cancelling_late_is_never_a_late_cancellation(p_open, thursday):
    done = services.consultation_cancel(
        actor=p_open,
        consultation=thursday,
        reason="Empêchement",
        now=THURSDAY_9 - timedelta(minutes=5),
    )
    assert done.status == "cancelled" and not done.cancelled_late


@pytest.mark.parametrize("reason", ["", "   "])
def test_the_practitioner_must_give_a_reason_and_nothing_changes_without(p_open, thursday, reason):
    before = _row(thursday)
    with pytest.raises(ValidationError) as refused:
        services.consultation_cancel(actor=p_open, consultation=thursday, reason=reason, now=NOW)
    assert "reason" in refused.value.error_dict
    assert _row(thursday) == before
    assert thursday.status_changes.count() == 1


def test_an_outsider_cannot_cancel(employee_b, practitioner_q, hr_acme, staff_r2, thursday):
    for user in (employee_b, practitioner_q, hr_acme, staff_r2):
        with pytest.raises(PermissionDenied):
            services.consultation_cancel(actor=user, consultation=thursday, reason="x", now=NOW)
    assert _row(thursday)["status"] == "scheduled"


def test_the_employee_is_told_and_offered_the_next_free_slots(
    employee_a, p_open, thursday, django_capture_on_commit_callbacks, settings
):
    settings.HUNTZEN_SITE_URL = "https://care.example"
    mail.outbox.clear()
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.consultation_cancel(
                actor=p_open, consultation=thursday, reason="Empêchement personnel"
            )
        expected = selectors.next_free_slots(practitioner=p_open)
    to_employee = next(m for m in mail.outbox if m.to == [employee_a.email])
    assert len(expected) == 3
    book_path = reverse("consultations:book_confirm", args=[p_open.pk])
    for slot in expected:
        assert f"https://care.example{book_path}?start=" in to_employee.body
        assert slot.start.astimezone(paris(2026, 1, 1).tzinfo).strftime("%H:%M") in (
            to_employee.body
        )
    html = to_employee.alternatives[0][0]
    assert html.count(f'href="https://care.example{book_path}?start=') == 3
    assert "Empêchement" not in to_employee.body  # the reason stays on the portal
    assert to_employee.subject == "Rendez-vous HuntZen Care annulé"


def test_the_freed_slot_is_offered_again_in_the_email(
    employee_a, p_open, thursday, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with time_machine.travel(THURSDAY_9 - timedelta(days=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.consultation_cancel(actor=p_open, consultation=thursday, reason="Grippe")
        slots = selectors.next_free_slots(practitioner=p_open, count=50)
    assert THURSDAY_9 in [slot.start for slot in slots]


# --- Portal -----------------------------------------------------------------------


def test_the_page_warns_the_employee_before_a_late_cancellation(client, employee_a, p_open):
    consultation = book(employee_a, p_open, at=TUESDAY_9, now=NOW - timedelta(days=3))
    client.force_login(employee_a)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("consultations:detail", args=[consultation.pk])).content
        response = client.post(
            reverse("consultations:cancel", args=[consultation.pk]), {"reason": ""}
        )
    assert b"late-cancel-warning" in page
    assert b"annulation tardive" in page
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.cancelled_late


def test_no_warning_before_the_notice(client, employee_a, thursday):
    client.force_login(employee_a)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("consultations:detail", args=[thursday.pk])).content
    assert b"late-cancel-warning" not in page


def test_the_practitioners_portal_form_requires_a_reason(client, p_open, thursday):
    client.force_login(p_open)
    before = _row(thursday)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("consultations:detail", args=[thursday.pk])).content.decode()
        response = client.post(reverse("consultations:cancel", args=[thursday.pk]), {"reason": ""})
    assert "obligatoire" in page
    assert response.status_code == 400
    assert "Indiquez le motif" in response.content.decode()
    assert _row(thursday) == before
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("consultations:cancel", args=[thursday.pk]), {"reason": "Empêchement"}
        )
    assert response.status_code == 302
    thursday.refresh_from_db()
    assert thursday.status == "cancelled" and thursday.cancelled_by == p_open


@pytest.mark.parametrize("who,status", [("employee_b", 404), ("hr_acme", 404), ("staff_r2", 403)])
def test_others_cannot_cancel_on_the_portal(client, cast, thursday, who, status):
    client.force_login(cast[who])
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("consultations:cancel", args=[thursday.pk]), {"reason": "x"})
    assert response.status_code == status
    assert _row(thursday)["status"] == "scheduled"


# --- API --------------------------------------------------------------------------


def _cancel(api_client, user, consultation, body):
    api_client.force_authenticate(user)
    with time_machine.travel(NOW, tick=False):
        return api_client.post(
            f"/api/v1/consultations/{consultation.pk}/cancel", body, format="json"
        )


def test_the_api_refuses_a_practitioners_cancel_without_a_reason(api_client, p_open, thursday):
    before = _row(thursday)
    response = _cancel(api_client, p_open, thursday, {})
    assert response.status_code == 400
    assert response.json()["fields"]["reason"]
    assert _row(thursday) == before
    response = _cancel(api_client, p_open, thursday, {"reason": "Empêchement"})
    assert response.status_code == 200 and response.json()["cancelledLate"] is False


def test_the_api_says_when_an_employees_cancel_is_late(api_client, employee_a, p_open):
    consultation = book(employee_a, p_open, at=TUESDAY_9, now=NOW - timedelta(days=3))
    response = _cancel(api_client, employee_a, consultation, {})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["cancelledLate"] is True


@pytest.mark.parametrize(
    "who,status", [("employee_b", 404), ("practitioner_q", 404), ("hr_acme", 404)]
)
def test_the_api_refuses_others(api_client, cast, thursday, who, status):
    response = _cancel(api_client, cast[who], thursday, {"reason": "x"})
    assert response.status_code == status
    assert _row(thursday)["status"] == "scheduled"


# --- HR -----------------------------------------------------------------------------


def test_hr_never_reads_a_late_cancellation(api_client, client, hr_acme, employee_a, p_open, acme):
    """Not exposed to HR at all: no consultation is visible to HR, and HR's counters
    (completed consultations only) are the same with or without late cancellations."""
    consultation = book(employee_a, p_open, at=TUESDAY_9, now=NOW - timedelta(days=3))
    api_client.force_authenticate(hr_acme)
    url = f"/api/v1/metrics/companies/{acme.pk}?from=2026-03-01&to=2026-03-31"
    with time_machine.travel(paris(2026, 6, 15, 12), tick=False):
        before = api_client.get(url).json()
    services.consultation_cancel(actor=employee_a, consultation=consultation, now=NOW)
    with time_machine.travel(paris(2026, 6, 15, 12), tick=False):
        after = api_client.get(url)
        assert api_client.get(f"/api/v1/consultations/{consultation.pk}").status_code == 404
    assert after.status_code == 200 and after.json() == before
    assert "late" not in after.content.decode().lower()
    client.force_login(hr_acme)
    with time_machine.travel(paris(2026, 6, 15, 12), tick=False):
        page = client.get(reverse("metrics:my_company"))
    assert "tardive" not in page.content.decode()


# --- The contract, set by staff in the admin ------------------------------------------


def test_staff_edit_whether_late_cancellations_are_paid_in_the_admin(client, staff_r2, acme):
    client.force_login(staff_r2)
    url = reverse("admin:companies_company_change", args=[acme.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="late_cancellations_paid"' in page.content.decode()
    form = page.context["adminform"].form
    data = {
        name: form.initial.get(name, field.initial)
        for name, field in form.fields.items()
        if form.initial.get(name, field.initial) is not None
    }
    data.pop("late_cancellations_paid", None)  # an unchecked box is not sent
    for prefix in {formset.formset.prefix for formset in page.context["inline_admin_formsets"]}:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    acme.refresh_from_db()
    assert acme.late_cancellations_paid is False


def test_the_page_offers_the_employee_the_next_slots_after_the_practitioner_cancelled(
    client, employee_a, p_open, thursday
):
    with time_machine.travel(NOW, tick=False):
        services.consultation_cancel(actor=p_open, consultation=thursday, reason="Grippe")
        client.force_login(employee_a)
        page = client.get(reverse("consultations:detail", args=[thursday.pk])).content.decode()
        expected = selectors.next_free_slots(practitioner=p_open)
        client.force_login(p_open)
        own = client.get(reverse("consultations:detail", args=[thursday.pk])).content.decode()
    assert 'id="rebook-slots"' in page and 'id="rebook-slots"' not in own
    book_path = reverse("consultations:book_confirm", args=[p_open.pk])
    assert page.count(f'href="{book_path}?start=') == len(expected) == 3


def test_no_slots_offered_when_the_employee_cancelled(client, employee_a, thursday):
    services.consultation_cancel(actor=employee_a, consultation=thursday, now=NOW)
    client.force_login(employee_a)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("consultations:detail", args=[thursday.pk])).content.decode()
    assert 'id="rebook-slots"' not in page

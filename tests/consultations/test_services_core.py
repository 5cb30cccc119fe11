from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from consultations import services
from consultations.exceptions import BookingRefused, IllegalTransition, SlotTaken
from consultations.models import Consultation
from consultations.video import room_name
from tests.consultations.factories import book, completed

pytestmark = pytest.mark.django_db
Status = Consultation.Status


def test_booking_takes_company_from_the_employee_and_grants_participants(
    employee_a, practitioner_p, employee_b
):
    consultation = book(employee_a, practitioner_p)
    assert consultation.company == employee_a.company
    assert employee_a.has_perm("consultations.chat_consultation", consultation)
    assert practitioner_p.has_perm("consultations.end_consultation", consultation)
    assert not employee_a.has_perm("consultations.end_consultation", consultation)
    assert not employee_b.has_perm("consultations.view_consultation", consultation)
    assert list(consultation.status_changes.values_list("to_status", flat=True)) == ["scheduled"]


def test_room_names_are_long_and_distinct(employee_a, employee_b, practitioner_p):
    one = book(employee_a, practitioner_p)
    two = book(employee_b, practitioner_p, at=one.scheduled_end + timedelta(hours=1))
    assert room_name(one) != room_name(two)
    assert len(room_name(one)) >= 32
    assert str(one.pk) not in room_name(one)


@pytest.mark.parametrize("who", ["practitioner_p", "hr_acme", "staff_r2", "operator_r1"])
def test_only_employees_book(request, who, practitioner_q):
    with pytest.raises(PermissionDenied):
        services.consultation_book(
            employee=request.getfixturevalue(who),
            practitioner=practitioner_q,
            scheduled_at=timezone.now() + timedelta(days=1),
            kind="video",
        )
    assert not Consultation.objects.exists()


def test_same_slot_twice_is_refused(employee_a, employee_b, practitioner_p):
    first = book(employee_a, practitioner_p)
    with pytest.raises(SlotTaken):
        book(employee_b, practitioner_p, at=first.scheduled_at + timedelta(minutes=20))
    assert Consultation.objects.count() == 1


def test_an_employee_cannot_hold_two_consultations_at_once(
    employee_a, practitioner_p, practitioner_q
):
    first = book(employee_a, practitioner_p)
    with pytest.raises(BookingRefused):
        book(employee_a, practitioner_q, at=first.scheduled_at)


def test_a_cancelled_slot_can_be_booked_again(employee_a, employee_b, practitioner_p):
    first = book(employee_a, practitioner_p)
    services.consultation_cancel(actor=employee_a, consultation=first, reason="imprévu")
    again = book(employee_b, practitioner_p, at=first.scheduled_at)
    assert again.status == Status.SCHEDULED


def test_full_lifecycle_records_each_transition(employee_a, practitioner_p):
    at = timezone.now() + timedelta(days=1)
    consultation = completed(employee_a, practitioner_p, at=at, minutes=47)
    assert consultation.status == Status.COMPLETED
    assert consultation.duration_seconds == 47 * 60
    assert list(consultation.status_changes.values_list("from_status", "to_status")) == [
        ("", "scheduled"),
        ("scheduled", "in_progress"),
        ("in_progress", "completed"),
    ]


def test_duration_is_capped_and_never_negative():
    now = timezone.now()
    assert services.duration_seconds(now, now - timedelta(minutes=5)) == 0
    assert services.duration_seconds(now, now + timedelta(hours=30)) == 3 * 3600


def test_cancel_after_start_time_is_refused(employee_a, practitioner_p):
    consultation = book(employee_a, practitioner_p)
    with time_machine.travel(consultation.scheduled_at + timedelta(minutes=1)):
        with pytest.raises(IllegalTransition):
            services.consultation_cancel(actor=employee_a, consultation=consultation)
    consultation.refresh_from_db()
    assert consultation.status == Status.SCHEDULED


def test_employee_cannot_start_or_end(employee_a, practitioner_p):
    consultation = book(employee_a, practitioner_p)
    with time_machine.travel(consultation.scheduled_at):
        with pytest.raises(PermissionDenied):
            services.consultation_start(actor=employee_a, consultation=consultation)


def test_ending_a_scheduled_consultation_is_illegal(employee_a, practitioner_p):
    consultation = book(employee_a, practitioner_p)
    with pytest.raises(IllegalTransition):
        services.consultation_end(actor=practitioner_p, consultation=consultation)


def test_inactive_company_cannot_book(employee_a, practitioner_p, acme):
    acme.is_active = False
    acme.save()
    employee_a.refresh_from_db()
    with pytest.raises(BookingRefused) as error:
        book(employee_a, practitioner_p)
    assert error.value.code == "company_inactive"

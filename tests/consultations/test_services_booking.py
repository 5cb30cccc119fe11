from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from companies.services import company_create
from consultations import services
from consultations.exceptions import BookingRefused, SlotTaken
from consultations.models import Consultation, StatusChange
from consultations.selectors import cancel_reason_for
from tests.consultations.conftest import NOW, open_weekdays, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)


def _book(employee, practitioner, at=TUESDAY_9, kind="video", **extra):
    return services.consultation_book(
        employee=employee,
        practitioner=practitioner,
        scheduled_at=at,
        kind=kind,
        now=NOW,
        **extra,
    )


def test_an_offered_slot_is_booked_with_the_practitioners_length(employee_a, p_open):
    consultation = _book(employee_a, p_open)
    assert consultation.scheduled_end - consultation.scheduled_at == timedelta(minutes=50)
    assert consultation.created_at == NOW
    assert consultation.status_changes.get().at == NOW


def test_a_time_that_is_not_a_slot_is_refused(employee_a, p_open):
    with pytest.raises(BookingRefused) as refused:
        _book(employee_a, p_open, at=paris(2026, 3, 3, 9, 20))
    assert refused.value.code == "not_a_slot"
    assert refused.value.http_status == 400
    assert not Consultation.objects.exists()


def test_a_slot_on_a_day_off_is_refused(employee_a, p_open):
    services.availability_exception_add(actor=p_open, kind="closed", day=date(2026, 3, 3))
    with pytest.raises(BookingRefused) as refused:
        _book(employee_a, p_open)
    assert refused.value.code == "not_a_slot"


def test_a_length_other_than_the_practitioners_is_refused(employee_a, p_open):
    with pytest.raises(BookingRefused) as refused:
        _book(employee_a, p_open, length=timedelta(minutes=90))
    assert refused.value.code == "invalid_length"


def test_a_practitioner_without_hours_cannot_be_booked(employee_a, practitioner_q):
    with pytest.raises(BookingRefused) as refused:
        _book(employee_a, practitioner_q)
    assert refused.value.code == "practitioner_unavailable"


def test_a_deactivated_practitioner_cannot_be_booked(employee_a, p_open):
    p_open.is_active = False
    p_open.save()
    with pytest.raises(BookingRefused) as refused:
        _book(employee_a, p_open)
    assert refused.value.code == "practitioner_unavailable"


def test_booking_another_role_as_practitioner_is_refused(employee_a, employee_b):
    with pytest.raises(BookingRefused):
        _book(employee_a, employee_b)


def test_a_slot_inside_the_notice_is_refused(employee_a, p_open):
    with pytest.raises(BookingRefused) as refused:
        services.consultation_book(
            employee=employee_a,
            practitioner=p_open,
            scheduled_at=TUESDAY_9,
            kind="video",
            now=TUESDAY_9 - timedelta(minutes=119),
        )
    assert refused.value.code == "too_soon"


@override_settings(HUNTZEN_BOOKING_NOTICE_MINUTES=24 * 60)
def test_the_notice_is_configurable(employee_a, p_open):
    with pytest.raises(BookingRefused) as refused:
        services.consultation_book(
            employee=employee_a,
            practitioner=p_open,
            scheduled_at=TUESDAY_9,
            kind="video",
            now=TUESDAY_9 - timedelta(hours=23),
        )
    assert refused.value.code == "too_soon"


def test_a_past_slot_is_refused(employee_a, p_open):
    with pytest.raises(BookingRefused) as refused:
        services.consultation_book(
            employee=employee_a,
            practitioner=p_open,
            scheduled_at=TUESDAY_9,
            kind="video",
            now=TUESDAY_9 + timedelta(minutes=1),
        )
    assert refused.value.code == "slot_in_past"


def test_a_slot_beyond_the_horizon_is_refused(employee_a, p_open):
    with pytest.raises(BookingRefused) as refused:
        _book(employee_a, p_open, at=TUESDAY_9 + timedelta(weeks=9))
    assert refused.value.code == "too_far"


def test_an_unknown_kind_is_refused(employee_a, p_open):
    with pytest.raises(BookingRefused) as refused:
        _book(employee_a, p_open, kind="phone")
    assert refused.value.code == "invalid_kind"


def test_overlapping_but_not_identical_slots_conflict(employee_a, employee_b, p_open):
    services.availability_exception_add(
        actor=p_open,
        kind="open",
        day=date(2026, 3, 3),
        start_time=time(9, 30),
        end_time=time(10, 20),
    )
    _book(employee_a, p_open)
    with pytest.raises(SlotTaken) as refused:
        _book(employee_b, p_open, at=paris(2026, 3, 3, 9, 30))
    assert refused.value.http_status == 409
    assert Consultation.objects.count() == 1


def test_the_buffer_is_enforced_between_bookings(employee_a, employee_b, p_open):
    # 9:55 is within the 10-minute buffer after 9:00-9:50.
    services.availability_exception_add(
        actor=p_open,
        kind="open",
        day=date(2026, 3, 3),
        start_time=time(9, 55),
        end_time=time(10, 45),
    )
    _book(employee_a, p_open)
    with pytest.raises(SlotTaken):
        _book(employee_b, p_open, at=paris(2026, 3, 3, 9, 55))


def test_an_employee_cannot_double_book_themselves(employee_a, p_open, practitioner_q):
    open_weekdays(practitioner_q)
    _book(employee_a, p_open)
    with pytest.raises(BookingRefused) as refused:
        _book(employee_a, practitioner_q)
    assert refused.value.code == "employee_busy"
    assert Consultation.objects.count() == 1


def test_the_yearly_allowance_is_enforced_with_a_clear_message(employee_a, p_open, acme):
    acme.yearly_allowance_per_employee = 2
    acme.save()
    employee_a.refresh_from_db()
    first = _book(employee_a, p_open)
    _book(employee_a, p_open, at=paris(2026, 3, 4, 9))
    with pytest.raises(BookingRefused) as refused:
        _book(employee_a, p_open, at=paris(2026, 3, 5, 9))
    assert refused.value.code == "allowance_exhausted"
    assert "2" in str(refused.value.message)
    services.consultation_cancel(actor=employee_a, consultation=first, now=NOW)
    assert _book(employee_a, p_open, at=paris(2026, 3, 5, 9))  # a cancellation gives it back


def test_the_allowance_counts_per_calendar_year(employee_a, p_open, acme):
    acme.yearly_allowance_per_employee = 1
    acme.save()
    employee_a.refresh_from_db()
    book(employee_a, p_open, at=paris(2025, 12, 30, 9))
    assert _book(employee_a, p_open)


def test_an_inactive_company_cannot_book(p_open):
    from accounts.models import Role
    from accounts.services import user_create

    dormant = company_create(name="Dormant", siret="36252187900035", contact_email="c@d.test")
    employee = user_create(email="e@dormant.test", role=Role.EMPLOYEE, company=dormant)
    with pytest.raises(BookingRefused) as refused:
        _book(employee, p_open)
    assert refused.value.code == "company_inactive"
    assert refused.value.http_status == 403


@pytest.mark.parametrize(
    "who", ["practitioner_q", "hr_acme", "staff_r2", "operator_r1", "superuser"]
)
def test_only_employees_book(request, who, p_open):
    with pytest.raises(PermissionDenied):
        _book(request.getfixturevalue(who), p_open)
    assert not Consultation.objects.exists()


def test_booking_emails_both_participants_after_commit(
    employee_a, p_open, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _book(employee_a, p_open)
    assert sorted(m.to[0] for m in mail.outbox) == [employee_a.email, p_open.email]


def test_a_refused_booking_sends_nothing(
    employee_a, employee_b, p_open, django_capture_on_commit_callbacks
):
    _book(employee_a, p_open)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(SlotTaken):
            _book(employee_b, p_open)
    assert callbacks == [] and mail.outbox == []


def test_every_transition_is_recorded_with_actor(employee_a, p_open):
    consultation = _book(employee_a, p_open)
    services.consultation_cancel(actor=p_open, consultation=consultation, reason=" away ", now=NOW)
    rows = list(StatusChange.objects.values_list("actor", "from_status", "to_status", "at"))
    assert rows == [
        (employee_a.pk, "", "scheduled", NOW),
        (p_open.pk, "scheduled", "cancelled", NOW),
    ]
    consultation.refresh_from_db()
    assert consultation.cancelled_by == p_open
    assert cancel_reason_for(user=p_open, consultation=consultation) == "away"


def test_availability_is_the_practitioners_own(employee_a, hr_acme, staff_r2):
    for outsider in (employee_a, hr_acme, staff_r2):
        with pytest.raises(PermissionDenied):
            services.availability_update(actor=outsider, length_minutes=30)
        with pytest.raises(PermissionDenied):
            services.weekly_hours_set(actor=outsider, openings=[])


def test_weekly_windows_may_not_overlap(practitioner_p):
    with pytest.raises(ValidationError):
        services.weekly_hours_set(
            actor=practitioner_p,
            openings=[(0, time(9), time(12)), (0, time(11), time(14))],
        )


def test_availability_settings_are_validated(practitioner_p):
    for bad in ({"length_minutes": 5}, {"buffer_minutes": 500}, {"time_zone": "Mars/Base"}):
        with pytest.raises(ValidationError):
            services.availability_update(actor=practitioner_p, **bad)


def test_removing_someone_elses_exception_is_not_found(p_open, practitioner_q):
    [exception] = services.availability_exception_add(
        actor=p_open, kind="closed", day=date(2026, 3, 3)
    )
    with pytest.raises(exception.DoesNotExist):
        services.availability_exception_remove(actor=practitioner_q, exception_id=exception.pk)
    services.availability_exception_remove(actor=p_open, exception_id=exception.pk)

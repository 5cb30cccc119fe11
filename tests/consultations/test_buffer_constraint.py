"""The practitioner's buffer is kept by PostgreSQL itself (migration 0007): a
consultation written straight to the database, bypassing the services, inside another
live consultation's buffer is refused; outside it, or once that one is cancelled, it is
accepted. Each row keeps the buffer it was booked with."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from consultations import services
from consultations.models import Consultation
from tests.consultations.conftest import NOW, open_weekdays, paris

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
TUESDAY_9 = paris(2026, 3, 3, 9)  # 9:00-9:50, buffer 10 min: free again at 10:00


@pytest.fixture
def first(employee_a, practitioner_p):
    open_weekdays(practitioner_p, buffer=10)
    return services.consultation_book(
        employee=employee_a,
        practitioner=practitioner_p,
        scheduled_at=TUESDAY_9,
        kind="video",
        now=NOW,
    )


def _create(employee, practitioner, company, start, minutes=50, **extra):
    return Consultation.objects.create(
        employee=employee,
        practitioner=practitioner,
        company=company,
        kind="video",
        scheduled_at=start,
        scheduled_end=start + timedelta(minutes=minutes),
        **extra,
    )


def test_booking_records_the_practitioners_buffer(first):
    assert first.buffer_minutes == 10


def test_an_orm_create_inside_the_buffer_after_is_refused(first, employee_b, practitioner_p):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        _create(employee_b, practitioner_p, first.company, TUESDAY_9 + timedelta(minutes=55))
    assert "consultation_practitioner_no_overlap" in str(error.value)
    assert Consultation.objects.count() == 1


def test_a_row_whose_own_buffer_reaches_the_next_is_refused(first, employee_b, practitioner_p):
    # 8:00-8:55 with a 10-minute buffer runs into 9:00.
    with pytest.raises(IntegrityError), transaction.atomic():
        _create(
            employee_b,
            practitioner_p,
            first.company,
            TUESDAY_9 - timedelta(hours=1),
            minutes=55,
            buffer_minutes=10,
        )


def test_a_raw_sql_insert_inside_the_buffer_is_refused(first, employee_b, practitioner_p):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO consultations_consultation (id, employee_id, practitioner_id, "
            "company_id, kind, status, scheduled_at, scheduled_end, created_at, "
            "cancel_reason_sealed, cancelled_late, late_cancellation_paid, ics_sequence) "
            "VALUES (gen_random_uuid(), %s, %s, %s, 'chat', 'scheduled', %s, %s, now(), "
            "'', false, false, 0)",
            [
                employee_b.pk,
                practitioner_p.pk,
                first.company_id,
                TUESDAY_9 + timedelta(minutes=59),
                TUESDAY_9 + timedelta(minutes=109),
            ],
        )


def test_right_after_the_buffer_is_accepted(first, employee_b, practitioner_p):
    _create(employee_b, practitioner_p, first.company, TUESDAY_9 + timedelta(minutes=60))
    assert Consultation.objects.count() == 2


def test_a_cancelled_consultation_holds_no_buffer(first, employee_a, employee_b, practitioner_p):
    services.consultation_cancel(actor=employee_a, consultation=first, now=NOW)
    _create(employee_b, practitioner_p, first.company, TUESDAY_9 + timedelta(minutes=55))


def test_another_practitioners_buffer_does_not_matter(first, employee_b, practitioner_q):
    _create(employee_b, practitioner_q, first.company, TUESDAY_9 + timedelta(minutes=55))


def test_the_function_is_immutable_and_only_adds_minutes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT provolatile FROM pg_proc WHERE proname = 'consultation_buffer_end'")
        assert cursor.fetchone() == ("i",)
        # Across the spring change, in Paris: ten real minutes, whatever the session's
        # time zone says.
        cursor.execute("SET LOCAL TIME ZONE 'Europe/Paris'")
        cursor.execute(
            "SELECT consultation_buffer_end('2026-03-29 01:55:00+01', 10) "
            "= '2026-03-29 01:05:00+00'::timestamptz"
        )
        assert cursor.fetchone() == (True,)


def test_the_slot_selector_keeps_a_rows_own_larger_buffer(first, employee_b, practitioner_p):
    """After the practitioner shortens the pause, the slot right after a consultation
    booked with the longer one is still not offered: the database would refuse it."""
    from consultations import selectors

    services.availability_exception_add(
        actor=practitioner_p,
        kind="open",
        day=TUESDAY_9.date(),
        start_time=paris(2026, 3, 3, 9, 55).time(),
        end_time=paris(2026, 3, 3, 10, 45).time(),
    )
    services.availability_update(actor=practitioner_p, buffer_minutes=0)
    starts = [
        s.start
        for s in selectors.practitioner_slots(
            practitioner=practitioner_p,
            start=TUESDAY_9,
            end=TUESDAY_9 + timedelta(hours=3),
            now=NOW,
        )
    ]
    assert paris(2026, 3, 3, 9, 55) not in starts

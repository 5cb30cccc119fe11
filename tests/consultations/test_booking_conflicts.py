"""selectors.booking_conflicts (the booking's checks under its locks, one statement on
PostgreSQL) answers what the two checks it replaces answer: `slot_is_free` for the
practitioner (buffers included) and no live consultation of the employee overlapping;
and so does it from `slot_inputs(booking=...)`, which a booking reads under its locks
(then no statement of its own), on PostgreSQL and on SQLite."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations import selectors
from consultations.models import Consultation
from tests.consultations.conftest import NOW, open_weekdays, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
TUESDAY = (2026, 3, 3)


def _separately(practitioner, employee, start, end):
    availability = selectors.availability_for(practitioner)
    free = selectors.slot_is_free(
        practitioner=practitioner, availability=availability, start=start, end=end
    )
    busy = Consultation.objects.filter(
        employee=employee,
        status__in=Consultation.BLOCKING_STATUSES,
        scheduled_at__lt=end,
        scheduled_end__gt=start,
    ).exists()
    return free, not busy


def _together(practitioner, employee, start, end):
    with CaptureQueriesContext(connection) as captured:
        answer = selectors.booking_conflicts(
            practitioner=practitioner,
            employee=employee,
            availability=selectors.availability_for(practitioner),
            start=start,
            end=end,
        )
    if connection.vendor == "postgresql":
        assert len(captured) == 2  # the availability (here), then the one statement
    return answer


def _from_inputs(practitioner, employee, start, end):
    """What a booking asks: `slot_inputs` with `booking`, then `booking_conflicts` on it
    (no statement of its own)."""
    inputs = selectors.slot_inputs(
        practitioner_id=practitioner.pk,
        first_day=start.date(),
        last_day=start.date(),
        now=NOW,
        booking=(employee.pk, start),
    )
    with CaptureQueriesContext(connection) as captured:
        answer = selectors.booking_conflicts(
            practitioner=practitioner,
            employee=employee,
            availability=inputs.availability,
            start=start,
            end=end,
            inputs=inputs,
        )
    assert not captured
    return answer


def test_booking_conflicts_answers_as_the_two_checks(
    employee_a, employee_b, practitioner_p, practitioner_q
):
    for practitioner in (practitioner_p, practitioner_q):
        open_weekdays(practitioner, start=paris(*TUESDAY, 8).time(), end=paris(*TUESDAY, 13).time())
    # employee_a with P at 9:00 (50 min, 10 min buffer); employee_b with Q at 11:00, then
    # cancelled; employee_b with Q at 12:00.
    book(employee_a, practitioner_p, at=paris(*TUESDAY, 9), now=NOW)
    cancelled = book(employee_b, practitioner_q, at=paris(*TUESDAY, 11), now=NOW)
    Consultation.objects.filter(pk=cancelled.pk).update(status=Consultation.Status.CANCELLED)
    book(employee_b, practitioner_q, at=paris(*TUESDAY, 12), now=NOW)
    length = timedelta(minutes=50)
    seen = set()
    for practitioner in (practitioner_p, practitioner_q):
        for employee in (employee_a, employee_b):
            for hour, minute in [(8, 0), (8, 10), (8, 20), (9, 0), (9, 50), (10, 0), (11, 0)]:
                start = paris(*TUESDAY, hour, minute)
                end = start + length
                answer = _together(practitioner, employee, start, end)
                assert answer == _separately(practitioner, employee, start, end), (
                    practitioner.email,
                    employee.email,
                    start,
                )
                assert _from_inputs(practitioner, employee, start, end) == answer
                seen.add(answer)
            start = paris(*TUESDAY, 12, 30)  # employee_b busy with Q then, P free
            answer = _together(practitioner, employee, start, start + length)
            assert answer == _separately(practitioner, employee, start, start + length)
            assert _from_inputs(practitioner, employee, start, start + length) == answer
            seen.add(answer)
    assert seen == {(True, True), (False, True), (True, False), (False, False)}

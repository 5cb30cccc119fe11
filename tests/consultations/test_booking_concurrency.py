"""No double booking under real concurrency, on PostgreSQL: threads with their own
connections race for one slot; the row locks and the exclusion constraints let exactly
one through and refuse the others clearly."""

import threading
from datetime import date, time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import Role
from accounts.services import user_create
from consultations import services
from consultations.exceptions import BookingRefused, SlotTaken
from consultations.models import Consultation
from tests.consultations.conftest import NOW, open_weekdays, paris

# serialized_rollback: the flush between transactional tests empties the reference
# tables filled by data migrations (languages, specialties); this restores them.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
TUESDAY_9 = paris(2026, 3, 3, 9)


def _race(calls):
    """Run every call at once, each in its own thread (own connection)."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is the point
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _book(employee, practitioner, at=TUESDAY_9):
    return lambda: services.consultation_book(
        employee=employee, practitioner=practitioner, scheduled_at=at, kind="video", now=NOW
    )


def test_twenty_concurrent_bookings_of_one_slot_give_one_consultation(acme, practitioner_p):
    open_weekdays(practitioner_p)
    employees = [
        user_create(email=f"racer{i}@acme.test", role=Role.EMPLOYEE, company=acme)
        for i in range(20)
    ]
    outcomes = _race([_book(employee, practitioner_p) for employee in employees])
    booked = [o for o in outcomes if isinstance(o, Consultation)]
    refused = [o for o in outcomes if isinstance(o, SlotTaken)]
    assert len(booked) == 1, outcomes
    assert len(refused) == 19, outcomes
    assert all(r.code == "slot_taken" and r.http_status == 409 for r in refused)
    assert Consultation.objects.count() == 1


def test_concurrent_overlapping_but_not_identical_slots_conflict(acme, practitioner_p):
    open_weekdays(practitioner_p)
    services.availability_exception_add(
        actor=practitioner_p,
        kind="open",
        day=date(2026, 3, 3),
        start_time=time(9, 25),
        end_time=time(10, 15),
    )
    one = user_create(email="one@acme.test", role=Role.EMPLOYEE, company=acme)
    two = user_create(email="two@acme.test", role=Role.EMPLOYEE, company=acme)
    outcomes = _race(
        [
            _book(one, practitioner_p, TUESDAY_9),
            _book(two, practitioner_p, paris(2026, 3, 3, 9, 25)),
        ]
    )
    assert sum(isinstance(o, Consultation) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, SlotTaken) for o in outcomes) == 1, outcomes


def test_an_employee_racing_two_practitioners_gets_one(employee_a, practitioner_p, practitioner_q):
    open_weekdays(practitioner_p)
    open_weekdays(practitioner_q)
    outcomes = _race([_book(employee_a, practitioner_p), _book(employee_a, practitioner_q)])
    assert sum(isinstance(o, Consultation) for o in outcomes) == 1, outcomes
    [refusal] = [o for o in outcomes if isinstance(o, BookingRefused)]
    assert refusal.code == "employee_busy"


def test_the_database_itself_refuses_an_overlap(employee_a, employee_b, practitioner_p):
    open_weekdays(practitioner_p)
    first = services.consultation_book(
        employee=employee_a,
        practitioner=practitioner_p,
        scheduled_at=TUESDAY_9,
        kind="video",
        now=NOW,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Consultation.objects.create(
            employee=employee_b,
            practitioner=practitioner_p,
            company=first.company,
            kind="video",
            scheduled_at=TUESDAY_9 + timedelta(minutes=30),
            scheduled_end=TUESDAY_9 + timedelta(minutes=80),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Consultation.objects.create(
            employee=employee_a,
            practitioner=first.practitioner,
            company=first.company,
            kind="chat",
            scheduled_at=TUESDAY_9 + timedelta(minutes=10),
            scheduled_end=TUESDAY_9 + timedelta(minutes=20),
        )
    Consultation.objects.filter(pk=first.pk).update(status="cancelled")
    Consultation.objects.create(  # a cancelled consultation holds nothing
        employee=employee_b,
        practitioner=practitioner_p,
        company=first.company,
        kind="video",
        scheduled_at=TUESDAY_9,
        scheduled_end=TUESDAY_9 + timedelta(minutes=50),
    )

"""Rescheduling races bookings and other reschedules for the same slot on PostgreSQL:
threads with their own connections; the row locks and the exclusion constraints let
exactly one through, and the loser's consultation stays where it was."""

from datetime import timedelta

import pytest

from accounts.models import Role
from accounts.services import user_create
from consultations import services
from consultations.exceptions import SlotTaken
from consultations.models import Consultation
from tests.consultations.conftest import NOW, open_weekdays, paris
from tests.consultations.test_booking_concurrency import _race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
THURSDAY_9 = paris(2026, 3, 5, 9)
THURSDAY_11 = paris(2026, 3, 5, 11)
FRIDAY_10 = paris(2026, 3, 6, 10)


def _book(employee, practitioner, at):
    return services.consultation_book(
        employee=employee, practitioner=practitioner, scheduled_at=at, kind="video", now=NOW
    )


def _move(employee, consultation, at=FRIDAY_10):
    return lambda: services.consultation_reschedule(
        actor=employee, consultation=consultation, scheduled_at=at, now=NOW
    )


def test_a_reschedule_racing_bookings_of_the_slot_gives_one(acme, practitioner_p):
    open_weekdays(practitioner_p)
    mover = user_create(email="mover@acme.test", role=Role.EMPLOYEE, company=acme)
    mine = _book(mover, practitioner_p, THURSDAY_9)
    bookers = [
        user_create(email=f"racer{i}@acme.test", role=Role.EMPLOYEE, company=acme) for i in range(8)
    ]
    calls = [_move(mover, mine)] + [
        (lambda e=employee: _book(e, practitioner_p, FRIDAY_10)) for employee in bookers
    ]
    outcomes = _race(calls)
    assert sum(isinstance(o, Consultation) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, SlotTaken) for o in outcomes) == 8, outcomes
    live = Consultation.objects.filter(status="scheduled")
    assert live.filter(scheduled_at=FRIDAY_10).count() == 1
    mine.refresh_from_db()
    if not isinstance(outcomes[0], Consultation):
        assert mine.scheduled_at == THURSDAY_9 and mine.status_changes.count() == 1


def test_two_reschedules_to_one_slot_give_one(acme, practitioner_p):
    open_weekdays(practitioner_p)
    one = user_create(email="one@acme.test", role=Role.EMPLOYEE, company=acme)
    two = user_create(email="two@acme.test", role=Role.EMPLOYEE, company=acme)
    first = _book(one, practitioner_p, THURSDAY_9)
    second = _book(two, practitioner_p, THURSDAY_11)
    outcomes = _race([_move(one, first), _move(two, second)])
    assert sum(isinstance(o, Consultation) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, SlotTaken) for o in outcomes) == 1, outcomes
    first.refresh_from_db()
    second.refresh_from_db()
    assert sorted([first.scheduled_at, second.scheduled_at]) in (
        [THURSDAY_11, FRIDAY_10],
        [THURSDAY_9, FRIDAY_10],
    )
    assert Consultation.objects.filter(scheduled_at=FRIDAY_10).count() == 1
    assert first.scheduled_end - first.scheduled_at == timedelta(minutes=50)

"""`selectors.slot_inputs` (a booking's availability under its locks, the slots API's
inputs) runs through a statement prepared on the connection: PostgreSQL parsed and
planned it on every booking (about 0.3-0.4 ms of its CPU, longer than it ran: generic
plan on the same indexes, bench/profiles/sd) and now plans it once per connection. The
same answers as the client-side path, with and without a booking's employee, and again
after a rollback drops the connection's prepared statements; still one query."""

from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations import selectors, services
from tests.consultations.factories import book

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _prepared_inputs() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if '"consultations_availability" a' in row[0]]


def _plain(inputs: selectors.SlotInputs) -> tuple:
    a = inputs.availability
    return (
        (a.practitioner_id, a.time_zone, a.length_minutes, a.buffer_minutes),
        dict(inputs.weekly),
        dict(inputs.exceptions),
        inputs.busy,
        inputs.employee_busy,
    )


def _client_side(monkeypatch, **kwargs):
    """The same read bound client-side, never prepared (the path before)."""
    with monkeypatch.context() as patched:
        patched.setattr(connections[DEFAULT_DB_ALIAS], "prepared_cursor", None)
        return selectors.slot_inputs(**kwargs)


@pytest.fixture
def at():
    return (timezone.now() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)


def test_a_booking_reads_its_inputs_through_a_prepared_statement(
    employee_a, employee_b, p_open, at
):
    with CaptureQueriesContext(connection) as queries:
        first = book(employee_a, p_open, at=at)
    inputs = [q["sql"] for q in queries if '"consultations_availability" a' in q["sql"]]
    assert len(inputs) == 1 and "$1" in inputs[0]  # bound server-side
    assert len(_prepared_inputs()) == 1
    book(employee_b, p_open, at=at + timedelta(days=1))
    assert len(_prepared_inputs()) == 1  # the same statement, prepared once
    assert first.pk


@pytest.mark.parametrize("booking", [False, True])
def test_the_same_inputs_as_the_client_side_statement(
    monkeypatch, employee_a, employee_b, p_open, at, booking
):
    book(employee_a, p_open, at=at)
    cancelled = book(employee_b, p_open, at=at + timedelta(hours=1))
    services.consultation_cancel(actor=employee_b, consultation=cancelled)
    services.availability_exception_add(
        actor=p_open, kind="closed", day=at.date() + timedelta(days=2)
    )
    for employee in (employee_a, employee_b):
        kwargs = dict(
            practitioner_id=p_open.pk,
            first_day=at.date() - timedelta(days=1),
            last_day=at.date() + timedelta(days=3),
            now=timezone.now(),
            booking=(employee.pk, at) if booking else None,
        )
        prepared = selectors.slot_inputs(**kwargs)
        assert _plain(prepared) == _plain(_client_side(monkeypatch, **kwargs))
        assert prepared.busy and prepared.exceptions
        if booking:
            assert prepared.employee_busy is (employee is employee_a)
    # the bookings' statement, and the slots' one (without an employee) when asked
    assert len(_prepared_inputs()) == (1 if booking else 2)


def test_read_again_after_a_rollback_drops_it(employee_a, employee_b, p_open, at):
    book(employee_a, p_open, at=at)
    with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint rolled back
        book(employee_b, p_open, at=at + timedelta(days=1))
        raise RuntimeError
    assert book(employee_b, p_open, at=at + timedelta(days=1)).pk

"""`selectors.slot_inputs` (a booking's availability, hours, live consultations and
employee overlap under its locks; the slots API's inputs) runs through a statement
prepared on the connection, written so that PostgreSQL's generic plan is as good as a
plan of the values (the statuses written in, the employee's overlap as the exclusion
constraint's own range test): PostgreSQL then stops planning it on every booking
(bench/profiles/ta). The same answers as the client-side statement, overlaps at the
edges included, and again after a rollback drops the connection's prepared
statements; still one query."""

from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations import selectors, services
from consultations.models import Consultation
from tests.consultations.factories import book

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

_MARK = '"consultations_availability" a'


def _prepared_inputs() -> list[tuple[str, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return [row for row in cursor.fetchall() if _MARK in row[0]]


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
    """The same read bound client-side, never prepared."""
    with monkeypatch.context() as patched:
        patched.setattr(connections[DEFAULT_DB_ALIAS], "prepared_cursor", None)
        return selectors.slot_inputs(**kwargs)


@pytest.fixture
def at():
    return (timezone.now() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)


def test_a_booking_reads_its_inputs_through_one_prepared_statement(
    employee_a, employee_b, p_open, at
):
    with CaptureQueriesContext(connection) as queries:
        book(employee_a, p_open, at=at)
    inputs = [q["sql"] for q in queries if _MARK in q["sql"]]
    assert len(inputs) == 1 and "$1" in inputs[0]  # bound server-side
    assert len(_prepared_inputs()) == 1
    book(employee_b, p_open, at=at + timedelta(days=1))
    assert len(_prepared_inputs()) == 1  # the same statement, prepared once


def test_postgresql_takes_the_generic_plan_after_its_first_runs(employee_a, p_open, at):
    """PostgreSQL plans a prepared statement for its values five times, then keeps the
    generic plan unless a plan of the values looks cheaper: with the statuses as a
    parameter and the employee's overlap as two bounds, it planned every booking."""
    for day in range(8):
        services.consultation_cancel(
            actor=employee_a, consultation=book(employee_a, p_open, at=at + timedelta(days=day))
        )
    [(_sql, generic, custom)] = _prepared_inputs()
    assert custom == 5 and generic == 3


# The statement's parameters in the order they are numbered below, with their types.
_PARAMETERS = {
    "practitioner": "uuid",
    "first_date": "date",
    "last_date": "date",
    "busy_low": "timestamptz",
    "busy_high": "timestamptz",
    "busy_end_after": "timestamptz",
    "employee": "uuid",
    "start": "timestamptz",
}


def test_the_generic_plan_takes_the_indexes_a_plan_of_the_values_takes(employee_a, p_open, at):
    """Planned without its values (what PostgreSQL keeps after five runs): the
    employee's overlap is answered by the employee exclusion constraint's index, with
    the range as its condition, and the practitioner's live consultations by the
    (practitioner, scheduled_at) index, as a plan of the values does (sequential scans
    off: the test's tables are too small to need an index)."""
    book(employee_a, p_open, at=at)
    sql = selectors._slot_inputs_sql(True)
    for number, name in enumerate(_PARAMETERS, start=1):
        sql = sql.replace(f"%({name})s", f"${number}")
    assert "%(" not in sql
    values = ", ".join(["%s"] * len(_PARAMETERS))
    arguments = [
        p_open.pk,
        at.date() - timedelta(days=2),
        at.date() + timedelta(days=2),
        at - timedelta(days=1),
        at + timedelta(days=1),
        at - timedelta(days=1),
        employee_a.pk,
        at,
    ]
    plans = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"PREPARE inputs ({', '.join(_PARAMETERS.values())}) AS {sql}")
        for mode in ("force_generic_plan", "force_custom_plan"):
            cursor.execute(f"SET LOCAL plan_cache_mode = {mode}")
            cursor.execute(f"EXPLAIN (COSTS OFF) EXECUTE inputs({values})", arguments)
            plans[mode] = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE inputs")
    generic = plans["force_generic_plan"]
    assert "$7" in generic  # planned without the values
    employee = generic[generic.index("SubPlan") :]
    assert "Index Scan using consultation_employee_no_overlap" in employee
    assert "tstzrange(scheduled_at, scheduled_end, '[)'::text) &&" in employee
    assert "Filter" not in employee  # the index answers alone
    assert "Seq Scan" not in generic and "Seq Scan" not in plans["force_custom_plan"]
    assert "consultation_employee_no_overlap" in plans["force_custom_plan"]


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


@pytest.mark.parametrize(
    ("shift", "busy"),
    [
        (timedelta(minutes=-50), False),  # ends as the slot starts
        (timedelta(minutes=-49), True),  # ends a minute into it
        (timedelta(minutes=49), True),  # starts a minute before it ends
        (timedelta(minutes=50), False),  # starts as it ends
    ],
)
def test_the_employee_is_busy_exactly_when_a_live_consultation_overlaps(
    monkeypatch, employee_a, p_open, at, shift, busy
):
    """The employee's overlap, half-open [start, end) as the exclusion constraint
    tests it, for a slot of the practitioner's length (50 minutes)."""
    mine = book(employee_a, p_open, at=at + shift)
    kwargs = dict(
        practitioner_id=p_open.pk,
        first_day=at.date(),
        last_day=at.date(),
        now=timezone.now(),
        booking=(employee_a.pk, at),
    )
    assert selectors.slot_inputs(**kwargs).employee_busy is busy
    assert _client_side(monkeypatch, **kwargs).employee_busy is busy
    Consultation.objects.filter(pk=mine.pk).update(status=Consultation.Status.CANCELLED)
    assert selectors.slot_inputs(**kwargs).employee_busy is False  # live ones only


def test_read_again_after_a_rollback_drops_it(employee_a, employee_b, p_open, at):
    book(employee_a, p_open, at=at)
    with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint rolled back
        book(employee_b, p_open, at=at + timedelta(days=1))
        raise RuntimeError
    assert book(employee_b, p_open, at=at + timedelta(days=1)).pk

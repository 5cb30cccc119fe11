"""huntzen.statements: a prepared statement's rows read through libpq's prepared
statement and psycopg's Transformer (huntzen/postgresql `lean_rows`) are the tuples
Django's cursor gives, value for value and type for type (ids and instants as
PostgreSQL's text, ints, bools, NULLs, hostile text); the lean path runs only where the
cursor's would lose nothing (no query log, no transaction), keeps nothing of an answer
once read, and survives psycopg's DEALLOCATE ALL."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations import services
from consultations.api import MY_CONSULTATIONS
from huntzen.postgresql import lean
from medical import services as medical_services
from medical.selectors import OWN_ENTRIES
from tests.consultations.factories import book

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HOSTILE = 'O\'Brien "Ž" \\ %s $1 🧠\u2028\t'


def _by_cursor(statement, **values):
    """The statement's rows through Django's cursor (a query log watching takes it)."""
    with CaptureQueriesContext(connection) as queries:
        rows = statement.rows(**values)
    assert len(queries) == 1
    return rows


def _lean_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'huntzen_lean_%%'"
        )
        return [row[0] for row in cursor.fetchall()]


def _same(lean_rows, cursor_rows):
    assert lean_rows == cursor_rows
    assert [type(value) for row in lean_rows for value in row] == [
        type(value) for row in cursor_rows for value in row
    ]


@pytest.fixture
def consultations(employee_a, practitioner_p):
    employee_a.first_name = HOSTILE
    employee_a.save(update_fields=["first_name"])
    soon = timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)
    booked = [book(employee_a, practitioner_p, at=soon + timedelta(hours=n)) for n in range(4)]
    services.consultation_cancel(
        actor=practitioner_p, consultation=booked[0], reason="Empêchement « imprévu »"
    )
    return booked


def test_my_consultations_rows_are_the_cursors(employee_a, consultations):
    now = timezone.now()
    for statement in MY_CONSULTATIONS.values():
        for limit, offset in ((50, 0), (2, 1), (50, 10)):
            values = {"user_id": employee_a.pk, "now": now, "limit": limit, "offset": offset}
            _same(statement.rows(**values), _by_cursor(statement, **values))
    rows = MY_CONSULTATIONS["all"].rows(user_id=employee_a.pk, now=now, limit=50)
    assert len(rows) == 4 and rows[0][0].__class__ is str  # an id as PostgreSQL's text
    assert any(row[2] == HOSTILE for row in rows)
    assert any("LIMIT $" in text for text in _lean_statements())  # the lean path ran


def test_journal_rows_are_the_cursors(employee_a):
    for n in range(3):
        medical_services.journal_entry_create(
            owner=employee_a, mood=n + 1, text=f"{HOSTILE} {n}", entry_date=timezone.localdate()
        )
    values = {"owner_id": employee_a.pk, "limit": 2, "offset": 0}
    rows = OWN_ENTRIES.rows(**values)
    _same(rows, _by_cursor(OWN_ENTRIES, **values))
    assert len(rows) == 2 and rows[0][-1] == 3  # the page, ending with the total
    assert _lean_statements()


def test_inside_a_transaction_or_watched_it_is_the_cursors(employee_a, consultations):
    values = {"user_id": employee_a.pk, "now": timezone.now(), "limit": 50, "offset": 0}
    sql_values = ["x"]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with transaction.atomic():
        assert len(MY_CONSULTATIONS["all"].rows(**values)) == 4
        assert connection.lean_rows("SELECT %s", sql_values, ()) is None
    with CaptureQueriesContext(connection):
        assert connection.lean_rows("SELECT %s", sql_values, ()) is None
    assert _lean_statements() == []


def test_it_keeps_nothing_of_an_answer(employee_a, consultations):
    values = {"user_id": employee_a.pk, "now": timezone.now(), "limit": 50, "offset": 0}
    assert len(MY_CONSULTATIONS["all"].rows(**values)) == 4
    transformers = getattr(connection.connection, lean._TRANSFORMERS)
    assert transformers
    assert all(transformer.pgresult is None for transformer in transformers.values())


def test_it_is_prepared_again_after_psycopgs_deallocate_all(employee_a, consultations):
    values = {"user_id": employee_a.pk, "now": timezone.now(), "limit": 50, "offset": 0}
    expected = MY_CONSULTATIONS["all"].rows(**values)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert _lean_statements() == []
    assert MY_CONSULTATIONS["all"].rows(**values) == expected
    assert _lean_statements()


def test_parameters_it_sends_and_those_it_leaves_to_the_cursor(employee_a):
    assert lean.parameters([employee_a.pk, 50, 0, "é"], "utf-8") == [
        str(employee_a.pk).encode(),
        b"50",
        b"0",
        "é".encode(),
    ]
    assert lean.parameters([True], "utf-8") is None  # a bool is no integer here
    assert lean.parameters([1.5], "utf-8") is None

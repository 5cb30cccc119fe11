"""huntzen/postgresql `text_row`: the session read run through libpq's prepared statement
(huntzen/postgresql/lean.py) answers exactly as Django's cursor does, over hostile
values, expiry boundaries and time zones; it runs only in autocommit outside a
transaction with nothing watching; it survives psycopg's DEALLOCATE ALL; and its errors
are Django's, a broken connection included."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.db import OperationalError, ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.sessions import _session_sql

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC)  # an hour before Paris's DST

HOSTILE = [
    "",
    "plain",
    'it\'s "quoted"',
    "back\\slash \\\\ \\x00",
    "tab\tnew\nline\rcr\x01\x1f\x7f",
    "line\u2028para\u2029sep",
    "emoji 🧠💬 and combining é",
    "%s %% %(name)s $1 $2",
    "a" * 10_000,
]


def _sql():
    from django.contrib.sessions.models import Session

    return _session_sql(Session, connection)


def _insert(key: str, data: str, expire: datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_session (session_key, session_data, expire_date)"
            " VALUES (%s, %s, %s)",
            [key, data, expire],
        )


def _by_cursor(sql, params):
    """Django's own cursor path (a query log watching takes it)."""
    with CaptureQueriesContext(connection) as queries:
        row = connection.text_row(sql, params)
    assert len(queries) == 1
    return row


def _lean_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'huntzen_lean_%%'")
        return [row[0] for row in cursor.fetchall()]


def test_it_answers_as_the_cursor_over_hostile_values():
    sql = _sql()
    keys = [f"k{i:02d}'\"\\;--" for i in range(len(HOSTILE))]
    for key, data in zip(keys, HOSTILE, strict=True):
        _insert(key, data, NOW + timedelta(days=1))
    for key, data in zip(keys, HOSTILE, strict=True):
        lean = connection.text_row(sql, [key, NOW])
        assert lean == _by_cursor(sql, [key, NOW]) == (data,)
    for missing in ["", "nope", "k00'\"\\;-- ", "🧠", "x" * 40]:
        assert connection.text_row(sql, [missing, NOW]) is None
        assert _by_cursor(sql, [missing, NOW]) is None
    assert _lean_statements()  # the lean path did run


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        NOW.astimezone(PARIS),
        (NOW + timedelta(hours=1)).astimezone(PARIS),  # after the clocks went forward
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC).astimezone(PARIS),  # first 02:30
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC).astimezone(PARIS),  # second 02:30
        NOW.replace(microsecond=0),
        NOW.astimezone(zoneinfo.ZoneInfo("Asia/Kathmandu")),
        NOW.astimezone(zoneinfo.ZoneInfo("America/St_Johns")),
        NOW.replace(tzinfo=None),  # naive: the session's time zone (UTC), as psycopg's
    ],
)
def test_the_expiry_boundary_is_the_cursors(now):
    sql = _sql()
    # In UTC: Python's arithmetic on an aware time drops its fold (the second 02:30).
    instant = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    _insert("at", "expires now", instant)
    _insert("before", "expired a microsecond ago", instant - timedelta(microseconds=1))
    _insert("after", "live a microsecond more", instant + timedelta(microseconds=1))
    for key, expected in [("at", None), ("before", None), ("after", ("live a microsecond more",))]:
        assert connection.text_row(sql, [key, now]) == expected
        assert _by_cursor(sql, [key, now]) == expected


def test_inside_a_transaction_it_is_the_cursors():
    _insert("k", "data", NOW + timedelta(days=1))
    with transaction.atomic():
        assert connection.text_row(_sql(), ["k", NOW]) == ("data",)
    assert _lean_statements() == []


def test_it_is_prepared_again_after_psycopgs_deallocate_all():
    sql = _sql()
    _insert("k", "data", NOW + timedelta(days=1))
    assert connection.text_row(sql, ["k", NOW]) == ("data",)
    assert _lean_statements()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert _lean_statements() == []
    assert connection.text_row(sql, ["k", NOW]) == ("data",)
    # psycopg's own: a rollback with its statements prepared sends DEALLOCATE ALL.
    with pytest.raises(RuntimeError), transaction.atomic():
        with connection.prepared_cursor() as cursor:
            cursor.execute(sql, ["k", NOW])
        raise RuntimeError
    assert connection.text_row(sql, ["k", NOW]) == ("data",)


def test_its_errors_are_djangos_and_the_connection_stays_usable():
    with pytest.raises(ProgrammingError):
        connection.text_row("SELECT x FROM no_such_table WHERE y = %s", ["k"])
    assert connection.is_usable()
    _insert("k", "data", NOW + timedelta(days=1))
    assert connection.text_row(_sql(), ["k", NOW]) == ("data",)


def test_a_connection_ended_by_the_server_is_djangos_error_and_then_replaced():
    _insert("k", "data", NOW + timedelta(days=1))
    sql = _sql()
    assert connection.text_row(sql, ["k", NOW]) == ("data",)
    pid = connection.connection.info.backend_pid
    from django.db import connections

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    with pytest.raises(OperationalError):
        for _ in range(50):  # the server's goodbye may take a moment to arrive
            connection.text_row(sql, ["k", NOW])
    assert connection.errors_occurred
    connection.close_if_unusable_or_obsolete()
    assert connection.text_row(sql, ["k", NOW]) == ("data",)


def test_a_placeholder_it_cannot_convert_goes_to_the_cursor():
    _insert("k%", "data", NOW + timedelta(days=1))
    sql = "SELECT session_data FROM django_session WHERE session_key = %s || '%%'"
    assert connection.text_row(sql, ["k"]) == ("data",)
    assert connection.text_row("SELECT %s::text", [7]) == ("7",)  # not str nor datetime

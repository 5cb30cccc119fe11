"""On the embedded SQLite (the demo's and `make serve`'s default), concurrent requests
that read and then write wait for each other instead of failing with "database is
locked": write transactions take SQLite's lock at BEGIN (huntzen/settings.py)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own locking"),
]


@pytest.fixture
def probe_table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE lock_probe (id INTEGER PRIMARY KEY, who TEXT)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE lock_probe")


def _read_then_write(who: str, hold: float, errors: list) -> None:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM lock_probe")
            time.sleep(hold)  # the other transaction reads meanwhile
            cursor.execute("INSERT INTO lock_probe (who) VALUES (%s)", [who])
    except Exception as error:  # noqa: BLE001 — reported to the test's thread
        errors.append(error)
    finally:
        connections.close_all()


def test_the_tests_database_is_a_file_each_thread_its_own_connection():
    """An in-memory database would be one connection shared by the live server's
    threads, their transactions interleaved."""
    name = str(connection.settings_dict["NAME"])
    assert "memory" not in name
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_two_transactions_that_read_then_write_both_commit(probe_table):
    errors: list = []
    threads = [threading.Thread(target=_read_then_write, args=(who, 0.3, errors)) for who in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT who FROM lock_probe ORDER BY who")
        assert [row[0] for row in cursor.fetchall()] == ["a", "b"]

"""huntzen.postgresql: Django's autocommit switch leaves an idle connection already in
that mode as it is (each checkout from the pool asked psycopg to set it again), and
hands every real change, and every error, to psycopg."""

import psycopg
import pytest
from django.db import ProgrammingError, connection, transaction

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def psycopg_sets(monkeypatch):
    """The values Django asks psycopg's `autocommit` setter to take, in order."""
    sets = []
    setter = psycopg.Connection._set_autocommit

    def spying(self, value):
        sets.append(value)
        return setter(self, value)

    monkeypatch.setattr(psycopg.Connection, "_set_autocommit", spying)
    return sets


def test_an_idle_connection_in_autocommit_is_left_as_it_is(psycopg_sets):
    connection.ensure_connection()
    psycopg_sets.clear()  # a new connection (not from a pool) is switched on connect
    assert connection.connection.autocommit is True
    connection.set_autocommit(True)
    assert psycopg_sets == []
    assert connection.get_autocommit() is True


def test_a_transaction_still_switches_both_ways(psycopg_sets):
    connection.ensure_connection()
    psycopg_sets.clear()  # a new connection (not from a pool) is switched on connect
    with transaction.atomic():
        assert connection.connection.autocommit is False
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    assert connection.connection.autocommit is True
    assert psycopg_sets == [False, True]


def test_a_connection_inside_a_transaction_gets_psycopgs_error(psycopg_sets):
    connection.ensure_connection()
    psycopg_sets.clear()  # a new connection (not from a pool) is switched on connect
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
    try:
        with pytest.raises(ProgrammingError, match="can't change 'autocommit' now"):
            connection.set_autocommit(True)
        assert psycopg_sets == [True]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")

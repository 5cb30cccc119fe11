"""huntzen.postgresql: a pooled connection leaves the pool with no round trip when it is
healthy (nothing on its socket), and one the server terminated is seen before any
request gets it: the real check runs, fails, the pool is swept and a fresh connection
is handed out."""

import select
import tempfile

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from huntzen.postgresql.base import check_connection_and_sweep, looks_alive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def make_pool():
    pools = []

    def make(size: int) -> ConnectionPool:
        params = connection.get_connection_params()
        params["autocommit"] = True
        pool = ConnectionPool(
            kwargs=params,
            min_size=size,
            max_size=size,
            check=check_connection_and_sweep,
            open=True,
            timeout=10,
        )
        pool.wait(timeout=10)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.close()


class _Trace:
    """The frontend messages libpq sends on `conn` (its protocol trace): F lines."""

    def __init__(self, conn):
        self.pgconn = conn.pgconn
        self.file = tempfile.TemporaryFile()
        self.pgconn.trace(self.file.fileno())

    def sent(self) -> list[str]:
        self.pgconn.untrace()
        self.file.seek(0)
        lines = self.file.read().decode(errors="replace").splitlines()
        return [line for line in lines if "\tF\t" in line]


def _terminate(conn) -> None:
    """pg_terminate_backend on the pooled `conn`'s server process, and wait until the
    server has ended it (its socket turns readable: the FATAL message, then EOF)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
        assert cursor.fetchone() == (True,)
    poller = select.poll()
    poller.register(conn.pgconn.socket, select.POLLIN)
    assert poller.poll(10_000), "the server did not end the connection"


def test_a_healthy_connection_leaves_the_pool_with_no_round_trip(make_pool):
    pool = make_pool(1)
    conn = pool.getconn()
    pool.putconn(conn)

    trace = _Trace(conn)
    again = pool.getconn()
    assert again is conn
    assert trace.sent() == []  # nothing sent to the server

    trace = _Trace(conn)  # the trace does see a query (the test can fail)
    again.execute("SELECT 1")
    assert trace.sent() != []
    pool.putconn(again)


def test_psycopg_pools_own_check_costs_a_round_trip(make_pool):
    """What this replaces: the empty query on every getconn."""
    pool = make_pool(1)
    conn = pool.getconn()
    trace = _Trace(conn)
    ConnectionPool.check_connection(conn)
    assert len(trace.sent()) == 1
    pool.putconn(conn)


def test_a_terminated_connection_is_replaced_before_anyone_uses_it(make_pool):
    pool = make_pool(2)
    held = [pool.getconn(), pool.getconn()]
    pids = {conn.info.backend_pid for conn in held}
    for conn in held:
        _terminate(conn)
        pool.putconn(conn)
    assert not any(looks_alive(conn) for conn in held)  # their sockets say so

    conn = pool.getconn()
    assert conn.info.backend_pid not in pids
    assert conn.execute("SELECT 1").fetchone() == (1,)  # its first use succeeds
    pool.putconn(conn)
    assert pool.get_stats()["connections_lost"] >= 1  # the sweep found them


def test_one_terminated_connection_sweeps_the_pool(make_pool):
    pool = make_pool(2)
    first, second = pool.getconn(), pool.getconn()
    dead = second.info.backend_pid
    _terminate(second)
    pool.putconn(second)
    pool.putconn(first)
    conn = pool.getconn()
    try:
        assert conn.info.backend_pid != dead
        assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        pool.putconn(conn)


def test_a_connection_in_a_transaction_or_closed_is_not_taken_as_healthy(make_pool):
    pool = make_pool(1)
    conn = pool.getconn()
    conn.autocommit = False
    conn.execute("SELECT 1")
    assert not looks_alive(conn)  # in a transaction: the real check decides
    conn.rollback()
    conn.autocommit = True
    assert looks_alive(conn)
    pool.putconn(conn)
    closed = psycopg.connect(**{**connection.get_connection_params(), "autocommit": True})
    closed.close()
    assert not looks_alive(closed)


def test_the_backend_uses_this_check():
    from huntzen.postgresql.base import DatabaseWrapper

    pool = {"min_size": 1, "max_size": 1}
    wrapper = DatabaseWrapper({**connection.settings_dict, "OPTIONS": {"pool": pool}})
    try:
        assert wrapper.pool._check is check_connection_and_sweep
    finally:
        wrapper.close_pool()

"""Django's PostgreSQL backend, with a pool that recovers from a restart at once (F4) and
checks its connections without a round trip, and timestamps decoded by psycopg's C
loader (`UtcTimestamptzLoader`).

Django's pool checks each connection as it leaves the pool (psycopg_pool's
`check_connection`: an empty query, one round trip to the server on every request).
Here a connection leaves the pool unchecked when it looks healthy from this side alone
(`looks_alive`): open, idle, and nothing waiting on its socket. An idle connection the
server still serves has nothing to read; one the server ended (restart,
pg_terminate_backend, idle timeout, a cut proxy) has its FATAL message or the end of
the stream waiting there, or is already marked broken. Only then is the real check run.

psycopg_pool waits 1 s, then 2 s, ... between two failed checks of one request: after a
PostgreSQL restart, with every pooled connection stale, the first requests ran out of
their pool timeout on dead connections one at a time. Here the first failed check
sweeps the whole pool (`ConnectionPool.check`: each idle connection tested, the dead ones
replaced), so the request's next try gets a fresh connection.

What no check from this side can see without a round trip: a server that vanished
without closing the TCP connection (a network partition); the request's first query then
fails, as the empty query would have hung until the TCP timeout.
"""

import functools
import select
from datetime import UTC

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg import adapt, pq
from psycopg._tz import get_tzinfo
from psycopg_pool import ConnectionPool

from huntzen import after_commit
from huntzen.postgresql import lean

try:  # psycopg's C implementation (psycopg-binary or psycopg-c), when installed
    from psycopg._cmodule import _psycopg as _psycopg_c
except ImportError:  # pragma: no cover - the pure-Python psycopg
    _psycopg_c = None


def looks_alive(conn) -> bool:
    """Whether `conn` is open, idle and has nothing from the server waiting to be read,
    with no round trip (a zero-timeout poll of its socket). False when in doubt."""
    if conn.closed or conn.broken:
        return False
    pgconn = conn.pgconn
    if pgconn.status != pq.ConnStatus.OK:
        return False
    if pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    try:
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)  # anything readable: a FATAL notice, EOF, an error
    except Exception:  # no socket any more, no poll on this platform
        return False


def check_connection_and_sweep(conn) -> None:
    if looks_alive(conn):
        return
    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        pool = getattr(conn, "_pool", None)  # the pool set it before calling the check
        if pool is not None:
            pool.check()
        raise


class UtcTimestamptzLoader(adapt.Loader):
    """Django's timestamptz loader (psycopg_any's, for UTC: aware datetimes in
    datetime.timezone.utc) through psycopg's C parser. Django subclasses psycopg's
    pure-Python loader, about ten times slower (a regular expression and a datetime
    shift per value: most of a list's row decoding in bench/profiles/h3-own-reads).
    The C loader answers in the connection's time zone, which Django sets to UTC; on
    any other it is not used (tests/faults/test_timestamptz_loader.py)."""

    timezone = UTC  # what Django's create_cursor compares with its own

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        pgconn = self.connection.pgconn if self.connection else None
        if get_tzinfo(pgconn) is UTC:
            self._loader = _psycopg_c.TimestamptzLoader(oid, context)
        else:
            self._loader = _DjangoUtcLoader(oid, context)
        self.load = self._loader.load  # the instance's: no Python frame per value

    def load(self, data):
        return self._loader.load(data)


class _DjangoUtcLoader(BaseTzLoader):
    """What Django registers for UTC (psycopg_any.register_tzloader)."""

    timezone = UTC


@functools.cache
def _adapters(template):
    """Django's adapters with UtcTimestamptzLoader, when Django loads in UTC."""
    if _psycopg_c is None:
        return template
    loader = template.get_loader(base.TIMESTAMPTZ_OID, pq.Format.TEXT)
    if getattr(loader, "timezone", None) is not UTC:
        return template
    adapters = adapt.AdaptersMap(template)
    adapters.register_loader("timestamptz", UtcTimestamptzLoader)
    return adapters


# Where the pool keeps the parameters Django built it with (get_connection_params).
_POOL_PARAMS = "_huntzen_connection_params"


class PreparedCursor(base.ServerBindingCursor):
    """Django's server-side binding cursor that keeps its statement when it runs
    prepared as well (psycopg keeps it only when it does not): Django's query log reads
    it there (`last_executed_query`)."""

    def _send_query_prepared(self, name, pgq, *, binary=None):
        self._query = pgq
        super()._send_query_prepared(name, pgq, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    def prepared_cursor(self):
        """Django's cursor (its wrapper: logged, errors translated) with server-side
        binding, for the statement every signed-in request runs (accounts/sessions.py):
        with the connection's `prepare_threshold` at 0 (settings), PostgreSQL parses and
        plans it once per connection, pooled ones included, instead of once per request
        (psycopg re-prepares it after a rollback, which drops its prepared statements).
        Every other statement keeps Django's client-side binding, never prepared."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(PreparedCursor(self.connection))

    def text_row(self, sql: str, params):
        """The first row of a read of text columns (Django's SQL and parameters) as a
        tuple of str, or None: through libpq's prepared statement where
        huntzen/postgresql/lean.py allows it (its docstring says when), else through
        `prepared_cursor`. The same answer either way (tests/test_lean_text_row.py)."""
        found = self.lean_call(lean.text_row, sql, params)
        if found is not None:
            return found[0]
        with self.prepared_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def lean_rows(self, sql: str, params, text_oids: tuple[int, ...]) -> list[tuple] | None:
        """Every row of a prepared read (Django's SQL and parameters) as the tuples of a
        `prepared_cursor` whose loaders read `text_oids` as text, through libpq's
        prepared statement (huntzen/postgresql/lean.py `rows`); None where that path
        does not run (the caller's cursor then reads them: huntzen.statements)."""
        found = self.lean_call(lean.rows, sql, params, text_oids)
        return None if found is None else found[0]

    def lean_call(self, read, sql: str, params, *args):
        """`(read(conn, name, text, values, encoding, *args),)` for a lean read
        (huntzen/postgresql/lean.py) of `sql`, or None where the lean path does not run:
        a query log or an execute wrapper watching, a transaction, a `%` of its own in
        the SQL, a parameter of another type. The one place that decides."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        conn = self.connection
        if self.queries_logged or self.execute_wrappers or not lean.usable(conn):
            return None
        found = lean.statement(sql)
        encoding = lean.encoding_of(conn)
        values = lean.parameters(params, encoding)
        if found is None or values is None:
            return None
        with self.wrap_database_errors:
            return (read(conn, *found, values, encoding, *args),)

    def run_and_clear_commit_hooks(self):
        """Django's, the hooks' Redis commands sent in one round trip once the last one
        ran (huntzen/after_commit.py)."""
        with after_commit.collecting():
            super().run_and_clear_commit_hooks()

    def _set_autocommit(self, autocommit):
        """Django's, which sets psycopg's `autocommit` on every checkout from the pool
        (Django's connect), where the pool's connections already are in autocommit:
        psycopg's setter (a generator run through its wait loop) then changes nothing.
        An idle connection already in that mode is left as it is; any other goes
        through psycopg's setter (its errors included)."""
        connection = self.connection
        if (
            connection.autocommit == bool(autocommit)
            and connection.pgconn.transaction_status == pq.TransactionStatus.IDLE
        ):
            return
        super()._set_autocommit(autocommit)

    def get_connection_params(self):
        """Django's parameters; with the pool, the ones the pool was built with (a
        copy), computed once per pool. Django's connect() asks for them on every
        checkout, but a pooled connection is the pool's, made with what the pool was
        given (Django's get_new_connection leaves them unused): building them again
        was about a tenth of what a checkout and its return cost. The pool is rebuilt,
        and so the parameters, when Django closes it (a change of TIME_ZONE or USE_TZ,
        a test database made)."""
        if self.settings_dict["OPTIONS"].get("pool"):
            pool = self._connection_pools.get(self.alias)
            params = getattr(pool, _POOL_PARAMS, None)
            if params is not None:
                return dict(params)
        return self._new_connection_params()

    def _new_connection_params(self):
        params = super().get_connection_params()
        if "context" in params:
            params["context"] = _adapters(params["context"])
        return params

    @property
    def pool(self):
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == base.NO_DB_ALIAS or not pool_options:
            return None
        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise base.ImproperlyConfigured("Pooling doesn't support persistent connections.")
            params = self._new_connection_params()
            pool = ConnectionPool(
                # Django sets autocommit per connection later on.
                kwargs={**params, "autocommit": True},
                open=False,
                configure=self._configure_connection,
                check=check_connection_and_sweep,
                **(pool_options if isinstance(pool_options, dict) else {}),
            )
            setattr(pool, _POOL_PARAMS, params)
            self._connection_pools.setdefault(self.alias, pool)
        return self._connection_pools[self.alias]

"""One read of text columns run through psycopg's lower layer: libpq's prepared
statement, psycopg's wait loop, its error classes, and nothing else; and a page's rows
read so, loaded by psycopg's own transformer (`rows`).

The session read of every signed-in request (accounts/sessions.py) is one short
statement already prepared on the connection. Through Django's cursor wrapper and
psycopg's cursor, the Python around it cost about 0.18 M instructions per request (the
query's conversion, psycopg's prepared-statement bookkeeping, the result's loaders, and
Django's wrapper); sending the prepared statement and reading its one value costs about
0.04 M (bench/profiles/la). The statement, its parameters and the connection are the same:
Django's (its pool, `ensure_connection`, its health check, errors mapped as Django maps
them, a broken connection marked so that Django drops it).

The prepared lists of huntzen.statements (my consultations, the journal) ran through
Django's cursor and psycopg's cursor the same way: about 0.3 M instructions of Python
per page around the statement (the cursor's making and closing, its text loaders
registered per request, the query's conversion, the prepared-statement bookkeeping;
bench/profiles/td). `rows` sends the same prepared statement and hands the result to
psycopg's Transformer with the connection's adapters (the statement's text types read
as text, as the cursor would after `_load_as_text`): the same tuples as the cursor's
`fetchall`.

It runs only where nothing is lost by skipping the cursor: in autocommit, outside any
transaction (a failure there aborts nothing), with no query log and no execute wrapper
watching (`CaptureQueriesContext`, DEBUG, the test suite's query counts), with parameters
that are strings, datetimes, UUIDs or integers. Anywhere else the caller's statement goes
through Django's cursor as before (`DatabaseWrapper.lean_call` decides, one place).
"""

from datetime import datetime
from types import SimpleNamespace
from uuid import UUID

from psycopg import adapt, errors, pq
from psycopg._encodings import conn_encoding
from psycopg.generators import execute
from psycopg.types.string import TextLoader

# PostgreSQL's "prepared statement does not exist": psycopg deallocates every prepared
# statement of a connection after a rollback (DEALLOCATE ALL), ours included.
_UNDEFINED_STATEMENT = b"26000"
_TUPLES_OK = pq.ExecStatus.TUPLES_OK
_COMMAND_OK = pq.ExecStatus.COMMAND_OK
_IDLE = pq.TransactionStatus.IDLE

# Each statement's name and its text in PostgreSQL's placeholders, by Django's text (None
# when it holds a % other than its placeholders: left to the cursor).
_statements: dict[str, tuple[bytes, bytes] | None] = {}
# The attribute of a psycopg connection holding the names prepared on it.
_PREPARED = "_huntzen_lean_prepared"


def statement(sql: str) -> tuple[bytes, bytes] | None:
    """The prepared statement's name and text for Django's `sql` (%s placeholders)."""
    try:
        return _statements[sql]
    except KeyError:
        pass
    parts = sql.split("%s")
    found = None
    if not any("%" in part for part in parts):
        text = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))
        found = (f"huntzen_lean_{len(_statements)}".encode(), text.encode())
    _statements[sql] = found
    return found


def parameters(params, encoding: str) -> list[bytes] | None:
    """The parameters in PostgreSQL's text input format, or None for a type left to the
    cursor. A str as psycopg sends it (type left to the server: the column's); a datetime
    as its ISO text, offset included when aware, which PostgreSQL reads exactly (a naive
    one in the session's time zone, as psycopg's timestamp would be); a UUID in its
    canonical form and an integer (not a bool) in decimal, as their text types write
    them (a list's owner, its LIMIT and OFFSET)."""
    values = []
    for value in params:
        if isinstance(value, str):
            values.append(value.encode(encoding))
        elif isinstance(value, datetime | UUID) or value.__class__ is int:
            values.append(str(value).encode())
        else:
            return None
    return values


def usable(conn) -> bool:
    """Whether the lean path may run on this psycopg connection: autocommit, idle."""
    return conn.autocommit and conn.pgconn.transaction_status == _IDLE


def text_row(conn, name: bytes, text: bytes, values: list[bytes], encoding: str):
    """The first row of the prepared statement `name` (`text`, prepared on the connection
    at first use, and again if it was deallocated) as a tuple of str (None for NULL), or
    None when there is no row. Raises psycopg's errors, as its cursor would."""
    result = _result(conn, name, text, values, encoding)
    if not result.ntuples:
        return None
    return tuple(
        None if value is None else value.decode(encoding)
        for value in (result.get_value(0, column) for column in range(result.nfields))
    )


def rows(conn, name: bytes, text: bytes, values: list[bytes], encoding: str, text_oids):
    """Every row of the prepared statement `name` (as `text_row` runs it) as tuples, each
    value loaded as psycopg's cursor on this connection loads it, the types of `text_oids`
    as PostgreSQL's text (huntzen.statements `as_text`)."""
    result = _result(conn, name, text, values, encoding)
    transformer = _transformer(conn, text_oids)
    transformer.set_pgresult(result)
    try:
        return transformer.load_rows(0, result.ntuples, tuple)
    finally:
        transformer.set_pgresult(None)  # nothing of the answer kept past its read


# The attribute of a psycopg connection holding its transformers, by the oids of the
# types they read as text: made once per connection (its adapters never change once
# Django has configured it; a transformer keeps the loaders it looked up), where a
# cursor made them, and registered its text loaders, once per request. A connection
# runs one statement at a time (`conn.lock`).
_TRANSFORMERS = "_huntzen_lean_transformers"


def _transformer(conn, text_oids):
    transformers = getattr(conn, _TRANSFORMERS, None)
    if transformers is None:
        transformers = {}
        setattr(conn, _TRANSFORMERS, transformers)
    transformer = transformers.get(text_oids)
    if transformer is None:
        adapters = adapt.AdaptersMap(conn.adapters)
        for oid in text_oids:
            adapters.register_loader(oid, TextLoader)
        context = SimpleNamespace(adapters=adapters, connection=conn)
        transformer = transformers[text_oids] = adapt.Transformer(context)
    return transformer


def _result(conn, name: bytes, text: bytes, values: list[bytes], encoding: str):
    """The tuples' result of the prepared statement `name`, prepared on the connection
    at first use and again if it was deallocated; psycopg's error raised for any other."""
    prepared = getattr(conn, _PREPARED, None)
    if prepared is None:
        prepared = set()
        setattr(conn, _PREPARED, prepared)
    with conn.lock:
        if name not in prepared:
            _prepare(conn, name, text, encoding)
            prepared.add(name)
        result = _run(conn, name, values)
        if (
            result.status == pq.ExecStatus.FATAL_ERROR
            and result.error_field(pq.DiagnosticField.SQLSTATE) == _UNDEFINED_STATEMENT
            and conn.pgconn.transaction_status == _IDLE
        ):
            _prepare(conn, name, text, encoding)
            result = _run(conn, name, values)
    if result.status != _TUPLES_OK:
        _raise(result, encoding)
    return result


def _prepare(conn, name: bytes, text: bytes, encoding: str) -> None:
    conn.pgconn.send_prepare(name, text)
    results = conn.wait(execute(conn.pgconn))
    if len(results) != 1 or results[0].status != _COMMAND_OK:
        _raise(results[-1] if results else None, encoding)


def _run(conn, name: bytes, values: list[bytes]):
    conn.pgconn.send_query_prepared(name, values)
    results = conn.wait(execute(conn.pgconn))
    if len(results) != 1:
        raise errors.InternalError(f"expected one result, got {len(results)}")
    return results[0]


def _raise(result, encoding: str):
    if result is not None and result.status == pq.ExecStatus.FATAL_ERROR:
        raise errors.error_from_result(result, encoding=encoding)
    status = "no result" if result is None else pq.ExecStatus(result.status).name
    raise errors.InternalError(f"unexpected result: {status}")


def encoding_of(conn) -> str:
    """The connection's client encoding, as psycopg encodes and decodes with it."""
    return conn_encoding(conn)

"""Querysets compiled once per process, run again with each request's values.

For the small indexed reads of an API page, building and compiling the queryset cost
more CPU than PostgreSQL's whole answer (my consultations: 2.4 of 6.9 ms per request,
bench/profiles/ha/). A `Statement` keeps the rule where it is written (its `build`
function calls the selector or access function, which builds the queryset as always)
but calls it once per database and process, with stand-in values; it finds them among
the compiled parameters and, for each request, runs the same SQL with the request's
values in their places, through the compiler's own converters: the rows the queryset
would give (tests/test_statements.py). Used by the API's own-data lists (my
consultations, the journal) and the journal page.

On PostgreSQL a statement may also read the values of some column types as PostgreSQL
writes them (`as_text`, psycopg's text loader on its cursor alone): a list that only
writes its ids and instants as text (huntzen.datetime_text) then builds no UUID or
datetime per value. Integer columns' converters are left out there too: psycopg
already gives ints (a tuple rebuilt per row for nothing).
"""

import datetime
import random
import threading
import uuid
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, QuerySet


def _stand_in(field: Field):
    """A value of `field`'s type that no real parameter of a statement equals."""
    kind = field.get_internal_type()
    if kind == "UUIDField":
        return uuid.uuid4()
    if kind == "DateTimeField":
        # A random instant of the 18th century, to the microsecond.
        return datetime.datetime(1700, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
            microseconds=random.randrange(10**15)  # noqa: S311 # nosec B311 -- not a secret
        )
    if kind == "DateField":
        return datetime.date(1700, 1, 1) + datetime.timedelta(days=random.randrange(10**4))  # noqa: S311 # nosec B311
    if kind == "IntegerField":
        # Within a 32-bit column's range: Django drops a comparison with a value beyond.
        return random.randrange(10**8, 2**31 - 1)  # noqa: S311 # nosec B311
    raise TypeError(f"No stand-in value for a {kind}.")


class Statement:
    """`build(**values)` → a values_list queryset, whose SQL depends on the values only
    through its parameters; `fields` names each value's model field (which prepares it
    for the database as the queryset would). `as_text`: PostgreSQL type names ("uuid",
    "timestamptz") whose values come as PostgreSQL's text (on PostgreSQL; elsewhere as
    the queryset gives them), for a caller that writes them as text either way.
    `prepared`: run bound server-side and prepared on each connection, so PostgreSQL
    plans it once per connection rather than once per run (its generic plan then serves
    every user: for a statement whose values only pick rows through indexes)."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        as_text: tuple[str, ...] = (),
        prepared: bool = False,
        **fields: Field,
    ):
        self._build = build
        self._fields = fields
        self._as_text = as_text
        self._prepared = prepared
        self._compiled: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def rows(
        self, *, limit: int | None = None, offset: int = 0, using=DEFAULT_DB_ALIAS, **values
    ) -> list[tuple]:
        """The queryset's rows for `values`; with `limit`, that many from `offset` (as
        slicing it would give: its SQL ends with LIMIT and OFFSET)."""
        connection = connections[using]
        compiler, sql, params, slots, converters, text_oids = self._compiled.get(
            using
        ) or self._compile(using)
        params = list(params)
        for name, field in self._fields.items():
            prepared = field.get_db_prep_value(values[name], connection, prepared=False)
            for index in slots[name]:
                params[index] = prepared
        if limit is not None:
            sql, params = f"{sql} LIMIT %s OFFSET %s", [*params, limit, offset]
        fetched = self._lean_rows(connection, sql, params, text_oids)
        if fetched is None:
            with self._cursor(connection) as cursor:
                if text_oids:
                    _load_as_text(cursor.cursor, text_oids)
                cursor.execute(sql, params)
                fetched = cursor.fetchall()
        if not converters:
            return fetched  # the driver's rows are tuples already
        # What results_iter does, with the converters looked up once (not per request).
        return list(map(tuple, compiler.apply_converters(fetched, converters)))

    def _lean_rows(self, connection, sql, params, text_oids) -> list[tuple] | None:
        """A `prepared` statement's rows through libpq's prepared statement where the
        backend offers it and nothing is lost by skipping the cursor (huntzen/postgresql
        `lean_rows`: the same tuples, without the cursor's Python); else None."""
        lean_rows = getattr(connection, "lean_rows", None) if self._prepared else None
        return None if lean_rows is None else lean_rows(sql, params, text_oids)

    def _cursor(self, connection):
        """Django's cursor; for a `prepared` statement, one whose statements PostgreSQL
        parses and plans once per connection where the backend offers it (huntzen/postgresql
        `prepared_cursor`, as huntzen.instance_statements uses)."""
        prepared = getattr(connection, "prepared_cursor", None) if self._prepared else None
        return prepared() if prepared is not None else connection.cursor()

    def _compile(self, using: str) -> tuple:
        """Compiled twice with different stand-ins: the SQL must be the same and differ
        only in their places, or the statement cannot be reused (a ValueError)."""
        with self._lock:
            if using in self._compiled:
                return self._compiled[using]
            first, second = (self._compile_with(using) for _ in range(2))
            if first[1] != second[1] or first[3] != second[3]:
                raise ValueError(f"{self._build!r} does not compile to one statement.")
            others = [i for i in range(len(first[2])) if not _in_slots(i, first[3])]
            if [first[2][i] for i in others] != [second[2][i] for i in others]:
                raise ValueError(f"{self._build!r} has parameters besides {list(self._fields)}.")
            self._compiled[using] = first
            return first

    def _compile_with(self, using: str) -> tuple:
        connection = connections[using]
        while True:  # two values' stand-ins must differ (two dates may draw the same day)
            stand_ins = {name: _stand_in(field) for name, field in self._fields.items()}
            if len(set(stand_ins.values())) == len(stand_ins):
                break
        query = self._build(**stand_ins).query
        if query.low_mark or query.high_mark is not None:
            raise ValueError("A statement is sliced by `rows`, not by its queryset.")
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if compiler.has_extra_select:
            raise ValueError("A statement selects its values only.")
        slots = {}
        for name, field in self._fields.items():
            prepared = field.get_db_prep_value(stand_ins[name], connection, prepared=False)
            slots[name] = tuple(i for i, param in enumerate(params) if param == prepared)
            if not slots[name]:
                raise ValueError(f"{self._build!r} does not use {name}.")
        selected = [column[0] for column in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(selected):
            raise ValueError("A statement selects no composite primary key.")
        converters = compiler.get_converters(selected)
        text_oids = ()
        if connection.vendor == "postgresql":
            converters = {
                index: (functions, expression)
                for index, (functions, expression) in converters.items()
                if not _int_conversion(functions, expression)
            }
            connection.ensure_connection()
            types = connection.connection.adapters.types
            text_oids = tuple(types[name].oid for name in self._as_text)
        if text_oids and converters:
            raise ValueError("A statement with text values converts none of its columns.")
        return compiler, sql, tuple(params), slots, converters, text_oids


def _int_conversion(functions: list, expression) -> bool:
    """Whether a column's only converter is an integer expression's int() (Count, a row
    number): psycopg gives an int for any integer type already."""
    return functions == [
        expression.convert_value
    ] and expression.output_field.get_internal_type().endswith("IntegerField")


def _load_as_text(cursor, oids: tuple[int, ...]) -> None:
    """This psycopg cursor's values of these types as PostgreSQL's text (the
    connection's other cursors keep their loaders)."""
    from psycopg.types.string import TextLoader

    for oid in oids:
        cursor.adapters.register_loader(oid, TextLoader)


def _in_slots(index: int, slots: dict) -> bool:
    return any(index in indexes for indexes in slots.values())

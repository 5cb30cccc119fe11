"""A model queryset compiled once per process, run again with each call's values, its
rows made into instances as the queryset makes them.

`huntzen.statements.Statement` does this for `values_list` reads; this is its sibling
for a read that answers model instances with their `select_related` relations and
annotations (the write requests' consultation, read with its participants, company,
row lock and held permissions: building and compiling that queryset cost a
cancellation more CPU than PostgreSQL's answer). Its `build` function calls the access
rule that builds the queryset as always, once per database and process, with stand-in
values; each call runs the same SQL with its values in their places, through the
compiler's converters and related populators (what `ModelIterable` does).
tests/test_instance_statements.py holds the instances equal to the queryset's.
"""

import datetime
import threading
import uuid
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Field, QuerySet
from django.db.models.query import get_related_populators


class StatementError(RuntimeError):
    """The queryset cannot be run again as one statement (a programming error)."""


def _stand_in(field: Field):
    """A value of `field`'s type that no real parameter of a statement equals."""
    kind = field.get_internal_type()
    if kind == "UUIDField":
        return uuid.uuid4()
    raise StatementError(f"No stand-in value for a {kind}.")


class _Compiled:
    """One database's SQL, the stand-ins' places in its parameters, and what turns a row
    into instances."""

    def __init__(self, queryset: QuerySet, using: str, stand_ins: dict, fields: dict):
        if queryset.query.low_mark or queryset.query.high_mark is not None:
            raise StatementError("An instance statement is not sliced.")
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise StatementError("An instance statement prefetches nothing.")
        connection = connections[using]
        compiler = queryset.query.get_compiler(using=using)
        self.sql, params = compiler.as_sql()
        self.params = tuple(params)
        self.slots = {}
        for name, field in fields.items():
            prepared = field.get_db_prep_value(stand_ins[name], connection, prepared=False)
            self.slots[name] = tuple(i for i, param in enumerate(params) if param == prepared)
            if not self.slots[name]:
                raise StatementError(f"The statement does not use {name}.")
        select, klass_info = compiler.select, compiler.klass_info
        self.compiler = compiler
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        self.model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.own = (start, end)
        self.init_list = [f[0].target.attname for f in select[start:end]]
        self.populators = get_related_populators(klass_info, select, using)
        self.annotations = tuple(compiler.annotation_col_map.items())


class InstanceStatement:
    """`build(**values)` → a queryset of model instances whose SQL depends on the values
    only through its parameters; `fields` names each value's model field (which
    prepares it for the database as the queryset would). Built and compiled twice with
    different stand-ins: the SQL must be the same (else a StatementError)."""

    def __init__(self, build: Callable[..., QuerySet], **fields: Field):
        self._build = build
        self._fields = fields
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def instances(self, *, using=DEFAULT_DB_ALIAS, **values) -> list:
        """The queryset's instances for `values`, as iterating over it would give them."""
        connection = connections[using]
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for name, field in self._fields.items():
            prepared = field.get_db_prep_value(values[name], connection, prepared=False)
            for index in compiled.slots[name]:
                params[index] = prepared
        # Prepared once per connection where the backend offers it (PostgreSQL here:
        # huntzen/postgresql `prepared_cursor`): parsed and planned once, not per call.
        prepared = getattr(connection, "prepared_cursor", None)
        with prepared() if prepared is not None else connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        start, end = compiled.own
        found = []
        for row in rows:
            instance = compiled.model.from_db(using, compiled.init_list, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, instance)
            for name, index in compiled.annotations:
                setattr(instance, name, row[index])
            found.append(instance)
        return found

    def _compile(self, using: str) -> _Compiled:
        with self._lock:
            if using in self._compiled:
                return self._compiled[using]
            first, second = (self._compile_with(using) for _ in range(2))
            if first.sql != second.sql or first.slots != second.slots:
                raise StatementError(f"{self._build!r} does not compile to one statement.")
            others = [
                i
                for i in range(len(first.params))
                if not any(i in slots for slots in first.slots.values())
            ]
            if [first.params[i] for i in others] != [second.params[i] for i in others]:
                raise StatementError(
                    f"{self._build!r} has parameters besides {list(self._fields)}."
                )
            self._compiled[using] = first
            return first

    def _compile_with(self, using: str) -> _Compiled:
        while True:
            stand_ins = {name: _stand_in(field) for name, field in self._fields.items()}
            if len(set(stand_ins.values())) == len(stand_ins):
                break
        return _Compiled(self._build(**stand_ins), using, stand_ins, self._fields)


# --- An instance's values for a hand-written INSERT -----------------------------------

# Field classes (exactly these) whose `get_db_prep_save` gives a value of the type below
# back unchanged on PostgreSQL: each value of that exact type (or None) is passed as it
# is, anything else through the field (its conversion, checks and warnings).
_PASSED_AS_IS = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    # (Not the integers: Django gives psycopg its sized integer types.)
    models.UUIDField: (uuid.UUID,),
    models.DateTimeField: (datetime.datetime,),
}


def _as_is_types(field) -> tuple:
    """The value types `field` writes unchanged, () if none is."""
    if isinstance(field, models.ForeignKey) and type(field) is models.ForeignKey:
        return _as_is_types(field.target_field)
    if type(field) is models.DateTimeField and (field.auto_now or field.auto_now_add):
        return ()  # its pre_save writes the time
    return _PASSED_AS_IS.get(type(field), ())


_PLANS: dict[int, tuple] = {}


def _insert_plan(fields) -> tuple:
    """Per field: (the field, its attname, the types it writes as they are), once per
    fields' sequence (a model's, kept for the process: looked up by identity)."""
    kept = _PLANS.get(id(fields))
    if kept is None or kept[0] is not fields:
        kept = _PLANS[id(fields)] = (
            fields,
            tuple((field, field.attname, _as_is_types(field)) for field in fields),
        )
    return kept[1]


def insert_values(instance, fields, connection, *, add: bool = True) -> list:
    """`[f.get_db_prep_save(f.pre_save(instance, add), connection) for f in fields]`,
    without the field's conversion where it would change nothing (on PostgreSQL: a
    string, a boolean, a UUID, an aware datetime, None, each for its field), which was
    most of the CPU of writing a booking's rows (tests/test_instance_statements.py holds
    the two equal). Elsewhere, or for any other value, the field's own. `add=False`:
    the values of an UPDATE of those fields (as `save(update_fields=...)` writes them;
    the fields whose `pre_save` depends on it, auto_now ones, always go through it)."""
    if connection.vendor != "postgresql":
        return [f.get_db_prep_save(f.pre_save(instance, add), connection) for f in fields]
    values = instance.__dict__
    out = []
    for field, attname, as_is in _insert_plan(fields):
        value = values.get(attname)
        if as_is and (
            value is None
            or (
                type(value) in as_is
                and (type(value) is not datetime.datetime or value.tzinfo is not None)
            )
        ):
            if value is None and attname not in values:
                value = field.get_db_prep_save(field.pre_save(instance, add), connection)
            out.append(value)
        else:
            out.append(field.get_db_prep_save(field.pre_save(instance, add), connection))
    return out

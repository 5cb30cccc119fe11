"""The access log: one append-only row per read, write, export or refusal of data about
a person (medical content, a consultation's metadata opened by staff, a consent change).

Each row names its `subject`, the person the data is about, so that her privacy page
finds the rows about her with one indexed query. Callers need not pass it: it is
derived from the object type and id, inside the INSERT itself (a subquery, no extra
round trip on the chat's hot path). The INSERT is plain SQL built once per process.
"""

import functools
import uuid
from datetime import datetime

from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from huntzen.middleware import current_client_request_id, current_request_id
from medical.models import AccessLogEntry

# Object types whose id is a consultation's: the subject is its employee.
CONSULTATION_TYPES = frozenset({"chat", "clinical_note", "consultation"})
# Object types whose id is a journal entry's: the subject is its owner.
JOURNAL_ENTRY_TYPES = frozenset({"journal_entry"})
# Object types whose id is the subject's own (her journal as a whole, her consent).
PERSON_TYPES = frozenset({"journal", "personal_data", "usage_sharing"})

CONSULTATION = "consultation"  # a consultation's metadata (who, when, status)
USAGE_SHARING = "usage_sharing"  # the employee's choice to share her counters with HR


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


# One INSERT per row, its SQL text built once per process and per way of finding the
# subject (an ORM create() compiled the statement on every call: the largest part of a
# chat message's database cost). Same row, same single round trip.
_SUBJECT_GIVEN = "given"
_INSERT_SQL: dict[tuple[str, str], str] = {}


def _subject_source(kind: str) -> tuple[str, str, str]:
    """(table, column holding the subject, key column) for a kind of object type."""
    from accounts.models import User
    from consultations.models import Consultation
    from medical.models import JournalEntry

    model, field = {
        "person": (User, None),
        "consultation": (Consultation, "employee"),
        "journal_entry": (JournalEntry, "owner"),
    }[kind]
    meta = model._meta
    column = meta.pk.column if field is None else meta.get_field(field).column
    return meta.db_table, column, meta.pk.column


def _subject_kind(object_type: str, object_id, subject) -> tuple[str | None, object]:
    """How the row's subject is found, and the parameter that finds it: the explicit
    subject's id, the object's id for a subquery the INSERT resolves, or None (unknown
    type, malformed or missing id)."""
    if subject is not None:
        return _SUBJECT_GIVEN, subject.pk
    pk = _as_uuid(object_id)
    if pk is None:
        return None, None
    if object_type in PERSON_TYPES:
        return "person", pk
    if object_type in CONSULTATION_TYPES:
        return "consultation", pk
    if object_type in JOURNAL_ENTRY_TYPES:
        return "journal_entry", pk
    return None, None


_COLUMNS = (
    "at",
    "user",
    "user_email",
    "role",
    "subject",
    "object_type",
    "object_id",
    "action",
    "allowed",
    "request_id",
    "client_request_id",
)


@functools.cache
def _fields():
    """(name, field) of the INSERT's columns, in order."""
    meta = AccessLogEntry._meta
    return [(name, meta.get_field(name)) for name in _COLUMNS]


def _insert_sql(connection, kind: str | None) -> str:
    key = (connection.alias, kind or "")
    sql = _INSERT_SQL.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        meta = AccessLogEntry._meta
        columns = ", ".join(qn(meta.get_field(name).column) for name in _COLUMNS)
        if kind is None:
            subject = "NULL"
        elif kind == _SUBJECT_GIVEN:
            subject = "%s"
        else:
            table, column, pk = _subject_source(kind)
            # Identifiers from the models' metadata only; every value is a parameter.
            subject = f"(SELECT {qn(column)} FROM {qn(table)} WHERE {qn(pk)} = %s LIMIT 1)"  # noqa: S608  # nosec B608
        values = ", ".join(subject if name == "subject" else "%s" for name in _COLUMNS)
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({values}) "  # noqa: S608  # nosec B608
            f"RETURNING {qn(meta.pk.column)}, {qn(meta.get_field('subject').column)}"
        )
        _INSERT_SQL[key] = sql
    return sql


def _values(user, object_type, object_id, action, allowed, request_id, at) -> dict:
    """A row's values but its subject, by attribute name."""
    authenticated = user is not None and user.is_authenticated
    return {
        "at": at,
        "user_id": user.pk if authenticated else None,
        "user_email": user.email if authenticated else "",
        "role": str(getattr(user, "role", "") or "") if authenticated else "",
        "object_type": object_type,
        "object_id": str(object_id or ""),
        "action": str(action),
        "allowed": bool(allowed),
        "request_id": request_id or current_request_id() or "",
        "client_request_id": current_client_request_id() or "",
    }


def fields_without_subject() -> list:
    """The fields of a row but its subject, in the order row_without_subject gives."""
    return [field for name, field in _fields() if name != "subject"]


def row_without_subject(
    connection, *, user, object_type: str, object_id, action: str, allowed: bool, at
) -> list:
    """The parameters of one row (fields_without_subject), the same values as
    log_access writes, less its subject: for a statement that writes the row together
    with what it logs and selects the subject itself (chat.services: a message and its
    row in one statement)."""
    values = _values(user, object_type, object_id, action, allowed, None, at)
    return [
        field.get_db_prep_save(values[field.attname], connection)
        for field in fields_without_subject()
    ]


def log_access(
    *,
    user,
    object_type: str,
    object_id,
    action: str,
    allowed: bool,
    request_id: str | None = None,
    subject=None,
) -> AccessLogEntry:
    """Append one access-log row. Never pass content here: ids and verdicts only.

    `subject` (the person the data is about) is derived from `object_type` and
    `object_id` when not given, inside the INSERT (one round trip). Returns the row as
    written, its subject resolved.

    Inside a transaction, a failed INSERT marks it for rollback as the ORM's create()
    did (the services' AccessRefused logs the refusal after that rollback).
    """
    values, using, (pk, subject_id) = _write(
        user, object_type, object_id, action, allowed, request_id, subject
    )
    meta = AccessLogEntry._meta
    row = AccessLogEntry(
        id=meta.pk.to_python(pk),
        subject_id=meta.get_field("subject").target_field.to_python(subject_id),
        **values,
    )
    row._state.adding = False
    row._state.db = using
    return row


def record_access(
    *,
    user,
    object_type: str,
    object_id,
    action: str,
    allowed: bool,
    request_id: str | None = None,
    subject=None,
) -> None:
    """`log_access` for a caller that does not use the row: the same row written, no
    model instance built for it (medical.access logs every verdict so)."""
    _write(user, object_type, object_id, action, allowed, request_id, subject)


def _write(user, object_type, object_id, action, allowed, request_id, subject):
    """Write one row (log_access): its values but its subject, the database alias, and
    the row's (id, subject id) as the database returned them."""
    kind, subject_param = _subject_kind(object_type, object_id, subject)
    values = _values(user, object_type, object_id, action, allowed, request_id, timezone.now())
    using = router.db_for_write(AccessLogEntry)
    connection = connections[using]
    sql = _insert_sql(connection, kind)
    text_row = getattr(connection, "text_row", None)  # the portal's PostgreSQL backend
    if text_row is not None:
        with transaction.mark_for_rollback_on_error(using):
            return values, using, text_row(sql, _text_params(values, kind, subject_param))
    # Each value as its field gives it to this database (a UUID is text on SQLite).
    params = [
        field.get_db_prep_save(
            subject_param if name == "subject" else values[field.attname], connection
        )
        for name, field in _fields()
        if name != "subject" or kind is not None
    ]
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return values, using, cursor.fetchone()


def _text_params(values: dict, kind: str | None, subject_param) -> list:
    """The INSERT's parameters as PostgreSQL reads them from text (the column's type
    given by the statement, never by the value), for `DatabaseWrapper.text_row`: through
    libpq's prepared statement in autocommit (no cursor, no per-field preparation: two
    thirds of a journal read's log row, bench/profiles/nd), through Django's cursor
    inside a transaction or while queries are watched. The same row as the fields'
    values give (tests/medical/test_audit_insert.py): the instant as it is (its ISO text
    with its offset), ids as their text, the verdict as PostgreSQL's boolean text."""
    params = []
    for name, field in _fields():
        if name == "subject":
            if kind is not None:  # else NULL, written in the SQL
                params.append(str(subject_param))
            continue
        value = values[field.attname]
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif value is not None and not isinstance(value, str | datetime):
            value = str(value)  # a UUID
        params.append(value)
    return params


def disclosures_about(*, subject) -> QuerySet[AccessLogEntry]:
    """Every row about `subject`'s data written by anyone but herself, refused attempts
    included, newest first: her accounting of disclosures."""
    return (
        AccessLogEntry.objects.filter(subject=subject).exclude(user=subject).order_by("-at", "-id")
    )

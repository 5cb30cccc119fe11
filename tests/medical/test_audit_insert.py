"""medical.audit.log_access writes its row with one plain INSERT (SQL built once per
process): the row is the one the ORM's create() wrote, field by field, for every object
type; one query; the returned row is the written one; a failed INSERT inside a
transaction marks it for rollback as create() did."""

import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.db.models import Subquery

from accounts.models import User
from consultations.models import Consultation
from huntzen.middleware import current_request_id
from medical import audit
from medical.audit import log_access, record_access
from medical.models import AccessLogEntry, JournalEntry

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
FIELDS = [f.attname for f in AccessLogEntry._meta.concrete_fields if f.attname != "id"]


def _old_subject_of(object_type, object_id):
    """The ORM path's subject, as it was before the plain INSERT."""
    pk = audit._as_uuid(object_id)
    if pk is None:
        return None
    if object_type in audit.PERSON_TYPES:
        return Subquery(User.objects.filter(pk=pk).values("pk")[:1])
    if object_type in audit.CONSULTATION_TYPES:
        return Subquery(Consultation.objects.filter(pk=pk).values("employee_id")[:1])
    if object_type in audit.JOURNAL_ENTRY_TYPES:
        return Subquery(JournalEntry.objects.filter(pk=pk).values("owner_id")[:1])
    return None


def _old_log_access(*, user, object_type, object_id, action, allowed, subject=None):
    authenticated = user is not None and user.is_authenticated
    return AccessLogEntry.objects.create(
        user=user if authenticated else None,
        user_email=user.email if authenticated else "",
        role=getattr(user, "role", "") if authenticated else "",
        subject_id=subject.pk if subject is not None else _old_subject_of(object_type, object_id),
        object_type=object_type,
        object_id=str(object_id or ""),
        action=action,
        allowed=allowed,
        request_id=current_request_id() or "",
        client_request_id="",
    )


def _row(pk) -> dict:
    return AccessLogEntry.objects.filter(pk=pk).values(*FIELDS).get()


def _ids(employee_a, consultation, entry) -> dict:
    """For each object type, an id whose subject exists."""
    ids = {t: consultation.pk for t in audit.CONSULTATION_TYPES}
    ids |= {t: entry.pk for t in audit.JOURNAL_ENTRY_TYPES}
    ids |= {t: employee_a.pk for t in audit.PERSON_TYPES}
    return ids | {"other": employee_a.pk}


def test_every_object_type_writes_the_row_the_orm_wrote(
    employee_a, practitioner_p, consultation, entry
):
    cases = []
    for object_type, object_id in _ids(employee_a, consultation, entry).items():
        cases += [
            (practitioner_p, object_type, object_id, None),  # subject derived
            (practitioner_p, object_type, str(object_id), None),  # id as text
            (practitioner_p, object_type, uuid.uuid4(), None),  # unknown id: no subject
            (practitioner_p, object_type, "not-a-uuid", None),
            (practitioner_p, object_type, None, None),
            (practitioner_p, object_type, uuid.uuid4(), employee_a),  # explicit subject
            (None, object_type, object_id, None),  # no user
        ]
    assert len(cases) == 7 * 8
    for user, object_type, object_id, subject in cases:
        for allowed, action in [(True, AccessLogEntry.Action.READ), (False, "join")]:
            kwargs = dict(
                user=user,
                object_type=object_type,
                object_id=object_id,
                action=action,
                allowed=allowed,
                subject=subject,
            )
            with time_machine.travel(NOW, tick=False):
                old = _old_log_access(**kwargs)
                new = log_access(**kwargs)
                recorded = AccessLogEntry.objects.count()
                assert record_access(**kwargs) is None  # no instance built
            assert new.pk != old.pk
            assert _row(new.pk) == _row(old.pk), kwargs
            assert AccessLogEntry.objects.count() == recorded + 1
            latest = AccessLogEntry.objects.exclude(pk__in=[new.pk, old.pk]).latest("id")
            assert _row(latest.pk) == _row(old.pk), kwargs


def test_the_derived_subjects_are_the_expected_people(
    employee_a, practitioner_p, consultation, entry
):
    for object_type, object_id in _ids(employee_a, consultation, entry).items():
        row = log_access(
            user=practitioner_p,
            object_type=object_type,
            object_id=object_id,
            action="read",
            allowed=True,
        )
        expected = None if object_type == "other" else employee_a.pk
        assert AccessLogEntry.objects.get(pk=row.pk).subject_id == expected, object_type


def test_the_returned_row_is_the_written_one(practitioner_p, employee_a, consultation):
    with time_machine.travel(NOW, tick=False):
        row = log_access(
            user=practitioner_p,
            object_type="chat",
            object_id=consultation.pk,
            action="send",
            allowed=True,
        )
    assert isinstance(row, AccessLogEntry) and not row._state.adding
    assert {f: getattr(row, f) for f in FIELDS} == _row(row.pk)
    assert (row.at, row.subject_id, row.user_id) == (NOW, employee_a.pk, practitioner_p.pk)
    with pytest.raises(TypeError):  # still append-only
        row.save()


@pytest.mark.parametrize("object_type", ["chat", "journal_entry", "journal", "other"])
def test_one_query(practitioner_p, consultation, object_type, django_assert_num_queries):
    with django_assert_num_queries(1):
        log_access(
            user=practitioner_p,
            object_type=object_type,
            object_id=consultation.pk,
            action="read",
            allowed=True,
        )


def test_the_sql_text_is_built_once_per_kind(practitioner_p, consultation):
    audit._INSERT_SQL.clear()
    for _ in range(3):
        log_access(
            user=practitioner_p,
            object_type="chat",
            object_id=consultation.pk,
            action="read",
            allowed=True,
        )
        log_access(user=None, object_type="other", object_id=None, action="read", allowed=False)
    assert sorted(kind for _alias, kind in audit._INSERT_SQL) == ["", "consultation"]


@pytest.mark.postgres  # SQLite does not enforce a column's length: nothing fails there
def test_a_failed_insert_marks_the_transaction_for_rollback(practitioner_p):
    with pytest.raises(DatabaseError), transaction.atomic():
        with pytest.raises(DatabaseError):
            log_access(
                user=practitioner_p,
                object_type="x" * 41,  # longer than the column
                object_id=None,
                action="read",
                allowed=True,
            )
        assert transaction.get_rollback()
        AccessLogEntry.objects.count()  # refused: the transaction is broken


def test_the_row_is_written_on_the_embedded_database_too(practitioner_p, consultation):
    """The INSERT's values go through their fields (a UUID is text on SQLite): `make
    demo` writes the log on SQLite."""
    row = log_access(
        user=practitioner_p,
        object_type="consultation",
        object_id=consultation.pk,
        action="read",
        allowed=True,
    )
    stored = AccessLogEntry.objects.get(pk=row.pk)
    assert (stored.user_id, stored.subject_id) == (practitioner_p.pk, consultation.employee_id)
    assert (row.pk, row.subject_id) == (stored.pk, stored.subject_id)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_autocommit_the_row_goes_through_libpq_and_is_the_orm_row(
    employee_a, practitioner_p, consultation, entry, monkeypatch
):
    """Outside any transaction (as a request runs), the INSERT goes through libpq's
    prepared statement with its values as text (audit._text_params): the same row as
    the ORM's for every kind of subject, a user or none, allowed or refused; with no
    user (a NULL parameter) it goes through Django's cursor, the same row again."""
    from huntzen.postgresql import lean

    sent = []
    real = lean.text_row
    monkeypatch.setattr(lean, "text_row", lambda *args: sent.append(args[1]) or real(*args))
    for object_type, object_id in _ids(employee_a, consultation, entry).items():
        for user, subject in [
            (practitioner_p, None),
            (employee_a, employee_a),
            (practitioner_p, None),
            (None, None),
        ]:
            for allowed, action in [(True, AccessLogEntry.Action.READ), (False, "join")]:
                kwargs = dict(
                    user=user,
                    object_type=object_type,
                    object_id=object_id if subject is None else uuid.uuid4(),
                    action=action,
                    allowed=allowed,
                    subject=subject,
                )
                before = len(sent)
                with time_machine.travel(NOW, tick=False):
                    old = _old_log_access(**kwargs)
                    new = log_access(**kwargs)
                assert len(sent) == before + (user is not None), kwargs
                assert _row(new.pk) == _row(old.pk), kwargs
                assert (new.pk, new.subject_id) == (
                    AccessLogEntry.objects.get(pk=new.pk).pk,
                    _row(old.pk)["subject_id"],
                )
    assert sent

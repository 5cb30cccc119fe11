"""huntzen.instance_statements.InstanceStatement: a queryset of instances compiled once,
run with other values, gives the instances (fields, select_related relations,
annotations) the queryset built with those values gives; a builder whose SQL is not
one statement for every value is refused."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from consultations.models import Consultation, StatusChange
from huntzen.instance_statements import InstanceStatement, StatementError, insert_values
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db

PK = Consultation._meta.pk
RELATED = ("employee", "practitioner", "company")


def _of(pk, user_id):
    return (
        Consultation.objects.select_related(*RELATED)
        .annotate(doubled=F("buffer_minutes") * 2)
        .filter(pk=pk, employee_id=user_id)
    )


def _state(instance) -> dict:
    fields = {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.fields}
    return fields | {"adding": instance._state.adding}


def test_it_gives_the_querysets_instances_for_each_value(employee_a, employee_b, practitioner_p):
    soon = timezone.now().replace(microsecond=0) + timedelta(days=2)
    mine = book(employee_a, practitioner_p, at=soon)
    theirs = book(employee_b, practitioner_p, at=soon + timedelta(hours=2))
    statement = InstanceStatement(_of, pk=PK, user_id=User._meta.pk)
    for consultation in (mine, theirs):
        for user in (employee_a, employee_b):
            expected = list(_of(consultation.pk, user.pk))
            found = statement.instances(pk=consultation.pk, user_id=user.pk)
            assert len(found) == len(expected) == (consultation.employee_id == user.pk)
            for got, want in zip(found, expected, strict=True):
                assert _state(got) == _state(want)
                assert got.doubled == want.doubled == 2 * want.buffer_minutes
                for name in RELATED:
                    field = Consultation._meta.get_field(name)
                    assert field.is_cached(got)  # no query to read it
                    assert _state(getattr(got, name)) == _state(getattr(want, name))


def test_it_compiles_once(employee_a, practitioner_p, django_assert_num_queries):
    consultation = book(employee_a, practitioner_p, at=timezone.now() + timedelta(days=2))
    statement = InstanceStatement(_of, pk=PK, user_id=User._meta.pk)
    statement.instances(pk=consultation.pk, user_id=employee_a.pk)
    with django_assert_num_queries(1):
        (found,) = statement.instances(pk=consultation.pk, user_id=employee_a.pk)
        assert found.employee.email == employee_a.email
    assert list(statement._compiled) == ["default"]


def test_it_refuses_a_builder_that_branches_on_a_value(employee_a):
    def branching(pk, user_id):
        queryset = _of(pk, user_id)
        return queryset.filter(kind="video") if user_id.int % 2 else queryset

    for _ in range(20):  # two stand-ins of the same parity: try again
        statement = InstanceStatement(branching, pk=PK, user_id=User._meta.pk)
        try:
            statement.instances(pk=employee_a.pk, user_id=employee_a.pk)
        except StatementError:
            return
    pytest.fail("a branching builder was never refused")


def test_it_refuses_a_builder_with_a_value_of_its_own(employee_a):
    def own_value(pk, user_id):
        return _of(pk, user_id).filter(created_at__lt=timezone.now())

    with pytest.raises(StatementError, match="parameters besides"):
        InstanceStatement(own_value, pk=PK, user_id=User._meta.pk).instances(
            pk=employee_a.pk, user_id=employee_a.pk
        )


# --- insert_values --------------------------------------------------------------------


def _comparable(values: list) -> list:
    """psycopg's JSON wrapper has no equality of its own: its object."""
    return [getattr(value, "obj", value) for value in values]


def _django_values(instance) -> list:
    fields = type(instance)._meta.concrete_fields
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def _instances(employee, practitioner):
    from datetime import datetime

    from huntzen.outbox.models import OutboxMessage

    now = timezone.now()
    naive = datetime(2026, 3, 3, 9, 0)  # converted by the field (with its warning)
    return [
        Consultation(
            employee=employee,
            practitioner=practitioner,
            company_id=employee.company_id,
            kind="video",
            scheduled_at=now,
            scheduled_end=now + timedelta(minutes=50),
            buffer_minutes=10,
            created_at=now,
        ),
        Consultation(  # values of other types than the columns': the fields convert them
            employee_id=str(employee.pk),
            practitioner_id=practitioner.pk,
            company_id=str(employee.company_id),
            kind=Consultation.Kind.VIDEO,
            status=Consultation.Status.SCHEDULED,
            scheduled_at=naive,
            scheduled_end=now,
            duration_seconds="42",
            cancelled_late=1,
            buffer_minutes=True,
            created_at=now,
        ),
        StatusChange(
            consultation_id=uuid.uuid4(),
            actor_id=None,
            from_status="",
            to_status=Consultation.Status.SCHEDULED,
            at=now,
        ),
        OutboxMessage(
            kind="k",
            recipient="a@b.c",
            from_email="x@y.z",
            headers={"Content-Language": "fr"},
            renderer="consultations",
            language="fr",
            context={"a": [1, "b"]},
            next_attempt_at=now,
            created_at=now,
        ),
    ]


@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
def test_insert_values_are_the_fields_own(employee_a, practitioner_p):
    for instance in _instances(employee_a, practitioner_p):
        fields = type(instance)._meta.concrete_fields
        assert _comparable(insert_values(instance, fields, connection)) == _comparable(
            _django_values(instance)
        ), type(instance).__name__
        assert [type(v) for v in insert_values(instance, fields, connection)] == [
            type(v) for v in _django_values(instance)
        ]


def test_insert_values_writes_what_the_orm_writes(employee_a, practitioner_p):
    """The values written by hand read back as the ORM's save of the same instance."""
    written = _instances(employee_a, practitioner_p)[0]
    fields = Consultation._meta.concrete_fields
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{Consultation._meta.db_table}" ({columns}) '  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(fields))})",
            insert_values(written, fields, connection),
        )
    saved = Consultation(**{f.attname: getattr(written, f.attname) for f in fields})
    saved.pk = uuid.uuid4()
    saved.scheduled_at += timedelta(days=1)
    saved.scheduled_end += timedelta(days=1)
    saved.save(force_insert=True)
    read = {c.pk: c for c in Consultation.objects.filter(pk__in=[written.pk, saved.pk])}
    differ = {"id", "scheduled_at", "scheduled_end"}
    assert {
        f.attname: getattr(read[written.pk], f.attname) for f in fields if f.attname not in differ
    } == {f.attname: getattr(read[saved.pk], f.attname) for f in fields if f.attname not in differ}


@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
def test_update_values_are_the_fields_own(employee_a, practitioner_p):
    """`add=False` (an UPDATE's values, services._write_change): what
    `save(update_fields=...)` writes, field by field, for every concrete field and for
    instances whose values are of the columns' types or not, cancelled ones included."""
    now = timezone.now()
    for instance in _instances(employee_a, practitioner_p):
        if isinstance(instance, Consultation):
            instance.status = Consultation.Status.CANCELLED
            instance.cancelled_at = now
            instance.cancelled_by = employee_a
            instance.cancelled_late = True
            instance.cancel_reason_sealed = "sealed"
            instance.ics_sequence = 3
        fields = tuple(type(instance)._meta.concrete_fields)
        expected = [f.get_db_prep_save(f.pre_save(instance, False), connection) for f in fields]
        assert _comparable(insert_values(instance, fields, connection, add=False)) == (
            _comparable(expected)
        ), type(instance).__name__
        assert [type(v) for v in insert_values(instance, fields, connection, add=False)] == [
            type(v) for v in expected
        ]

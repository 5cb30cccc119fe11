"""huntzen.instance_statements.InstanceStatement: a queryset of instances compiled once,
run with other values, gives the instances (fields, select_related relations,
annotations) the queryset built with those values gives; a builder whose SQL is not
one statement for every value is refused."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from consultations.models import Consultation
from huntzen.instance_statements import InstanceStatement, StatementError
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

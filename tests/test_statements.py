"""huntzen.statements.Statement: a queryset compiled once, run with other values, gives
the rows the queryset built with those values gives; a builder whose SQL is not one
statement for every value is refused."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.db.models import Count, Q, Window
from django.utils import timezone

from accounts.models import User
from consultations.models import Consultation
from huntzen.statements import Statement
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db

FIELDS = ("id", "employee_id", "status", "scheduled_at", "created_at")
SCHEDULED_END = Consultation._meta.get_field("scheduled_end")


def _of(user_id, after):
    return (
        Consultation.objects.filter(Q(employee_id=user_id) | Q(practitioner_id=user_id))
        .filter(scheduled_end__gt=after)
        .order_by("scheduled_at")
        .values_list(*FIELDS)
    )


def test_it_gives_the_querysets_rows_for_each_value(employee_a, employee_b, practitioner_p):
    soon = timezone.now().replace(microsecond=0) + timedelta(days=2)
    for n in range(3):
        book(employee_a, practitioner_p, at=soon + timedelta(hours=n))
    book(employee_b, practitioner_p, at=soon + timedelta(days=1))
    statement = Statement(_of, user_id=User._meta.pk, after=SCHEDULED_END)
    for user in (employee_a, employee_b, practitioner_p):
        for after in (timezone.now(), soon + timedelta(hours=1)):
            for limit, offset in ((10, 0), (2, 1), (1, 3)):
                expected = list(_of(user.pk, after)[offset : offset + limit])
                assert statement.rows(user_id=user.pk, after=after, limit=limit, offset=offset) == (
                    expected
                )
    assert len(statement.rows(user_id=practitioner_p.pk, after=timezone.now(), limit=10)) == 4


def test_it_compiles_once(employee_a, django_assert_num_queries):
    statement = Statement(_of, user_id=User._meta.pk, after=SCHEDULED_END)
    statement.rows(user_id=employee_a.pk, after=timezone.now(), limit=1)
    with django_assert_num_queries(1):
        statement.rows(user_id=employee_a.pk, after=timezone.now(), limit=1)
    assert list(statement._compiled) == ["default"]


def test_it_refuses_a_builder_that_branches_on_a_value(employee_a):
    def branching(user_id, after):
        queryset = _of(user_id, after)
        return queryset.filter(kind="video") if user_id.int % 2 else queryset

    for _ in range(20):  # two stand-ins of the same parity: try again
        statement = Statement(branching, user_id=User._meta.pk, after=SCHEDULED_END)
        try:
            statement.rows(user_id=employee_a.pk, after=timezone.now(), limit=1)
        except ValueError as error:
            assert "one statement" in str(error)
            return
    pytest.fail("a branching builder was accepted twenty times")


def test_it_refuses_a_value_the_builder_does_not_use(employee_a):
    statement = Statement(
        lambda user_id, after: _of(user_id, timezone.now()),
        user_id=User._meta.pk,
        after=SCHEDULED_END,
    )
    with pytest.raises(ValueError, match="does not use after"):
        statement.rows(user_id=employee_a.pk, after=timezone.now(), limit=1)


def test_it_refuses_a_parameter_that_is_not_a_value(employee_a):
    """`timezone.now()` compiled in would be frozen at the first request."""
    statement = Statement(lambda user_id: _of(user_id, timezone.now()), user_id=User._meta.pk)
    with pytest.raises(ValueError, match="parameters besides"):
        statement.rows(user_id=employee_a.pk, limit=1)


def test_it_refuses_a_sliced_queryset(employee_a):
    statement = Statement(
        lambda user_id, after: _of(user_id, after)[:5], user_id=User._meta.pk, after=SCHEDULED_END
    )
    with pytest.raises(ValueError, match="sliced"):
        statement.rows(user_id=employee_a.pk, after=timezone.now(), limit=1)


def test_two_values_never_share_a_stand_in(employee_a, practitioner_p, monkeypatch):
    """Two values whose stand-ins came out equal would take each other's places: drawn
    again until they differ."""
    from huntzen import statements

    soon = timezone.now().replace(microsecond=0) + timedelta(days=2)
    book(employee_a, practitioner_p, at=soon)
    drawn = iter([soon, soon, soon - timedelta(days=1), soon + timedelta(days=1)] * 2)
    real = statements._stand_in
    monkeypatch.setattr(
        statements,
        "_stand_in",
        lambda field: next(drawn) if field is SCHEDULED_END else real(field),
    )

    def between(user_id, after, before):
        return _of(user_id, after).filter(scheduled_at__lt=before)

    statement = Statement(between, user_id=User._meta.pk, after=SCHEDULED_END, before=SCHEDULED_END)
    assert statement.rows(
        user_id=employee_a.pk, after=timezone.now(), before=soon + timedelta(hours=1), limit=5
    ) == list(between(employee_a.pk, timezone.now(), soon + timedelta(hours=1)))
    assert statement.rows(user_id=employee_a.pk, after=timezone.now(), before=soon, limit=5) == []


def test_it_reads_the_types_asked_as_postgresqls_text(employee_a, practitioner_p):
    """`as_text`: ids and instants as PostgreSQL writes them, the other columns as the
    queryset gives them; the connection's other statements keep their types."""
    soon = timezone.now() + timedelta(days=2)
    booked = book(employee_a, practitioner_p, at=soon.replace(second=0, microsecond=0))
    statement = Statement(
        _of, as_text=("uuid", "timestamptz"), user_id=User._meta.pk, after=SCHEDULED_END
    )
    (row,) = statement.rows(user_id=employee_a.pk, after=timezone.now(), limit=5)
    (expected,) = _of(employee_a.pk, timezone.now())
    pk, employee_id, status, scheduled_at, created_at = row
    assert (pk, employee_id, status) == (str(booked.pk), str(employee_a.pk), expected[2])
    assert datetime.fromisoformat(scheduled_at) == expected[3]
    assert scheduled_at.endswith("+00") and created_at.endswith("+00")
    assert datetime.fromisoformat(created_at) == expected[4]
    assert _of(employee_a.pk, timezone.now())[0] == expected  # other cursors: unchanged
    assert isinstance(Consultation.objects.values_list("pk", flat=True)[0], uuid.UUID)


def test_it_leaves_out_integer_conversions_only(employee_a, practitioner_p):
    """A count's int() is left out (psycopg gives ints), the rows unchanged."""
    book(employee_a, practitioner_p)

    def counted(user_id, after):
        return _of(user_id, after).annotate(n=Window(Count("*"))).values_list(*FIELDS, "n")

    statement = Statement(counted, user_id=User._meta.pk, after=SCHEDULED_END)
    rows = statement.rows(user_id=employee_a.pk, after=timezone.now(), limit=5)
    assert rows == list(counted(employee_a.pk, timezone.now()))
    assert type(rows[0][-1]) is int
    assert statement._compiled["default"][4] == {}

"""The journal's two lists (GET /api/v1/medical/journal and the journal page) read their
rows through statements prepared on the connection (huntzen.statements `prepared`):
PostgreSQL planned them on every request and now plans each once per connection. The
same rows as the client-side path for every page, the chart's days and other owners,
and again after a rollback drops the connection's prepared statements; still one
statement for each list."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huntzen.statements import Statement
from medical import selectors, services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
API = "/api/v1/medical/journal"
PAGE = "/journal/"


def _prepared(marker: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if marker in row[0]]


def _client_side(statement: Statement) -> Statement:
    """The same statement bound client-side, never prepared (the path before)."""
    copy = Statement.__new__(Statement)
    copy.__dict__.update(statement.__dict__, _prepared=False, _compiled={})
    return copy


@pytest.fixture
def entries(employee_a):
    today = timezone.localdate()
    return [
        services.journal_entry_create(
            owner=employee_a, mood=1 + n % 5, text=f"Jour {n}", entry_date=today - timedelta(n)
        )
        for n in range(0, 120, 4)  # 30 entries, some beyond the chart's 90 days
    ]


def test_the_api_page_is_prepared_and_read_in_one_statement(api_client, employee_a, entries):
    api_client.force_authenticate(employee_a)
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(API)
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [str(e.pk) for e in entries]
        assert sum("_page_total" in query["sql"] for query in queries) == 1
    assert len(_prepared("_page_total")) == 1


def test_the_journal_page_is_prepared_and_read_in_one_statement(client, employee_a, entries):
    client.force_login(employee_a)
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PAGE)
        assert response.status_code == 200
        assert sum('"_rank"' in query["sql"] for query in queries) == 1
    assert len(_prepared('"_rank"')) == 1


@pytest.mark.parametrize(("limit", "offset"), [(50, 0), (1, 0), (2, 3), (200, 0), (50, 10_000)])
def test_the_api_rows_are_the_client_side_ones(employee_a, employee_b, entries, limit, offset):
    for user in (employee_a, employee_b):
        values = dict(limit=limit, offset=offset, owner_id=user.pk)
        assert selectors.OWN_ENTRIES.rows(**values) == _client_side(selectors.OWN_ENTRIES).rows(
            **values
        )


@pytest.mark.parametrize(("first", "last"), [(0, 25), (25, 50), (5, 6), (1000, 1025)])
def test_the_page_rows_are_the_client_side_ones(employee_a, employee_b, entries, first, last):
    today = timezone.localdate()
    for user in (employee_a, employee_b):
        values = dict(
            owner_id=user.pk, first=first, last=last, since=today - timedelta(89), today=today
        )
        statement = selectors._JOURNAL_PAGE
        assert statement.rows(**values) == _client_side(statement).rows(**values)


def test_read_again_after_a_rollback_drops_them(api_client, client, employee_a, entries):
    api_client.force_authenticate(employee_a)
    client.force_login(employee_a)
    first, page = api_client.get(API).json(), client.get(PAGE).content
    with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint rolled back
        assert api_client.get(API).json() == first
        raise RuntimeError
    assert api_client.get(API).json() == first
    assert client.get(PAGE).content.count(b"journal-entry") == page.count(b"journal-entry")
    assert api_client.get(API, {"page": 2}).status_code == 404
    assert first["count"] == 30

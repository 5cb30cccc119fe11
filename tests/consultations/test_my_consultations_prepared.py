"""GET /api/v1/consultations/my reads its page through a statement prepared on the
connection (huntzen.statements `prepared`): PostgreSQL planned it on every request
(0.6 ms, longer than it ran) and now plans it once per connection. The same answers
as the client-side path, for every scope and page, deep pages and page sizes included
(their LIMIT and OFFSET bound as parameters of other integer types), and again after a
rollback drops the connection's prepared statements; still one query a page."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations import api
from consultations.api import MY_CONSULTATIONS, SCOPES
from huntzen.statements import Statement
from tests.consultations.factories import book

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
PATH = "/api/v1/consultations/my"


def _prepared_pages() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if "_page_total" in row[0]]


def _client_side(scope: str) -> Statement:
    """The same statement bound client-side, never prepared (the path before)."""
    statement = api._scope_statement(scope)
    statement._prepared = False
    return statement


@pytest.fixture
def three(employee_a, p_open):
    return [book(employee_a, p_open, at=timezone.now() + timedelta(days=d)) for d in (2, 3, 4)]


def test_the_page_is_prepared_and_read_in_one_query(api_client, employee_a, three):
    api_client.force_authenticate(employee_a)
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(PATH)
        assert response.status_code == 200
        assert len(queries) == 1 and "_page_total" in queries[0]["sql"]
        assert [row["id"] for row in response.json()["results"]] == [
            str(c.pk) for c in reversed(three)
        ]
    assert len(_prepared_pages()) == 1


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize(
    ("limit", "offset"), [(50, 0), (1, 0), (1, 2), (2, 1), (200, 0), (50, 100_000)]
)
def test_the_same_rows_as_the_client_side_statement(
    employee_a, employee_b, hr_acme, three, scope, limit, offset
):
    now = timezone.now()
    for user in (employee_a, three[0].practitioner, employee_b, hr_acme):
        values = dict(limit=limit, offset=offset, user_id=user.pk, now=now)
        assert MY_CONSULTATIONS[scope].rows(**values) == _client_side(scope).rows(**values)


def test_read_again_after_a_rollback_drops_it(api_client, employee_a, three):
    api_client.force_authenticate(employee_a)
    first = api_client.get(PATH).json()
    with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint rolled back
        assert api_client.get(PATH).json() == first
        raise RuntimeError
    assert api_client.get(PATH).json() == first
    assert api_client.get(PATH, {"page": 2}).status_code == 404
    assert first["count"] == 3

"""The session read of every signed-in request is a prepared statement on PostgreSQL
(accounts/sessions.py, huntzen/postgresql/base.py `prepared_cursor`): parsed and planned
once per connection, still logged as a query, still the same answer (a session ended is
gone at once), and prepared again after a rollback drops it. Nothing else is prepared."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.sessions import SessionStore

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def session_key():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    return store.session_key


def test_the_session_read_is_prepared_and_nothing_else(session_key, employee_a):
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            assert SessionStore(session_key=session_key).load() == {"answer": 42}
        assert len(queries) == 1
        assert "django_session" in queries[0]["sql"]
    list(Session.objects.all())  # Django's own statements: bound client-side
    statements = _prepared()
    assert len(statements) == 1
    assert statements[0].startswith('SELECT "session_data" FROM "django_session"')


def test_an_ended_session_reads_nothing_at_once(session_key):
    assert SessionStore(session_key=session_key).load() == {"answer": 42}
    SessionStore(session_key=session_key).delete()
    assert SessionStore(session_key=session_key).load() == {}
    assert SessionStore(session_key="x" * 32).load() == {}


def test_after_a_rollback_it_is_prepared_again(session_key):
    assert SessionStore(session_key=session_key).load() == {"answer": 42}
    with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint rolled back
        assert SessionStore(session_key=session_key).load() == {"answer": 42}
        raise RuntimeError
    assert SessionStore(session_key=session_key).load() == {"answer": 42}
    assert len(_prepared()) == 1

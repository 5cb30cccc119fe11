"""huntzen.postgresql: what a checkout of a pooled connection costs apart from its
statements. The connection parameters are built once per pool (Django's connect() built
them on every checkout, which the pool then ignored), and Django's async-safety check
is made without raising and catching an exception in every sync thread, while a
database call from a running event loop is still refused, exactly as Django refuses
it."""

import asyncio
import inspect

import django.utils.asyncio
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import SynchronousOnlyOperation
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql import base as django_base
from django.utils.asyncio import async_unsafe

from huntzen.postgresql.base import DatabaseWrapper, django_async_unsafe_methods

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

DJANGO_MESSAGE = "You cannot call this from an async context - use a thread or sync_to_async."
# What Django's PostgreSQL backend marks @async_unsafe (Django 5.2; held equal below).
DJANGO_MARKED = [
    "chunked_cursor",
    "clean_savepoints",
    "close",
    "commit",
    "connect",
    "create_cursor",
    "cursor",
    "ensure_connection",
    "get_new_connection",
    "rollback",
    "savepoint",
    "savepoint_commit",
    "savepoint_rollback",
]


@pytest.fixture
def pooled():
    """A wrapper of this backend on the test database, with psycopg's pool (the
    tests' own connection has none: tests/testenv.py)."""
    settings = {
        **connection.settings_dict,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {
            **connection.settings_dict["OPTIONS"],
            "pool": {"min_size": 1, "max_size": 2, "timeout": 5},
        },
    }
    wrapper = DatabaseWrapper(settings, alias="huntzen_checkout_test")
    yield wrapper
    wrapper.close()
    wrapper.close_pool()


@pytest.fixture
def djangos_ensure_connection(monkeypatch, django_db_blocker):
    """Django's own ensure_connection back on its base class, as outside tests: Django's
    test case puts a guard of its own there (for the databases a test may not use),
    before which this backend keeps to Django's path. pytest-django holds Django's."""
    djangos = django_db_blocker._real_ensure_connection
    assert djangos.__code__ is async_unsafe(lambda: None).__code__  # Django's wrapper
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", djangos)


@pytest.fixture
def django_builds(monkeypatch):
    """Each call of Django's own get_connection_params (the parameters built anew)."""
    calls = []
    original = django_base.DatabaseWrapper.get_connection_params

    def spying(self):
        calls.append(self.alias)
        return original(self)

    monkeypatch.setattr(django_base.DatabaseWrapper, "get_connection_params", spying)
    return calls


def _select_one(wrapper) -> None:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def _checkouts(wrapper, n: int) -> None:
    for _ in range(n):
        _select_one(wrapper)
        wrapper.close()  # back to the pool


def test_the_parameters_are_built_once_per_pool(pooled, django_builds):
    _checkouts(pooled, 3)
    assert django_builds == ["huntzen_checkout_test"]  # for the pool, not per checkout


def test_the_parameters_are_the_pools_and_a_copy_each_time(pooled):
    _checkouts(pooled, 1)
    params = pooled.get_connection_params()
    assert pooled.pool.kwargs == {**params, "autocommit": True}
    assert params["dbname"] == connection.settings_dict["NAME"]
    assert params["context"] is pooled.pool.kwargs["context"]  # Django's adapters, ours
    params["dbname"] = "elsewhere"
    assert pooled.get_connection_params()["dbname"] == connection.settings_dict["NAME"]
    _checkouts(pooled, 1)


def test_a_new_pool_gets_parameters_built_anew(pooled, django_builds):
    _checkouts(pooled, 1)
    pooled.settings_dict["OPTIONS"]["connect_timeout"] = 7
    assert pooled.get_connection_params()["connect_timeout"] != 7  # the pool's still
    pooled.close_pool()  # as Django does on a change of TIME_ZONE or USE_TZ
    assert pooled.get_connection_params()["connect_timeout"] == 7
    _checkouts(pooled, 2)
    assert pooled.pool.kwargs["connect_timeout"] == 7
    # One build for each pool, one for the call made while there was none.
    assert len(django_builds) == 3


def test_without_a_pool_the_parameters_are_built_on_every_call(django_builds, monkeypatch):
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "connect_timeout", 9)
    assert connection.get_connection_params()["connect_timeout"] == 9
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "connect_timeout", 8)
    assert connection.get_connection_params()["connect_timeout"] == 8
    assert len(django_builds) == 2


@pytest.mark.usefixtures("djangos_ensure_connection")
def test_every_method_django_marks_async_unsafe_is_checked_by_ours():
    marked = django_async_unsafe_methods(django_base.DatabaseWrapper)
    assert sorted(marked) == DJANGO_MARKED
    assert django_async_unsafe_methods(DatabaseWrapper) == {}  # none left as Django's
    for name, (func, message) in marked.items():
        assert message == DJANGO_MESSAGE
        if name != "ensure_connection":  # ours, defined in the class
            assert getattr(DatabaseWrapper, name).__wrapped__ is func


@pytest.mark.parametrize("name", DJANGO_MARKED)
def test_each_marked_method_refuses_a_running_event_loop(pooled, name):
    method = getattr(pooled, name)
    required = [
        p
        for p in inspect.signature(method).parameters.values()
        if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD
    ]

    async def call():
        method(*[None] * len(required))

    with pytest.raises(SynchronousOnlyOperation) as raised:
        asyncio.run(call())
    assert str(raised.value) == DJANGO_MESSAGE
    assert pooled.connection is None  # refused before anything ran


@pytest.mark.usefixtures("djangos_ensure_connection")
def test_an_open_connection_is_still_refused_to_a_running_event_loop(pooled):
    _select_one(pooled)  # open: ensure_connection has nothing to do in a sync thread

    async def call():
        pooled.ensure_connection()

    with pytest.raises(SynchronousOnlyOperation, match="async context"):
        asyncio.run(call())
    _select_one(pooled)


def test_a_blocked_test_stays_blocked_with_a_connection_open(pooled, django_db_blocker):
    """pytest-django's guard replaces Django's ensure_connection while it blocks."""
    _select_one(pooled)
    with django_db_blocker.block():
        with pytest.raises(RuntimeError, match="Database access not allowed"):
            pooled.ensure_connection()
        with pytest.raises(RuntimeError, match="Database access not allowed"):
            pooled.cursor()
    _select_one(pooled)


def test_the_orm_and_the_lean_read_refuse_a_running_event_loop():
    async def orm():
        return get_user_model().objects.count()

    async def lean_read():
        return connection.text_row("SELECT %s::text", ["x"])

    for coroutine in (orm, lean_read):
        with pytest.raises(SynchronousOnlyOperation, match="async context"):
            asyncio.run(coroutine())


def test_django_allow_async_unsafe_still_lets_it_through(pooled, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    async def call():
        _select_one(pooled)
        pooled.close()

    asyncio.run(call())


@pytest.mark.usefixtures("djangos_ensure_connection")
def test_a_sync_checkout_raises_no_exception_to_check(pooled, monkeypatch):
    """Django's check calls asyncio.get_running_loop, which raises RuntimeError in
    every sync thread; ours never calls it."""
    asked = []

    def spying():
        asked.append(True)
        raise RuntimeError("no running event loop")

    monkeypatch.setattr(django.utils.asyncio, "get_running_loop", spying)
    _checkouts(pooled, 2)
    with connection.cursor() as cursor:  # the tests' own wrapper, no pool
        cursor.execute("SELECT 1")
    assert asked == []

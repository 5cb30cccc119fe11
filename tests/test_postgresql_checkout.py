"""huntzen.postgresql: what a checkout of a pooled connection costs apart from its
statements. The connection parameters are built once per pool (Django's connect() built
them on every checkout, which the pool then ignored); a database call from a running
event loop is still refused, as Django refuses it."""

import asyncio

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import SynchronousOnlyOperation
from django.db import connection
from django.db.backends.postgresql import base as django_base

from huntzen.postgresql.base import DatabaseWrapper

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


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


def test_the_orm_and_the_lean_read_refuse_a_running_event_loop():
    async def orm():
        return get_user_model().objects.count()

    async def lean_read():
        return connection.text_row("SELECT %s::text", ["x"])

    for coroutine in (orm, lean_read):
        with pytest.raises(SynchronousOnlyOperation, match="async context"):
            asyncio.run(coroutine())

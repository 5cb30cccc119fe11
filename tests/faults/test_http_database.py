"""PostgreSQL going away and coming back, and clients leaving early, seen by a real
daphne process in production mode (DEBUG off, the psycopg pool) over loopback
(F1, F4, F9). PostgreSQL itself is never stopped here: a proxy between daphne and the
server cuts every connection and refuses new ones, which is what a restart or an outage
does to the application (bench/faults.py restarts the real server)."""

import json
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.faults.support import (
    CuttableProxy,
    daphne,
    production_env,
    request,
    request_and_leave,
)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

API = "/api/v1/consultations/my"
PORTAL = "/consultations/"


def _database_url(port: int) -> str:
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@127.0.0.1:{port}/{params['NAME']}"


def _env(port: int, **extra) -> dict:
    return production_env(
        database_url=_database_url(port),
        secret_key=settings.SECRET_KEY,
        encryption_keys=settings.HUNTZEN_ENCRYPTION_KEYS,
        **extra,
    )


@pytest.fixture
def session_cookie(employee_a) -> str:
    client = Client()
    client.force_login(employee_a)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.fixture
def proxy():
    proxy = CuttableProxy(int(connection.settings_dict.get("PORT") or 5432))
    proxy.up()
    yield proxy
    proxy.down()


def test_an_outage_answers_503_within_seconds_and_the_first_request_after_it_succeeds(
    proxy, session_cookie
):
    with daphne(_env(proxy.port, DATABASE_POOL_MIN=4, DATABASE_POOL_MAX=4)) as server:
        for _ in range(8):  # every pooled connection used once
            assert request(server.port, API, cookie=session_cookie).status == 200

        proxy.down()  # PostgreSQL stops: pooled connections cut, new ones refused
        api = request(server.port, API, cookie=session_cookie)
        portal = request(server.port, PORTAL, cookie=session_cookie)
        proxy.up()  # and comes back

        after = [request(server.port, API, cookie=session_cookie) for _ in range(10)]
        log = server.log_text()

    assert api.status == 503, log
    assert api.headers["content-type"] == "application/json"
    assert json.loads(api.body)["code"] == "unavailable"
    assert api.headers["retry-after"] == "10"
    assert portal.status == 503, log
    assert "Service momentanément indisponible" in portal.body.decode()
    assert portal.headers["retry-after"] == "10"
    assert max(api.seconds, portal.seconds) < 5  # not a 10 s wait
    # F4: the stale pooled connections are checked and replaced, no request sees them.
    assert [a.status for a in after] == [200] * 10, log
    assert "Traceback" not in log


def test_a_restart_while_idle_costs_no_request(proxy, session_cookie):
    """F4: an idle process whose pooled connections all died answers the next requests
    as if nothing happened."""
    with daphne(_env(proxy.port, DATABASE_POOL_MIN=4, DATABASE_POOL_MAX=4)) as server:
        for _ in range(8):
            assert request(server.port, API, cookie=session_cookie).status == 200
        proxy.down()
        proxy.up()
        statuses = [request(server.port, API, cookie=session_cookie).status for _ in range(20)]
        log = server.log_text()
    assert statuses == [200] * 20, log


def test_clients_leaving_before_the_answer_leak_no_pooled_connection(proxy, session_cookie):
    """F1: requests stuck behind a lock whose clients leave (and that daphne gives up on)
    give their connections back once they are done; the pool still serves."""
    env = _env(
        proxy.port,
        DATABASE_POOL_MIN=0,
        DATABASE_POOL_MAX=2,
        DATABASE_POOL_TIMEOUT=2,
        DATABASE_LOCK_TIMEOUT_MS=0,  # they wait as long as the lock is held
    )
    params = connection.settings_dict
    with daphne(env, application_close_timeout=1) as server:
        assert request(server.port, API, cookie=session_cookie).status == 200
        with psycopg.connect(
            host="127.0.0.1",
            port=params.get("PORT") or 5432,
            user=params.get("USER") or "postgres",
            dbname=params["NAME"],
        ) as locker:
            # Every request reads its session first: these wait, holding a connection.
            locker.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
            for _ in range(4):  # twice the pool
                request_and_leave(server.port, API, cookie=session_cookie)
            time.sleep(2.5)  # daphne cancels the application past its close timeout
            locker.rollback()
        time.sleep(0.5)  # the stuck views finish
        after = [request(server.port, API, cookie=session_cookie) for _ in range(5)]
        log = server.log_text()
    assert [a.status for a in after] == [200] * 5, log

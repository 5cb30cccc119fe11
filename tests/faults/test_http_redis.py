"""Redis down, seen from sign-in (issue 16 item 4, F9): on a private redis-server that
the test stops and starts, the cache (huntzen.cache.FailoverRedisCache) falls back to a
per-process memory. Sign-in keeps working, failed sign-ins stay limited (per process,
never unlimited), the outage is logged once, not once per request, and counting goes
back to Redis when it returns. Sessions are in the database (Django's default engine):
Redis down signs nobody out."""

import json
import logging
import threading
import time

import pytest
import redis
from django.db import connections
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.faults.support import private_redis, start_redis, stop_redis

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

LOGIN = reverse("account_login")
API_LOGIN = "/_allauth/app/v1/auth/login"


@pytest.fixture
def redis_server(settings):
    with private_redis() as (port, holder):
        settings.CACHES = {
            "default": {
                "BACKEND": "huntzen.cache.FailoverRedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "KEY_PREFIX": "faults",
                "OPTIONS": {
                    "socket_connect_timeout": 1,
                    "socket_timeout": 1,
                    "RETRY_SECONDS": 0.2,
                },
            }
        }
        yield port, holder


def _login(client, email, password=PASSWORD, **meta):
    response = client.post(LOGIN, {"login": email, "password": password}, **meta)
    return response, "_auth_user_id" in client.session


def test_sign_in_works_with_redis_down(redis_server, employee_a):
    port, holder = redis_server
    stop_redis(holder["process"])

    response, signed_in = _login(Client(raise_request_exception=False), employee_a.email)
    assert response.status_code == 302 and signed_in

    api = Client(raise_request_exception=False).post(
        API_LOGIN,
        json.dumps({"email": employee_a.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert api.status_code == 200, api.content
    assert api.json()["meta"]["access_token"]


def test_failed_sign_ins_stay_limited_with_redis_down(redis_server, cast):
    port, holder = redis_server
    stop_redis(holder["process"])
    users = list(cast.values())
    for user in users[:10]:  # "10/m/ip": ten failures from one address, each a new account
        response, signed_in = _login(Client(), user.email, "wrong")
        assert response.status_code == 200 and not signed_in
    response, signed_in = _login(Client(), cast["employee_c"].email)
    assert not signed_in  # still limited: never "no limit"
    assert response.status_code == 429 or "Trop de tentatives" in response.content.decode()
    # Another address is not affected.
    _, signed_in = _login(Client(), cast["employee_c"].email, REMOTE_ADDR="198.51.100.7")
    assert signed_in


def test_the_outage_is_logged_once_not_per_request(redis_server, employee_a, caplog):
    port, holder = redis_server
    stop_redis(holder["process"])
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            _login(Client(), employee_a.email, "wrong")
            time.sleep(0.05)
    cache_lines = [r for r in caplog.records if r.name == "huntzen.cache"]
    assert len(cache_lines) == 1
    assert cache_lines[0].levelno == logging.ERROR and cache_lines[0].exc_info is None
    assert "Redis cache unavailable" in cache_lines[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info]


def test_counting_goes_back_to_redis_when_it_returns(redis_server, employee_a, caplog):
    port, holder = redis_server
    stop_redis(holder["process"])
    _login(Client(), employee_a.email, "wrong")
    holder["process"] = start_redis(port)
    time.sleep(0.3)  # past RETRY_SECONDS
    with caplog.at_level(logging.WARNING, logger="huntzen.cache"):
        _login(Client(), employee_a.email, "wrong")
    assert any("available again" in r.getMessage() for r in caplog.records)
    assert redis.Redis(port=port).keys("faults:*")  # the failure was counted in Redis


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_limit_holds_across_requests_served_by_different_threads(redis_server, cast):
    """Django makes a cache instance per thread (and per ASGI request): the fallback
    memory and the outage state are the process's, not the instance's."""
    port, holder = redis_server
    stop_redis(holder["process"])
    users = list(cast.values())

    def in_a_thread(call):
        result = {}

        def run():
            try:
                result["value"] = call()
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        return result["value"]

    for user in users[:10]:
        in_a_thread(lambda user=user: _login(Client(), user.email, "wrong"))
    _, signed_in = in_a_thread(lambda: _login(Client(), cast["employee_c"].email))
    assert not signed_in

"""The API rate limit counts in one Redis round trip, atomically
(huntzen.cache.FailoverRedisCache.hit_window, huntzen.throttling.OneTripThrottleMixin):
the same sliding window as DRF's throttles, no request more let through when many
arrive at once, and the per-process count while Redis is down."""

import threading

import pytest
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from huntzen.cache import FailoverRedisCache
from tests.redis_commands import redis_commands

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

ME = "/api/v1/auth/me"


@pytest.fixture
def cache():
    backend = caches["default"]
    assert isinstance(backend, FailoverRedisCache)
    return backend


@pytest.fixture
def limit_of_3(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"api": "3/m", "booking": "1/m"})


def test_one_round_trip_per_api_request_for_the_limit(api_client, employee_a, cache, monkeypatch):
    api_client.force_authenticate(employee_a)
    api_client.get(ME)  # the script is loaded once
    sent = redis_commands(monkeypatch)
    assert api_client.get(ME).status_code == 200
    assert sent == ["EVALSHA"]


def test_the_window_limits_and_says_when_to_come_back(
    api_client, employee_a, employee_b, limit_of_3, time_machine
):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    api_client.force_authenticate(employee_a)
    assert [api_client.get(ME).status_code for _ in range(4)] == [200, 200, 200, 429]
    time_machine.shift(20)
    refused = api_client.get(ME)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 40  # the first hit leaves the window in 40 s
    api_client.force_authenticate(employee_b)
    assert api_client.get(ME).status_code == 200  # per user
    api_client.force_authenticate(employee_a)
    time_machine.shift(41)
    assert api_client.get(ME).status_code == 200  # the window slid past the first hits


def test_refused_requests_are_not_counted(cache):
    for _ in range(5):
        cache.hit_window("t-refused", now=100.0, window=60, limit=2)
    assert cache.hit_window("t-refused", now=160.5, window=60, limit=2)[0] is True


def test_requests_arriving_together_get_exactly_the_limit(cache):
    verdicts = []
    start = threading.Barrier(12)

    def hit():
        start.wait()
        verdicts.append(cache.hit_window("t-together", now=1000.0, window=60, limit=5)[0])

    threads = [threading.Thread(target=hit) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(verdicts) == [False] * 7 + [True] * 5


def test_with_redis_down_the_limit_counts_in_this_process(
    api_client, employee_a, cache, limit_of_3, monkeypatch
):
    monkeypatch.setattr(FailoverRedisCache, "is_down", property(lambda self: True))
    cache.local.clear()
    api_client.force_authenticate(employee_a)
    assert [api_client.get(ME).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_script_the_server_forgot_is_loaded_again(api_client, employee_a, cache, monkeypatch):
    api_client.force_authenticate(employee_a)
    assert api_client.get(ME).status_code == 200
    cache._cache.get_client(write=True).script_flush()  # a restart, SCRIPT FLUSH
    sent = redis_commands(monkeypatch)
    assert api_client.get(ME).status_code == 200
    assert sent == ["EVALSHA", "EVALSHA", "SCRIPT", "EVALSHA"]  # refused, loaded, run
    assert cache.hit_window("t-forgotten", now=1.0, window=60, limit=1) == (True, 1, 1.0)
    cache._cache.get_client(write=True).script_flush()
    assert cache.hit_window("t-forgotten", now=2.0, window=60, limit=1) == (False, 1, 1.0)

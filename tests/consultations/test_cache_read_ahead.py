"""A bearer-token request to the directory or to a practitioner's slots reads its cached
answer in the Redis round trip that reads the signed-in user and takes the rate limit's
step (accounts/api_auth.py, a view's `cache_read_ahead`, huntzen.generations.Ahead): one
round trip where there were two, the same answer, the gate and the session as before, and
nothing believed while Redis is down."""

import json

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from companies import directory
from consultations import slots_cache
from huntzen import generations
from huntzen.cache import FailoverRedisCache
from tests.conftest import PASSWORD
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book
from tests.redis_commands import redis_commands

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

LOGIN = "/_allauth/app/v1/auth/login"
SESSION = "/_allauth/app/v1/auth/session"
TUESDAY = "?from=2026-03-03&to=2026-03-03"


@pytest.fixture(autouse=True)
def auth_cache_on(settings):
    settings.HUNTZEN_AUTH_CACHE_SECONDS = 60


def _sign_in(user) -> str:
    response = Client().post(
        LOGIN,
        json.dumps({"email": user.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["access_token"]


def _get(url, access, **headers):
    return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {access}", **headers)


def _redis_commands(monkeypatch):
    """The commands this process sends to Redis."""
    assert isinstance(caches["default"], FailoverRedisCache)
    return redis_commands(monkeypatch)


@pytest.fixture
def slots_url(p_open):
    return f"/api/v1/practitioners/{p_open.pk}/slots{TUESDAY}"


@pytest.fixture
def urls(slots_url):
    return {"slots": slots_url, "directory": "/api/v1/practitioners"}


@pytest.mark.parametrize("endpoint", ["slots", "directory"])
def test_a_warm_answer_is_one_redis_round_trip_and_the_session_query(
    endpoint, urls, employee_a, frozen, monkeypatch
):
    access = _sign_in(employee_a)
    cold = _get(urls[endpoint], access)
    assert cold.status_code == 200, cold.content
    assert _get(urls[endpoint], access).content == cold.content  # the scripts loaded
    sent = _redis_commands(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        warm = _get(urls[endpoint], access)
    assert warm.status_code == 200
    assert warm.content == cold.content
    assert sent == ["EVALSHA"]
    assert len(queries) == 1  # the token's session, read from PostgreSQL each time
    assert "django_session" in queries[0]["sql"]


def test_each_media_type_is_read_ahead_under_its_own_key(slots_url, employee_a, frozen):
    access = _sign_in(employee_a)
    compact = _get(slots_url, access)
    indented = _get(slots_url, access, HTTP_ACCEPT="application/json; indent=4")
    assert indented.content.startswith(b'{\n    "practitionerId"')
    assert _get(slots_url, access, HTTP_ACCEPT="application/json; indent=4").content == (
        indented.content
    )
    assert _get(slots_url, access).content == compact.content


def test_a_change_shows_on_the_next_request(
    slots_url, p_open, employee_a, employee_b, frozen, django_capture_on_commit_callbacks
):
    access = _sign_in(employee_a)
    starts = lambda: [s["start"][11:16] for s in _get(slots_url, access).json()["slots"]]  # noqa: E731
    assert starts() == starts() == ["09:00", "10:00", "11:00"]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        book(employee_b, p_open, at=paris(2026, 3, 3, 10), now=NOW)
    assert starts() == ["09:00", "11:00"]


def test_the_gate_and_the_session_still_decide(slots_url, employee_a, hr_acme, frozen):
    access = _sign_in(employee_a)
    assert _get(slots_url, access).status_code == 200
    assert _get(slots_url, access).status_code == 200  # warm
    hr = _sign_in(hr_acme)
    assert _get(slots_url, hr).status_code == 403
    assert _get("/api/v1/practitioners", hr).status_code == 403
    Client().delete(SESSION, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert _get(slots_url, access).status_code == 401


def test_while_redis_is_down_nothing_read_ahead_is_believed(
    slots_url, employee_a, frozen, monkeypatch
):
    access = _sign_in(employee_a)
    _get(slots_url, access)
    _get(slots_url, access)  # kept, in Redis and in this process's memory
    monkeypatch.setattr(FailoverRedisCache, "is_down", property(lambda self: True))
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert _get(slots_url, access).status_code == 200
        assert len(queries) > 1  # computed


class _Request:
    pass


def test_a_read_uses_only_what_was_fetched_for_its_own_keys_and_once(monkeypatch):
    caches["default"].clear()
    first = generations.read("t:answer", ["t:generation"])
    generations.store(first, b"kept", seconds=60)
    request = _Request()
    wrong = generations.ahead("t:other", ["t:generation"])
    wrong.found = {"t:generation": first.tokens[0], "t:other": (first.tokens, b"forged")}
    setattr(request, generations.AHEAD, wrong)
    assert generations.read("t:answer", ["t:generation"], request=request).value == b"kept"
    fetched = generations.ahead("t:answer", ["t:generation"])
    fetched.found = {"t:generation": first.tokens[0], "t:answer": (first.tokens, b"ahead")}
    setattr(request, generations.AHEAD, fetched)
    sent = _redis_commands(monkeypatch)
    assert generations.read("t:answer", ["t:generation"], request=request).value == b"ahead"
    assert sent == []
    assert generations.read("t:answer", ["t:generation"], request=request).value == b"kept"
    assert sent == ["MGET"]


def test_the_views_read_ahead_the_keys_they_read(rf, p_open):
    """Each view's `cache_read_ahead` names exactly the keys its `cached_answer` reads."""
    from rest_framework.request import Request

    request = Request(rf.get(f"/api/v1/practitioners/{p_open.pk}/slots{TUESDAY}"))
    assert directory.read_ahead(request) is None  # nothing negotiated yet
    request.accepted_media_type = "application/json"
    assert directory.read_ahead(request).keys == (
        directory.GENERATION_KEY,
        directory._answer_key(request),
    )
    assert slots_cache.read_ahead(request, practitioner_id=p_open.pk).keys == (
        slots_cache._generation(p_open.pk),
        slots_cache._answer_key(request, p_open.pk),
    )

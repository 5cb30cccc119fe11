"""The chat's flood limit per user (chat.flood): across her sockets, through the
cache every process shares; another user keeps her own budget; a failing cache falls
back to the per-socket limit."""

import json

import pytest
from asgiref.sync import sync_to_async

from chat import flood
from chat.models import ChatMessage
from tests.chat.conftest import joined, send, ws_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.asyncio,
]


@pytest.fixture
def frozen_window(monkeypatch):
    """One window for the whole test, whatever the wall clock does."""
    monkeypatch.setattr(flood, "clock", lambda: 1_000_005.0)


@sync_to_async
def stored(user):
    return ChatMessage.objects.filter(sender=user).count()


async def _outcome(ws, client_id):
    """The answer to that message: stored (its own frame) or refused (an error); the
    other sockets' messages of the room pass by."""
    while True:
        frame = await ws.receive_json_from(timeout=3)
        if frame["type"] in ("message", "error") and frame.get("clientMessageId") == client_id:
            return frame


async def test_eight_sockets_of_one_user_share_one_budget(
    employee_a, practitioner_p, consultation, frozen_window
):
    sockets = [await ws_for(consultation.pk, employee_a) for _ in range(8)]
    for ws in sockets:
        await joined(ws)
    refused = 0
    for i, ws in enumerate(sockets):
        for j in range(3):  # 24 attempts, 3 per socket: under each socket's own limit
            await send(ws, f"{i}-{j}", f"c-{i}-{j}")
            frame = await _outcome(ws, f"c-{i}-{j}")
            refused += frame["type"] == "error" and frame["code"] == "rate_limited"
    assert await stored(employee_a) == flood.USER_MESSAGES_PER_WINDOW
    assert refused == 24 - flood.USER_MESSAGES_PER_WINDOW

    # The other participant has her own budget.
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(paula)
    await send(paula, "à mon tour", "p-1")
    assert (await _outcome(paula, "p-1"))["type"] == "message"
    assert await stored(practitioner_p) == 1
    for ws in [*sockets, paula]:
        await ws.disconnect()


async def test_the_next_window_opens_a_new_budget(employee_a, consultation, monkeypatch):
    now = [2_000_000.0]
    monkeypatch.setattr(flood, "clock", lambda: now[0])
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    other = await ws_for(consultation.pk, employee_a)
    await joined(other)
    for i in range(flood.USER_MESSAGES_PER_WINDOW):
        ws = alice if i % 2 else other
        await send(ws, f"m{i}", f"w-{i}")
        assert (await _outcome(ws, f"w-{i}"))["type"] == "message"
    await send(alice, "de trop", "w-x")
    assert (await _outcome(alice, "w-x"))["code"] == "rate_limited"
    now[0] += flood.RATE_WINDOW
    await send(alice, "après la pause", "w-y")
    assert (await _outcome(alice, "w-y"))["type"] == "message"
    await alice.disconnect()
    await other.disconnect()


async def test_a_failing_cache_leaves_the_per_socket_limit(monkeypatch):
    class Down:
        def add(self, *args, **kwargs):
            raise ConnectionError("redis down")

    monkeypatch.setattr(flood, "cache", Down())
    assert flood.user_may_send("00000000-0000-0000-0000-000000000001") is True


async def test_a_refused_message_is_not_stored_and_names_its_client_id(
    employee_a, consultation, frozen_window
):
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    for i in range(flood.USER_MESSAGES_PER_WINDOW):
        await send(alice, f"m{i}", f"k-{i}")
        await _outcome(alice, f"k-{i}")
    await alice.send_to(
        text_data=json.dumps({"type": "message", "body": "encore", "clientMessageId": "k-x"})
    )
    error = await _outcome(alice, "k-x")
    assert (error["code"], error["clientMessageId"]) == ("rate_limited", "k-x")
    assert await stored(employee_a) == flood.USER_MESSAGES_PER_WINDOW
    await alice.disconnect()


@pytest.mark.redis
async def test_one_round_trip_counts_on_redis_with_the_windows_expiry(frozen_window):
    """On Redis the count is INCR + EXPIRE NX in one pipeline, on the very key and in
    the encoding cache.incr uses: the cache reads the same count, the key expires."""
    from django.core.cache import cache

    @sync_to_async
    def count_twice():
        user_id = "00000000-0000-0000-0000-0000000000f1"
        assert flood._count_on_redis(f"{flood._PREFIX}probe") is not None  # Redis in use
        flood.user_may_send(user_id)
        flood.user_may_send(user_id)
        key = f"{flood._PREFIX}{user_id}:{int(1_000_005.0 // flood.RATE_WINDOW)}"
        full_key = cache.make_and_validate_key(key)
        ttl = cache._cache.get_client(full_key).ttl(full_key)
        return cache.get(key), ttl

    count, ttl = await count_twice()
    assert count == 2
    assert 0 < ttl <= 2 * flood.RATE_WINDOW


@pytest.mark.redis
async def test_a_failing_redis_still_counts_through_the_cache(monkeypatch, frozen_window):
    """Redis failing under the pipeline: the count goes through the cache, which falls
    back to the process's memory (huntzen.cache): the budget still holds."""
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCacheClient
    from redis.exceptions import ConnectionError as RedisConnectionError

    def down(self, key=None, *, write=False):
        raise RedisConnectionError("redis down")

    monkeypatch.setattr(RedisCacheClient, "get_client", down)
    monkeypatch.setattr(cache._outage, "until", cache._outage.until)  # restored after

    @sync_to_async
    def attempts():
        user_id = "00000000-0000-0000-0000-0000000000f2"
        return [flood.user_may_send(user_id) for _ in range(flood.USER_MESSAGES_PER_WINDOW + 2)]

    allowed = await attempts()
    assert allowed == [True] * flood.USER_MESSAGES_PER_WINDOW + [False, False]


@pytest.mark.redis
async def test_a_count_is_sent_at_once_and_its_answer_read_later(frozen_window):
    """chat.flood.Count: the INCR leaves at construction (the chat reads the answer
    once its own statement has run); asked twice, one answer; closed unasked, the
    message is counted all the same and the connection goes back to its pool clean."""
    import time

    from django.core.cache import cache

    @sync_to_async
    def run():
        user_id = "00000000-0000-0000-0000-0000000000f3"
        key = f"{flood._PREFIX}{user_id}:{int(1_000_005.0 // flood.RATE_WINDOW)}"
        count = flood.Count(user_id)
        deadline = time.monotonic() + 2
        while cache.get(key) != 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        counted_before_asked = cache.get(key)
        answers = (count.allows(), count.allows())
        count.close()
        unasked = flood.Count(user_id)
        unasked.close()
        full_key = cache.make_and_validate_key(key)
        pool = cache._cache.get_client(full_key, write=True).connection_pool
        return counted_before_asked, answers, cache.get(key), len(pool._in_use_connections)

    counted_before_asked, answers, total, in_use = await run()
    assert counted_before_asked == 1
    assert answers == (True, True)
    assert total == 2 and in_use == 0


@pytest.mark.redis
async def test_a_count_on_the_event_loop_is_read_without_blocking_it(frozen_window):
    """Count.on_loop (the chat's message on PostgreSQL): the answer awaited on the loop
    counts as allows() does, past the budget too; the connection goes back clean."""
    user_id = "00000000-0000-0000-0000-0000000000f4"
    answers = []
    for _ in range(flood.USER_MESSAGES_PER_WINDOW + 1):
        count = flood.Count.on_loop(user_id)
        answers.append(await count.allows_on_loop())
        assert await count.allows_on_loop() == answers[-1]  # asked again, one answer
    assert answers == [True] * flood.USER_MESSAGES_PER_WINDOW + [False]
    count = flood.Count.on_loop(user_id)
    pool = count.pending.pool
    count.abandon()  # a failed message: its reply is not waited for
    assert len(pool._in_use_connections) == 0


@pytest.mark.redis
async def test_redis_silent_on_the_event_loop_leaves_the_per_socket_limit(
    frozen_window, monkeypatch
):
    count = flood.Count.on_loop("00000000-0000-0000-0000-0000000000f5")
    pending = count.pending

    async def silent(timeout=None):
        pending.connection.disconnect()  # as replied() does past its timeout
        return False

    monkeypatch.setattr(pending, "replied", silent)
    assert await count.allows_on_loop() is True
    assert len(pending.pool._in_use_connections) == 0

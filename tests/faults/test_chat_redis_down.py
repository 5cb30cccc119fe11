"""Redis down under two daphne processes (issue 16, F6, F7, item 4): a private
redis-server, stopped and started again on its port.

- The sender of a message while the channel layer is down gets the `unavailable`
  frame and 4503, after its confirmation if it was stored first (before: redis-py's
  ConnectionError, not the built-in one, crashed the socket: no confirmation, 1011).
- The other participant's socket, on the other process, is closed 4503 too: its
  process could not hear Redis (chat.watch), so events for it may have been lost.
- Reconnecting during the outage closes 4503 again (the page keeps retrying).
- Once Redis is back, both pages reconnect: the other participant's history on join
  holds the message; the sender resends it with the same clientMessageId: broadcast
  again, stored once; delivery between the processes resumes.
"""

import asyncio
import json
import time

import pytest
from websockets.exceptions import ConnectionClosed

from chat.access import CLOSE_UNAVAILABLE
from chat.models import ChatMessage
from tests.chat.conftest import open_consultation, session_cookie
from tests.chat.servers import daphne_processes
from tests.faults.chat_support import (
    STEP,
    frame,
    joined,
    joined_when_back,
    message,
    next_of,
    open_socket,
    private_redis,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


async def _close_code(ws) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), timeout=STEP)
    return closed.value.rcvd.code if closed.value.rcvd else None


async def _frames_until_closed(ws) -> tuple[list[dict], int]:
    frames = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=STEP)))
    return frames, closed.value.rcvd.code if closed.value.rcvd else None


def test_redis_down_then_back_loses_nothing_across_two_processes(employee_a, practitioner_p):
    consultation = open_consultation(employee_a, practitioner_p)
    alice_cookie, paula_cookie = session_cookie(employee_a), session_cookie(practitioner_p)
    alice_id, paula_id = str(employee_a.pk), str(practitioner_p.pk)

    async def scenario(redis, port_a, port_b):
        alice, _ = await joined(port_a, consultation, alice_cookie)
        paula, _ = await joined(port_b, consultation, paula_cookie)
        await alice.send(message("avant la panne", "before-1"))
        await next_of(paula, "message", clientMessageId="before-1")

        redis.stop()
        await alice.send(message("pendant la panne", "during-1"))
        # Confirmed only if stored while the socket is still open (the process may
        # close it first: its layer watch noticed too); either way unavailable, 4503.
        frames, code = await _frames_until_closed(alice)
        assert "unavailable" in [f.get("code") for f in frames if f["type"] == "error"]
        assert code == CLOSE_UNAVAILABLE
        # Paula's process noticed it could not hear Redis: her socket closes too.
        assert (await next_of(paula, "error"))["code"] == "unavailable"
        assert await _close_code(paula) == CLOSE_UNAVAILABLE

        # The page retries while Redis is still down: 4503 again, nothing else.
        retry = await open_socket(port_a, consultation, alice_cookie)
        assert (await frame(retry))["code"] == "unavailable"
        assert await _close_code(retry) == CLOSE_UNAVAILABLE

        redis.start()
        alice, _ = await joined_when_back(port_a, consultation, alice_cookie)
        paula, history = await joined_when_back(port_b, consultation, paula_cookie)
        # Stored during the outage (then in Paula's history) or not yet (its socket was
        # closed before it got to it: unconfirmed, so the page resends it).
        stored = [m["id"] for m in history["messages"] if m["clientMessageId"] == "during-1"]
        # Resent with its clientMessageId: broadcast again, stored once.
        await alice.send(message("pendant la panne", "during-1"))
        confirmed = await next_of(alice, "message", clientMessageId="during-1")
        got = await next_of(paula, "message", clientMessageId="during-1", timeout=3 * STEP)
        assert got["id"] == confirmed["id"]
        assert stored in ([], [confirmed["id"]])

        # Delivery between the processes has resumed, both ways.
        await alice.send(message("après", "after-1"))
        assert (await next_of(paula, "message", clientMessageId="after-1"))["sender"] == alice_id
        await paula.send(message("bien reçu", "after-2"))
        assert (await next_of(alice, "message", clientMessageId="after-2"))["sender"] == paula_id
        await alice.close()
        await paula.close()

    started = time.monotonic()
    with (
        private_redis() as redis,
        daphne_processes(2, extra_env={"REDIS_URL": redis.url}) as (
            port_a,
            port_b,
        ),
    ):
        asyncio.run(asyncio.wait_for(scenario(redis, port_a, port_b), timeout=12 * STEP))
    assert time.monotonic() - started < 12 * STEP + 30
    assert list(
        ChatMessage.objects.filter(consultation=consultation)
        .order_by("created_at")
        .values_list("client_message_id", flat=True)
    ) == ["before-1", "during-1", "after-1", "after-2"]

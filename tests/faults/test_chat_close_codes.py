"""Close codes a real client sees through a real daphne (issue 16, F5, F3).

The test communicator does not go through daphne's websocket library (autobahn), which
refuses every close code but 1000 and 3000-4999 and every frame over 1 MiB: a close
with 1013 or a 2 MiB history frame passed there and failed here. So these run a daphne
process and the `websockets` client."""

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chat import services
from chat.access import CLOSE_UNAVAILABLE
from chat.consumers import HISTORY_FRAME_BYTES
from tests.chat.conftest import open_consultation, session_cookie
from tests.chat.servers import daphne_processes, free_port
from tests.faults.chat_support import STEP, frame, joined

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


async def _closed(ws) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), timeout=STEP)
    return closed.value.rcvd.code if closed.value.rcvd else None


def test_a_database_down_at_connect_closes_with_the_retry_code(employee_a, practitioner_p):
    """PostgreSQL unreachable while the handshake loads the session: the client gets
    the `unavailable` frame and 4503 (before: a failed handshake, or 1011)."""
    consultation = open_consultation(employee_a, practitioner_p)
    cookie = session_cookie(employee_a)
    nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/nothing"

    async def scenario(port):
        ws = await connect(
            f"ws://127.0.0.1:{port}/ws/chat/{consultation.pk}/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={cookie}"},
            open_timeout=STEP,
        )
        error = await frame(ws)
        return error, await _closed(ws)

    with daphne_processes(1, extra_env={"DATABASE_URL": nowhere}) as (port,):
        error, code = asyncio.run(scenario(port))
    assert (error["type"], error["code"]) == ("error", "unavailable")
    assert code == CLOSE_UNAVAILABLE == 4503


def test_a_refusal_reaches_the_client_with_its_code(employee_a, practitioner_p, employee_b):
    consultation = open_consultation(employee_a, practitioner_p)
    cookie = session_cookie(employee_b)

    async def scenario(port):
        ws = await connect(
            f"ws://127.0.0.1:{port}/ws/chat/{consultation.pk}/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={cookie}"},
            open_timeout=STEP,
        )
        return await _closed(ws)

    with daphne_processes(1) as (port,):
        assert asyncio.run(scenario(port)) == 4404


def test_a_long_history_is_paged_under_the_frame_limit(employee_a, practitioner_p):
    """F3: 60 messages of 4,000 emoji (16 KB each in UTF-8, 48 KB escaped) made the
    join's history frame exceed daphne's 1 MiB and every join close 1011. Now every
    page fits HISTORY_FRAME_BYTES and the pages together hold each message once."""
    consultation = open_consultation(employee_a, practitioner_p)
    stored = [
        services.message_send(
            sender=employee_a if i % 2 else practitioner_p,
            consultation=consultation,
            body=f"{i:02d}" + "😀" * (services.MAX_BODY_CHARS - 2),
            client_message_id=f"long-{i}",
        )[0].id
        for i in range(60)
    ]
    cookie = session_cookie(employee_a)

    async def scenario(port):
        ws, history = await joined(port, consultation, cookie, max_size=None)
        pages, sizes = [history], [len(json.dumps(history, ensure_ascii=False).encode())]
        while pages[-1]["hasMore"]:
            await ws.send(json.dumps({"type": "history", "before": pages[-1]["messages"][0]["id"]}))
            raw = await asyncio.wait_for(ws.recv(), timeout=STEP)
            sizes.append(len(raw.encode()))
            pages.append(json.loads(raw))
        await ws.close()
        return pages, sizes

    with daphne_processes(1) as (port,):
        pages, sizes = asyncio.run(scenario(port))
    assert max(sizes) <= HISTORY_FRAME_BYTES < 1024 * 1024
    assert len(pages) > 1  # paged by size, not only by count
    received = [m["id"] for page in reversed(pages) for m in page["messages"]]
    assert received == [str(pk) for pk in stored]

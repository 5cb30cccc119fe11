"""A reader that does not keep up is dropped past a bounded send buffer (issue 16, F8).

A client asks for ~10 MB of history pages and reads nothing (its websocket library
stops reading once one frame waits, and its socket's receive buffer is 8 KiB): daphne
held all of it before (about 1 MiB/s of memory for a client that never reads). Now
chat.guard drops the connection once SEND_BUFFER_LIMIT bytes wait behind Twisted's
64 KiB buffer. The same requests from a client that reads are all answered."""

import asyncio
import json
import socket

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chat import services
from chat.guard import SEND_BUFFER_LIMIT
from tests.chat.conftest import open_consultation, session_cookie
from tests.chat.servers import daphne_processes
from tests.faults.chat_support import STEP, frame

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REQUESTS = 40  # history pages of ~256 KiB each: ~10 MB, under the 60 frames per 10 s


async def _socket(port, consultation, cookie, *, slow: bool):
    sock = None
    if slow:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)  # no autotuning
        sock.connect(("127.0.0.1", port))
        sock.setblocking(False)
    ws = await connect(
        f"ws://127.0.0.1:{port}/ws/chat/{consultation.pk}/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=STEP,
        max_size=None,
        max_queue=1 if slow else 16,
        sock=sock,
    )
    assert (await frame(ws))["type"] == "ready"
    assert (await frame(ws))["type"] == "history"
    return ws


async def _ask_pages(ws):
    for _ in range(REQUESTS):
        await ws.send(json.dumps({"type": "history"}))


def test_a_reader_that_does_not_read_is_dropped_and_a_reader_that_does_is_not(
    employee_a, practitioner_p
):
    consultation = open_consultation(employee_a, practitioner_p)
    for i in range(60):
        services.message_send(
            sender=employee_a,
            consultation=consultation,
            body="😀" * services.MAX_BODY_CHARS,
            client_message_id=f"big-{i}",
        )
    cookie = session_cookie(employee_a)

    async def scenario(port):
        reader = await _socket(port, consultation, cookie, slow=False)
        await _ask_pages(reader)
        pages = 0
        while pages < REQUESTS:
            pages += (await frame(reader))["type"] == "history"
        await reader.close()

        sleeper = await _socket(port, consultation, cookie, slow=True)
        await _ask_pages(sleeper)
        await asyncio.sleep(3)  # daphne answers every request meanwhile
        received = 0
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                received += (await frame(sleeper))["type"] == "history"
        return pages, received, closed.value

    with daphne_processes(1) as (port,):
        pages, received, closed = asyncio.run(asyncio.wait_for(scenario(port), timeout=6 * STEP))
    assert pages == REQUESTS
    assert closed.rcvd is None  # dropped: no close frame could get through anyway
    assert received < REQUESTS
    assert SEND_BUFFER_LIMIT < REQUESTS * 200 * 1024

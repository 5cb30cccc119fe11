"""Two daphne processes sharing Redis and the database: participants connected to
different processes chat with each other (how the product grows past one machine)."""

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chat.models import ChatMessage
from tests.chat.conftest import open_consultation, session_cookie
from tests.chat.servers import daphne_processes

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


async def _open(port, consultation, cookie):
    ws = await connect(
        f"ws://127.0.0.1:{port}/ws/chat/{consultation.pk}/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=10,
    )
    assert json.loads(await ws.recv())["type"] == "ready"
    assert json.loads(await ws.recv())["type"] == "history"
    return ws


async def _next(ws, frame_type, sender):
    """The next frame of that type from `sender` (skips one's own echoes)."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if frame["type"] == frame_type and frame["sender"] == str(sender.pk):
            return frame


def test_participants_on_two_processes_chat(employee_a, practitioner_p):
    consultation = open_consultation(employee_a, practitioner_p)
    alice_cookie, paula_cookie = session_cookie(employee_a), session_cookie(practitioner_p)

    async def scenario(port_a, port_b):
        alice = await _open(port_a, consultation, alice_cookie)
        paula = await _open(port_b, consultation, paula_cookie)
        try:
            await alice.send(
                json.dumps(
                    {"type": "message", "body": "depuis le processus A", "clientMessageId": "x-1"}
                )
            )
            received = await _next(paula, "message", employee_a)
            assert (received["body"], received["sender"]) == (
                "depuis le processus A",
                str(employee_a.pk),
            )
            await paula.send(
                json.dumps({"type": "message", "body": "réponse via B", "clientMessageId": "y-1"})
            )
            assert (await _next(alice, "message", practitioner_p))["body"] == "réponse via B"
            await alice.send(json.dumps({"type": "typing", "active": True}))
            assert (await _next(paula, "typing", employee_a))["active"] is True
        finally:
            await alice.close()
            await paula.close()

    with daphne_processes(2) as (port_a, port_b):
        asyncio.run(scenario(port_a, port_b))
    assert ChatMessage.objects.filter(consultation=consultation).count() == 2


def test_a_process_refuses_an_outsider_with_its_close_code(employee_b, consultation):
    cookie = session_cookie(employee_b)

    async def scenario(port):
        ws = await connect(
            f"ws://127.0.0.1:{port}/ws/chat/{consultation.pk}/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={cookie}"},
        )
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        return closed.value.rcvd.code

    with daphne_processes(1) as (port,):
        assert asyncio.run(scenario(port)) == 4404

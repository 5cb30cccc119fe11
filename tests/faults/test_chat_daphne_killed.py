"""A daphne process killed (SIGKILL) under two processes sharing Redis (issue 16,
item 5, F7): the clients of the survivor are unaffected; a client of the dead one
reconnects to the survivor and resends with the same clientMessageId: stored once,
and the other participant receives it, including a message stored but never
broadcast (its process died between the commit and the broadcast)."""

import asyncio
import signal

import pytest
from websockets.exceptions import ConnectionClosed

from chat import services
from chat.models import ChatMessage
from tests.chat.conftest import open_consultation, session_cookie
from tests.chat.servers import daphne_processes
from tests.faults.chat_support import STEP, joined, joined_when_back, message, next_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_killed_process_costs_its_clients_a_reconnect_and_nothing_else(
    employee_a, practitioner_p, employee_b, practitioner_q
):
    room = open_consultation(employee_a, practitioner_p)
    other_room = open_consultation(employee_b, practitioner_q)
    cookies = {
        u.pk: session_cookie(u) for u in (employee_a, practitioner_p, employee_b, practitioner_q)
    }
    # Stored, never broadcast: its process died right after the commit.
    orphan, _ = services.message_send(
        sender=employee_a, consultation=room, body="jamais diffusé", client_message_id="orphan-1"
    )

    async def scenario(ports):
        port_a, port_b = ports
        alice, _ = await joined(port_a, room, cookies[employee_a.pk])
        paula, _ = await joined(port_b, room, cookies[practitioner_p.pk])
        bob, _ = await joined(port_b, other_room, cookies[employee_b.pk])
        quentin, _ = await joined(port_b, other_room, cookies[practitioner_q.pk])

        ports.processes[0].send_signal(signal.SIGKILL)
        ports.processes[0].wait(timeout=STEP)
        with pytest.raises(ConnectionClosed) as dropped:
            await asyncio.wait_for(alice.recv(), timeout=STEP)
        assert dropped.value.rcvd is None  # no close frame: the page sees 1006 and retries

        # The survivor's clients go on as if nothing happened.
        await bob.send(message("toujours là ?", "b-1"))
        assert (await next_of(quentin, "message", clientMessageId="b-1"))["body"] == "toujours là ?"
        await paula.send(message("je suis là", "p-1"))
        await next_of(paula, "message", clientMessageId="p-1")

        # Alice's page reconnects (to the survivor) and resends what it never saw confirmed.
        alice, _ = await joined_when_back(port_b, room, cookies[employee_a.pk])
        await alice.send(message("jamais diffusé", "orphan-1"))
        got = await next_of(paula, "message", clientMessageId="orphan-1")
        assert got["id"] == str(orphan.id)
        for ws in (alice, paula, bob, quentin):
            await ws.close()

    with daphne_processes(2) as ports:
        asyncio.run(asyncio.wait_for(scenario(ports), timeout=8 * STEP))
    assert ChatMessage.objects.filter(consultation=room, client_message_id="orphan-1").count() == 1
    assert ChatMessage.objects.filter(consultation=room).count() == 2

"""API clients: a ticket from POST .../chat-ticket, presented in the first frame."""

import json

import pytest
from asgiref.sync import sync_to_async
from guardian.shortcuts import remove_perm

from chat.access import CLOSE_UNAUTHENTICATED
from chat.tickets import ticket_issue
from medical.models import AccessLogEntry
from tests.chat.conftest import open_consultation, receive_type, send, session_cookie, ws_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.asyncio,
]


@sync_to_async
def issue(*, user, consultation):
    """A ticket issued under a live session of `user` (as the API view does)."""
    return ticket_issue(user=user, consultation=consultation, session_key=session_cookie(user))


async def _authenticate(ws, ticket):
    connected, _ = await ws.connect(timeout=3)
    assert connected
    await ws.send_to(text_data=json.dumps({"type": "auth", "ticket": ticket}))


async def test_a_ticket_in_the_first_frame_opens_the_chat(employee_a, practitioner_p, consultation):
    ticket = await issue(user=practitioner_p, consultation=consultation)
    paula = await ws_for(consultation.pk)  # no cookie
    await _authenticate(paula, ticket)
    ready = await paula.receive_json_from(timeout=3)
    assert (ready["type"], ready["you"]) == ("ready", str(practitioner_p.pk))
    assert (await paula.receive_json_from(timeout=3))["type"] == "history"
    await send(paula, "par l'application", "app-1")
    message = await receive_type(paula, "message")
    assert message["sender"] == str(practitioner_p.pk)
    assert (
        await sync_to_async(
            AccessLogEntry.objects.filter(user=practitioner_p, action="join", allowed=True).count
        )()
        == 1
    )
    await paula.disconnect()


async def test_a_ticket_is_single_use(employee_a, consultation):
    ticket = await issue(user=employee_a, consultation=consultation)
    first = await ws_for(consultation.pk)
    await _authenticate(first, ticket)
    assert (await first.receive_json_from(timeout=3))["type"] == "ready"
    second = await ws_for(consultation.pk)
    await _authenticate(second, ticket)
    assert await second.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }
    await first.disconnect()


@pytest.mark.parametrize("ticket", ["forged-" + "x" * 40, "", None, 42, "short"])
async def test_a_bad_ticket_is_refused_and_logged(consultation, ticket):
    ws = await ws_for(consultation.pk)
    await _authenticate(ws, ticket)
    assert await ws.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }
    rows = await sync_to_async(list)(
        AccessLogEntry.objects.filter(object_id=str(consultation.pk)).values_list(
            "action", "allowed"
        )
    )
    assert rows == [("join", False)]


async def test_a_ticket_for_another_consultation_is_refused(
    employee_a, employee_b, practitioner_q, consultation
):
    other = await sync_to_async(open_consultation)(employee_b, practitioner_q)
    ticket = await issue(user=employee_b, consultation=other)
    ws = await ws_for(consultation.pk)
    await _authenticate(ws, ticket)
    assert await ws.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }


async def test_the_ticket_holder_is_still_checked_on_connect(employee_a, consultation):
    """A ticket proves who the user is, not that they may still chat."""
    ticket = await issue(user=employee_a, consultation=consultation)

    @sync_to_async
    def cancel_rights():
        remove_perm("consultations.chat_consultation", employee_a, consultation)

    await cancel_rights()
    ws = await ws_for(consultation.pk)
    await _authenticate(ws, ticket)
    output = await ws.receive_output(timeout=3)
    assert output["type"] == "websocket.close"
    assert output["code"] != 1000

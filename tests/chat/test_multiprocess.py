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


def _http(method, url, *, headers=None, body=None):
    """(status, headers, body) of a plain HTTP call, redirects not followed."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


async def _closed_within(ws, seconds):
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), timeout=seconds)
    return closed.value.rcvd.code


def test_a_portal_logout_on_one_process_closes_the_socket_on_the_other(employee_a, practitioner_p):
    consultation = open_consultation(employee_a, practitioner_p)
    cookie = session_cookie(employee_a)
    other_device = session_cookie(employee_a)

    def logout(port):
        page = f"http://127.0.0.1:{port}/accounts/logout/"
        status, headers, _ = _http("GET", page, headers={"Cookie": f"sessionid={cookie}"})
        assert status == 200
        csrf = next(
            c.split(";")[0].split("=", 1)[1]
            for c in headers.get_all("Set-Cookie")
            if c.startswith("csrftoken=")
        )
        status, _, _ = _http(
            "POST",
            page,
            headers={"Cookie": f"sessionid={cookie}; csrftoken={csrf}", "X-CSRFToken": csrf},
            body=b"",
        )
        assert status == 302

    async def scenario(port_a, port_b):
        alice = await _open(port_b, consultation, cookie)
        phone = await _open(port_b, consultation, other_device)
        try:
            await asyncio.to_thread(logout, port_a)
            assert await _closed_within(alice, 1.0) == 4401
            # Her other session's socket stays.
            await phone.send(
                json.dumps({"type": "message", "body": "encore là", "clientMessageId": "o-1"})
            )
            assert (await _next(phone, "message", employee_a))["body"] == "encore là"
        finally:
            await alice.close()
            await phone.close()

    with daphne_processes(2) as (port_a, port_b):
        asyncio.run(scenario(port_a, port_b))


def test_an_api_logout_on_one_process_closes_the_ticket_socket_on_the_other(
    employee_a, practitioner_p
):
    from django.test import Client

    from tests.conftest import PASSWORD

    consultation = open_consultation(employee_a, practitioner_p)

    # Signed in here (the processes hash passwords with the production hasher, the
    # tests with a fast one): the token session is in the shared database.
    login = Client().post(
        "/_allauth/app/v1/auth/login",
        json.dumps({"email": employee_a.email, "password": PASSWORD}),
        content_type="application/json",
    )
    access = login.json()["meta"]["access_token"]

    def ticket_for(port):
        status, _, body = _http(
            "POST",
            f"http://127.0.0.1:{port}/api/v1/consultations/{consultation.pk}/chat-ticket",
            headers={"Authorization": f"Bearer {access}"},
        )
        assert status == 201, body
        return json.loads(body)["ticket"]

    def logout(port):
        status, _, _ = _http(
            "DELETE",
            f"http://127.0.0.1:{port}/_allauth/app/v1/auth/session",
            headers={"Authorization": f"Bearer {access}"},
        )
        assert status == 401  # allauth: no session any more

    async def scenario(port_a, port_b):
        ticket = await asyncio.to_thread(ticket_for, port_a)
        app = await connect(f"ws://127.0.0.1:{port_b}/ws/chat/{consultation.pk}/", open_timeout=10)
        try:
            await app.send(json.dumps({"type": "auth", "ticket": ticket}))
            assert json.loads(await app.recv())["type"] == "ready"
            await asyncio.to_thread(logout, port_a)
            assert await _closed_within(app, 1.0) == 4401
        finally:
            await app.close()

    with daphne_processes(2) as (port_a, port_b):
        asyncio.run(scenario(port_a, port_b))

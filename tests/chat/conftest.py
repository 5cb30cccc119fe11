"""Chat fixtures: consultations whose chat is open, logged-in websockets."""

import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from tests.consultations.factories import book

# The site's origin in tests (HUNTZEN_SITE_URL; pytest-django turns DEBUG off).
ORIGIN = b"http://127.0.0.1:8000"


def open_consultation(employee, practitioner, *, minutes_ago=10):
    """A consultation that started `minutes_ago` (still 'scheduled'): its chat is open."""
    at = (timezone.now() - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)
    return book(employee, practitioner, at=at)


@pytest.fixture
def consultation(employee_a, practitioner_p):
    return open_consultation(employee_a, practitioner_p)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def ws_for(consultation_id, user=None, *, origin=ORIGIN):
    """A websocket through the whole ASGI stack (origin check, session auth, routing),
    signed in as `user` (by its session cookie) or anonymous."""
    cookie = await database_sync_to_async(session_cookie)(user) if user is not None else None
    return communicator(consultation_id, cookie=cookie, origin=origin)


def communicator(consultation_id, *, cookie=None, origin=ORIGIN):
    from huntzen.asgi import application

    headers = []
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/chat/{consultation_id}/", headers=headers)


async def receive_type(ws, frame_type, timeout=2):
    """The next frame of `frame_type`, skipping others (typing, read receipts)."""
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        if frame["type"] == frame_type:
            return frame


async def joined(ws):
    """Connect and consume the ready and history frames; returns the history frame."""
    connected, _ = await ws.connect(timeout=3)
    assert connected
    ready = await ws.receive_json_from(timeout=3)
    assert ready["type"] == "ready", ready
    history = await ws.receive_json_from(timeout=3)
    assert history["type"] == "history", history
    return history


async def refused_with(ws) -> int:
    """The close code of a socket refused at connect (accepted only to carry the code)."""
    connected, _ = await ws.connect(timeout=3)
    if not connected:
        return _
    output = await ws.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output
    return output.get("code")


async def send(ws, body, client_id, **extra):
    await ws.send_to(
        text_data=json.dumps(
            {"type": "message", "body": body, "clientMessageId": client_id, **extra}
        )
    )


# A participant (employee A) who may still know of the consultation but must not chat:
# the medical rule bars superusers and staff, the chat needs the role permission.
BARRED_PARTICIPANTS = ["superuser_flag", "staff_flag", "no_chat_role"]


def bar_participant(user, case):
    """Turn the participant `user` into `case` (BARRED_PARTICIPANTS, or "inactive")."""

    if case == "no_chat_role":
        Group.objects.get(name=user.role).permissions.remove(
            Permission.objects.get(codename="chat_participate")
        )
        return
    field, value = {
        "superuser_flag": ("is_superuser", True),
        "staff_flag": ("is_staff", True),
        "inactive": ("is_active", False),
    }[case]
    setattr(user, field, value)
    user.save(update_fields=[field])

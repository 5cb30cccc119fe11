"""Delivered on receipt, confirmed on commit (chat.consumers): a message the socket's
cached window says open is handed to the room before its statement runs; the statement
still decides (window, log row, insert), a refusal or a failure is retracted, the
sender confirmed only after the COMMIT."""

import asyncio
import threading
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import Client
from django.urls import reverse

from chat import flood, services
from chat.access import CLOSE_CLOSED, CLOSE_UNAUTHENTICATED, Action
from chat.models import ChatMessage
from consultations.models import Consultation
from medical.models import AccessLogEntry
from tests.chat.conftest import communicator, joined, receive_type, send, ws_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@sync_to_async(thread_sensitive=False)
def stored(**filters) -> list:
    """The committed rows, read on a connection of another thread than the sockets'."""
    try:
        return list(ChatMessage.objects.filter(**filters).values_list("id", flat=True))
    finally:
        connections.close_all()


@sync_to_async(thread_sensitive=False)
def send_log(user, *, allowed: bool) -> int:
    try:
        return AccessLogEntry.objects.filter(
            user=user, object_type="chat", action=Action.SEND, allowed=allowed
        ).count()
    finally:
        connections.close_all()


@pytest.fixture
def held_statement(monkeypatch):
    """The message's statement (services._begun_with) waits until `release` is set."""
    release = threading.Event()
    begun_with = services._begun_with

    def held(connection, sql, params):
        release.wait(timeout=10)
        return begun_with(connection, sql, params)

    monkeypatch.setattr(services, "_begun_with", held)
    yield release
    release.set()


@pytest.fixture
def frozen_window(monkeypatch):
    monkeypatch.setattr(flood, "clock", lambda: 3_000_005.0)


async def test_the_room_gets_the_message_before_its_statement_runs(
    employee_a, practitioner_p, consultation, held_statement
):
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(alice, "dès réception", "receipt-1")

    early = await receive_type(paula, "message")
    assert (early["body"], early["clientMessageId"], early["sender"]) == (
        "dès réception",
        "receipt-1",
        str(employee_a.pk),
    )
    expected_id = services.message_id(consultation.pk, employee_a.pk, "receipt-1")
    assert early["id"] == str(expected_id)
    # The statement has not run: nothing stored, nothing logged, the sender waits.
    assert await alice.receive_nothing(timeout=0.3)
    assert await stored(client_message_id="receipt-1") == []
    assert await send_log(employee_a, allowed=True) == 0

    held_statement.set()
    confirmed = await receive_type(alice, "message")
    assert confirmed == early
    row = await sync_to_async(
        lambda: ChatMessage.objects.values("id", "created_at").get(client_message_id="receipt-1")
    )()
    # The stored row is the one delivered: same id, same createdAt.
    assert str(row["id"]) == early["id"]
    assert row["created_at"].isoformat() == early["createdAt"]
    assert await send_log(employee_a, allowed=True) == 1
    assert await paula.receive_nothing(timeout=0.3)
    await alice.disconnect()
    await paula.disconnect()


async def test_a_store_refused_after_delivery_is_retracted_and_logged(
    employee_a, practitioner_p, consultation
):
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    # Cancelled in the database, no broadcast: the sockets' cached window says open.
    await sync_to_async(
        lambda: Consultation.objects.filter(pk=consultation.pk).update(
            status=Consultation.Status.CANCELLED
        )
    )()
    await send(alice, "trop tard", "late-1")

    shown = await receive_type(paula, "message")
    assert shown["clientMessageId"] == "late-1"
    assert await receive_type(paula, "retracted") == {
        "type": "retracted",
        "id": shown["id"],
        "clientMessageId": "late-1",
    }
    # The sender gets the refusal: the chat is closed.
    assert await alice.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_CLOSED,
    }
    assert await stored(client_message_id="late-1") == []
    assert await send_log(employee_a, allowed=False) == 1
    assert await send_log(employee_a, allowed=True) == 0
    await paula.disconnect()


async def test_over_budget_nothing_is_delivered(
    employee_a, practitioner_p, consultation, frozen_window, monkeypatch
):
    monkeypatch.setattr(flood, "USER_MESSAGES_PER_WINDOW", 1)
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(alice, "un", "budget-1")
    assert (await receive_type(paula, "message"))["clientMessageId"] == "budget-1"
    assert (await receive_type(alice, "message"))["clientMessageId"] == "budget-1"
    await send(alice, "deux", "budget-2")
    error = await receive_type(alice, "error")
    assert (error["code"], error["clientMessageId"]) == ("rate_limited", "budget-2")
    assert await paula.receive_nothing(timeout=0.5)
    assert await stored(client_message_id="budget-2") == []
    await alice.disconnect()
    await paula.disconnect()


async def test_a_resend_from_another_socket_shows_the_stored_message(
    employee_a, practitioner_p, consultation
):
    """The resend of a message stored already, from a new socket (which cannot know):
    the room was shown this attempt (its time), so it is retracted and the stored
    message broadcast; one row, one id."""
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(alice, "une fois", "once")
    first = await receive_type(alice, "message")
    assert await receive_type(paula, "message") == first
    await alice.disconnect()

    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    await send(alice, "une fois", "once")
    again = await receive_type(paula, "message")
    assert again["id"] == first["id"]
    assert await receive_type(paula, "retracted") == {
        "type": "retracted",
        "id": first["id"],
        "clientMessageId": "once",
    }
    assert await receive_type(paula, "message") == first
    assert await receive_type(alice, "message") == first
    assert await stored(client_message_id="once") == [uuid.UUID(first["id"])]
    assert await paula.receive_nothing(timeout=0.3)
    await alice.disconnect()
    await paula.disconnect()


async def test_a_cancellation_told_closes_the_cached_window(
    employee_a, practitioner_p, consultation
):
    """The `consultation.status` event updates the socket's window: the next message
    is not shown to anyone (the store-first path refuses it)."""
    from consultations import live

    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)

    @sync_to_async(thread_sensitive=False)
    def cancel():
        try:
            Consultation.objects.filter(pk=consultation.pk).update(
                status=Consultation.Status.CANCELLED
            )
            live.status_changed(Consultation.objects.get(pk=consultation.pk))
        finally:
            connections.close_all()

    await cancel()
    status = await receive_type(alice, "status")
    assert status["event"] == "cancelled"
    await send(alice, "annulée", "cancelled-1")
    assert await alice.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_CLOSED,
    }
    frames = []
    while not await paula.receive_nothing(timeout=0.5):
        frames.append(await paula.receive_output(timeout=1))
    assert not any('"message"' in f.get("text", "") for f in frames), frames
    assert not any('"retracted"' in f.get("text", "") for f in frames), frames
    assert await stored(client_message_id="cancelled-1") == []


async def test_the_sender_receives_while_its_own_message_is_stored(
    employee_a, practitioner_p, consultation, held_statement
):
    """Channels hands a socket its events one at a time: the store runs beside them,
    so the other participant's message reaches the sender before her COMMIT."""
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(alice, "la mienne", "mine-1")
    assert (await receive_type(paula, "message"))["clientMessageId"] == "mine-1"
    await send(paula, "la sienne", "theirs-1")

    # Both statements are held: alice gets paula's message, not yet her confirmation.
    theirs = await receive_type(alice, "message")
    assert (theirs["clientMessageId"], theirs["sender"]) == ("theirs-1", str(practitioner_p.pk))
    assert await stored(client_message_id__in=["mine-1", "theirs-1"]) == []

    held_statement.set()
    assert (await receive_type(alice, "message"))["clientMessageId"] == "mine-1"
    assert (await receive_type(paula, "message"))["clientMessageId"] == "theirs-1"
    assert len(await stored(client_message_id__in=["mine-1", "theirs-1"])) == 2
    await alice.disconnect()
    await paula.disconnect()


async def test_a_sockets_messages_are_stored_and_confirmed_in_the_order_sent(
    employee_a, practitioner_p, consultation, held_statement
):
    """The next message of a socket waits for the store of its previous one: the room
    is not shown the second before the first is stored, confirmations keep the order."""
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(alice, "un", "order-1")
    await send(alice, "deux", "order-2")
    assert (await receive_type(paula, "message"))["clientMessageId"] == "order-1"
    assert await paula.receive_nothing(timeout=0.3)

    held_statement.set()
    assert (await receive_type(alice, "message"))["clientMessageId"] == "order-1"
    assert (await receive_type(paula, "message"))["clientMessageId"] == "order-2"
    assert (await receive_type(alice, "message"))["clientMessageId"] == "order-2"
    assert len(await stored(client_message_id__in=["order-1", "order-2"])) == 2
    await alice.disconnect()
    await paula.disconnect()


async def test_the_store_begins_once_the_room_was_handed_the_message(
    employee_a, practitioner_p, consultation, monkeypatch
):
    """The store's thread starts after the early group_send returned (it would compete
    for the GIL with the loop carrying the room's frames)."""
    from huntzen.channel_layer import LocalFirstLoopLayer

    published = asyncio.Event()
    group_send = LocalFirstLoopLayer.group_send

    async def held_publish(layer, group, message):
        await group_send(layer, group, message)
        if message["type"] == "chat.message":
            await published.wait()

    begun = threading.Event()
    begun_with = services._begun_with

    def noted(connection, sql, params):
        begun.set()
        return begun_with(connection, sql, params)

    monkeypatch.setattr(LocalFirstLoopLayer, "group_send", held_publish)
    monkeypatch.setattr(services, "_begun_with", noted)
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(alice, "d'abord la salle", "room-first")

    assert (await receive_type(paula, "message"))["clientMessageId"] == "room-first"
    await asyncio.sleep(0.3)
    assert not begun.is_set()
    published.set()
    assert (await receive_type(alice, "message"))["clientMessageId"] == "room-first"
    assert begun.is_set()
    await alice.disconnect()
    await paula.disconnect()


async def test_a_socket_whose_sign_in_ends_while_its_message_is_stored_gets_nothing_more(
    employee_a, practitioner_p, consultation, held_statement
):
    """The logout closes the socket at once (its store no longer holds its events up);
    the message, received while signed in, is stored, and nothing reaches the closed
    socket (chat.guard drops what is sent after a close)."""
    laptop = await sync_to_async(Client)()
    await sync_to_async(laptop.force_login)(employee_a)
    alice = communicator(consultation.pk, cookie=laptop.cookies["sessionid"].value)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(alice, "avant de partir", "leaving-1")
    assert (await receive_type(paula, "message"))["clientMessageId"] == "leaving-1"

    response = await sync_to_async(laptop.post)(reverse("account_logout"))
    assert response.status_code == 302
    assert await alice.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }
    held_statement.set()
    for _ in range(50):
        if await stored(client_message_id="leaving-1"):
            break
        await asyncio.sleep(0.1)
    assert len(await stored(client_message_id="leaving-1")) == 1
    assert await alice.receive_nothing(timeout=0.5)
    await paula.disconnect()


async def test_a_failure_after_the_store_closes_the_sender_as_unavailable(
    employee_a, practitioner_p, consultation, monkeypatch, caplog
):
    """The store runs beside the socket's events: what fails there after the COMMIT (its
    confirmation here) is logged and answered as a failed store would be (`error
    unavailable`, 4503), not lost in a task nobody awaits; the stored message stays."""
    from chat.access import CLOSE_UNAVAILABLE
    from chat.consumers import ChatConsumer

    async def broken(self, early):
        raise RuntimeError("confirmation failed")

    monkeypatch.setattr(ChatConsumer, "_confirm_early", broken)
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(alice, "confirmée ?", "unconfirmed-1")

    assert (await receive_type(paula, "message"))["clientMessageId"] == "unconfirmed-1"
    error = await receive_type(alice, "error")
    assert (error["code"], error["clientMessageId"]) == ("unavailable", "unconfirmed-1")
    assert await alice.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_UNAVAILABLE,
    }
    assert len(await stored(client_message_id="unconfirmed-1")) == 1
    assert "failed beside its socket" in caplog.text
    assert "confirmée" not in caplog.text
    await paula.disconnect()

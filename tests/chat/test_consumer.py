"""The chat websocket, through the whole ASGI stack, on the configured channel layer
(in memory locally; Redis when REDIS_URL is set, as in CI)."""

import json
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import OperationalError, connection
from django.utils import timezone
from guardian.shortcuts import remove_perm

from accounts import session_end
from chat import consumers, flood, services
from chat.access import (
    CLOSE_CLOSED,
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHENTICATED,
    CLOSE_UNAVAILABLE,
    CLOSE_UNKNOWN,
)
from chat.models import ChatMessage
from chat.services import message_send
from consultations import services as consultation_services
from medical import crypto
from medical.models import AccessLogEntry
from tests.chat.conftest import (
    BARRED_PARTICIPANTS,
    bar_participant,
    joined,
    open_consultation,
    receive_type,
    refused_with,
    send,
    ws_for,
)
from tests.chat.layers import FailingLayer
from tests.consultations.factories import book

# serialized_rollback: the role groups and reference data of the migrations survive the
# flush between transactional tests.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.asyncio,
]


def _count(**filters):
    return ChatMessage.objects.filter(**filters).count()


count = sync_to_async(_count)


@sync_to_async
def log_rows(consultation, **filters):
    return list(
        AccessLogEntry.objects.filter(object_type="chat", object_id=str(consultation.pk), **filters)
        .order_by("at", "id")
        .values_list("user_email", "action", "allowed")
    )


# --- Refusals first ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("employee_b", CLOSE_UNKNOWN),  # a colleague of the same company
        ("employee_c", CLOSE_UNKNOWN),  # an employee of another company
        ("practitioner_q", CLOSE_UNKNOWN),
        ("hr_acme", CLOSE_UNKNOWN),  # the employee's own HR
        ("hr_globex", CLOSE_UNKNOWN),
        ("staff_r2", CLOSE_FORBIDDEN),  # sees the consultation exists, never its content
        ("operator_r1", CLOSE_FORBIDDEN),
        ("superuser", CLOSE_FORBIDDEN),
    ],
)
async def test_it_refuses_everyone_but_the_participants(cast, consultation, who, code):
    ws = await ws_for(consultation.pk, cast[who])
    assert await refused_with(ws) == code
    assert await log_rows(consultation) == [(cast[who].email, "join", False)]
    await ws.disconnect()


@pytest.mark.parametrize("case", BARRED_PARTICIPANTS)
async def test_it_refuses_a_barred_participant_with_4403(employee_a, consultation, case):
    await sync_to_async(bar_participant)(employee_a, case)
    ws = await ws_for(consultation.pk, employee_a)
    assert await refused_with(ws) == CLOSE_FORBIDDEN
    assert await log_rows(consultation) == [(employee_a.email, "join", False)]
    await ws.disconnect()


async def test_it_treats_an_inactive_participant_as_signed_out(
    employee_a, consultation, monkeypatch
):
    monkeypatch.setattr(consumers, "AUTH_TIMEOUT", 0.05)
    ws = await ws_for(consultation.pk, employee_a)
    await sync_to_async(bar_participant)(employee_a, "inactive")
    connected, _ = await ws.connect()
    assert connected  # as anonymous: only to read a ticket from the first frame
    output = await ws.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_it_refuses_an_unknown_consultation(employee_a, consultation):
    ws = await ws_for(uuid.uuid4(), employee_a)
    assert await refused_with(ws) == CLOSE_UNKNOWN


async def test_it_refuses_a_wrong_origin(employee_a, consultation):
    ws = await ws_for(consultation.pk, employee_a, origin=b"https://evil.example")
    connected, _ = await ws.connect()
    assert not connected
    assert await log_rows(consultation) == []


@pytest.mark.parametrize(
    "origin",
    [
        b"http://127.0.0.1:9999",  # another port of the site's host
        b"http://127.0.0.1",  # its default port
        b"https://127.0.0.1:8000",  # another scheme
        b"http://localhost:9999",
        b"http://127.0.0.1.evil.example:8000",
        b"null",
        b"not an origin",
    ],
)
async def test_it_refuses_an_origin_that_is_not_exactly_the_sites(employee_a, consultation, origin):
    ws = await ws_for(consultation.pk, employee_a, origin=origin)
    connected, _ = await ws.connect()
    assert not connected
    assert await log_rows(consultation) == []


@pytest.mark.parametrize(
    "origin", [b"http://127.0.0.1:8000", b"HTTP://127.0.0.1:8000", b"http://127.0.0.1:8000/"]
)
async def test_it_accepts_the_sites_origins(employee_a, consultation, origin):
    ws = await ws_for(consultation.pk, employee_a, origin=origin)
    await joined(ws)
    await ws.disconnect()


async def test_it_refuses_a_missing_origin_with_a_session_cookie(employee_a, consultation):
    ws = await ws_for(consultation.pk, employee_a, origin=None)
    connected, _ = await ws.connect()
    assert not connected


async def test_a_native_client_without_origin_nor_cookie_may_bring_a_ticket(
    employee_a, consultation
):
    from chat.tickets import ticket_issue
    from tests.chat.conftest import session_cookie

    ticket = await sync_to_async(
        lambda: ticket_issue(
            user=employee_a, consultation=consultation, session_key=session_cookie(employee_a)
        )
    )()
    ws = await ws_for(consultation.pk, origin=None)
    connected, _ = await ws.connect()
    assert connected
    await ws.send_to(text_data=json.dumps({"type": "auth", "ticket": ticket}))
    assert (await ws.receive_json_from(timeout=3))["type"] == "ready"
    await ws.disconnect()


async def test_it_closes_an_anonymous_socket_without_a_ticket(consultation, monkeypatch):
    monkeypatch.setattr(consumers, "AUTH_TIMEOUT", 0.05)
    ws = await ws_for(consultation.pk)
    connected, _ = await ws.connect()
    assert connected  # only to read a ticket from the first frame
    output = await ws.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_it_closes_an_anonymous_socket_whose_first_frame_is_not_a_ticket(consultation):
    ws = await ws_for(consultation.pk)
    await ws.connect()
    await send(ws, "hello", "c1")
    output = await ws.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert await count() == 0
    assert await log_rows(consultation) == [("", "join", False)]


async def test_it_refuses_a_cancelled_consultation(employee_a, practitioner_p):
    at = (timezone.now() + timedelta(minutes=10)).replace(second=0, microsecond=0)
    consultation = await sync_to_async(book)(employee_a, practitioner_p, at=at)
    await sync_to_async(consultation_services.consultation_cancel)(
        actor=employee_a, consultation=consultation
    )
    ws = await ws_for(consultation.pk, employee_a)
    assert await refused_with(ws) == CLOSE_CLOSED
    assert await log_rows(consultation) == [(employee_a.email, "join", False)]


async def test_it_refuses_before_the_window_opens(employee_a, practitioner_p, settings):
    at = (timezone.now() + timedelta(minutes=30)).replace(second=0, microsecond=0)
    consultation = await sync_to_async(book)(employee_a, practitioner_p, at=at)
    ws = await ws_for(consultation.pk, practitioner_p)
    assert await refused_with(ws) == CLOSE_CLOSED
    settings.HUNTZEN_CHAT_OPENS_BEFORE = timedelta(hours=1)  # read at call time
    ws = await ws_for(consultation.pk, practitioner_p)
    await joined(ws)
    await ws.disconnect()


async def test_it_refuses_after_the_window_closes(employee_a, practitioner_p, settings):
    consultation = await sync_to_async(open_consultation)(
        employee_a, practitioner_p, minutes_ago=60 * 25
    )
    ws = await ws_for(consultation.pk, employee_a)
    assert await refused_with(ws) == CLOSE_CLOSED
    settings.HUNTZEN_CHAT_CLOSES_AFTER = timedelta(hours=48)
    ws = await ws_for(consultation.pk, employee_a)
    await joined(ws)
    await ws.disconnect()


async def test_staff_learn_nothing_more_from_a_closed_chat(staff_r2, employee_a, practitioner_p):
    consultation = await sync_to_async(open_consultation)(
        employee_a, practitioner_p, minutes_ago=60 * 25
    )
    ws = await ws_for(consultation.pk, staff_r2)
    assert await refused_with(ws) == CLOSE_FORBIDDEN


# --- Exchanging messages ----------------------------------------------------------


async def test_participants_exchange_messages_both_ways(employee_a, practitioner_p, consultation):
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    assert (await joined(alice))["messages"] == []
    await joined(paula)

    await send(alice, "Bonjour docteur", "a-1")
    received = await receive_type(paula, "message")
    echoed = await receive_type(alice, "message")
    assert received == echoed
    assert received["body"] == "Bonjour docteur"
    assert received["sender"] == str(employee_a.pk)
    assert received["clientMessageId"] == "a-1"
    assert set(received) == {"type", "id", "sender", "body", "createdAt", "clientMessageId"}

    await send(paula, "Bonjour Alice", "p-1")
    received = await receive_type(alice, "message")
    assert (received["sender"], received["body"]) == (str(practitioner_p.pk), "Bonjour Alice")
    await receive_type(paula, "message")
    assert await count(consultation=consultation) == 2
    assert await log_rows(consultation, action="send") == [
        (employee_a.email, "send", True),
        (practitioner_p.email, "send", True),
    ]
    assert await log_rows(consultation, action="join") == [
        (employee_a.email, "join", True),
        (practitioner_p.email, "join", True),
    ]
    await alice.disconnect()
    await paula.disconnect()


async def test_a_spoofed_sender_is_ignored(employee_a, practitioner_p, consultation):
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    await send(
        alice,
        "c'est le docteur qui parle",
        "s-1",
        sender=str(practitioner_p.pk),
        senderId=str(practitioner_p.pk),
    )
    frame = await receive_type(alice, "message")
    assert frame["sender"] == str(employee_a.pk)
    assert await count(sender=practitioner_p) == 0
    assert await count(sender=employee_a) == 1
    await alice.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "message", "body": "x" * 4001, "clientMessageId": "c"}, "body_too_long"),
        ({"type": "message", "body": "", "clientMessageId": "c"}, "empty_body"),
        ({"type": "message", "body": " \n\t ", "clientMessageId": "c"}, "empty_body"),
        ({"type": "message", "body": 42, "clientMessageId": "c"}, "invalid_body"),
        ({"type": "message", "body": ["hi"], "clientMessageId": "c"}, "invalid_body"),
        ({"type": "message", "clientMessageId": "c"}, "invalid_body"),
        ({"type": "message", "body": "hi"}, "invalid_client_message_id"),
        (
            {"type": "message", "body": "hi", "clientMessageId": "é" * 3},
            "invalid_client_message_id",
        ),
        (
            {"type": "message", "body": "hi", "clientMessageId": "x" * 65},
            "invalid_client_message_id",
        ),
        ({"type": "shout", "body": "hi"}, "unknown_type"),
        ({"body": "hi"}, "invalid_json"),
        ([1, 2], "invalid_json"),
        ({"type": "history", "before": "not-a-message"}, "invalid_before"),
        ({"type": "read", "upTo": "nope"}, "invalid_read"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_store_nothing(
    employee_a, consultation, frame, code
):
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    await alice.send_to(text_data=json.dumps(frame))
    error = await alice.receive_json_from(timeout=2)
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["message"]
    assert await count() == 0
    # The socket stays open and usable.
    await send(alice, "still here", "ok-1")
    assert (await receive_type(alice, "message"))["body"] == "still here"
    await alice.disconnect()


async def test_a_4000_character_message_is_accepted(employee_a, consultation):
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    await send(alice, "é" * 4000, "long-1")
    assert len((await receive_type(alice, "message"))["body"]) == 4000
    await alice.disconnect()


@pytest.mark.parametrize("raw", ["{not json", "   ", "null", '"text"', "x" * 60000])
async def test_malformed_json_gets_an_error_frame(employee_a, consultation, raw):
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    await alice.send_to(text_data=raw)
    error = await alice.receive_json_from(timeout=2)
    assert error["type"] == "error"
    assert error["code"] in {"invalid_json", "frame_too_large"}
    await alice.disconnect()


async def test_a_binary_frame_gets_an_error_frame(employee_a, consultation):
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    await alice.send_to(bytes_data=b'{"type": "message"}')
    assert (await alice.receive_json_from(timeout=2))["code"] == "invalid_frame"
    await alice.disconnect()


async def test_the_rate_limit_engages_and_releases(employee_a, consultation, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(consumers.ChatConsumer, "clock", staticmethod(lambda: now[0]))
    monkeypatch.setattr(flood, "clock", lambda: now[0])
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    for i in range(10):
        await send(alice, f"message {i}", f"r-{i}")
        await receive_type(alice, "message")
    await send(alice, "one too many", "r-10")
    error = await alice.receive_json_from(timeout=2)
    assert (error["type"], error["code"], error["clientMessageId"]) == (
        "error",
        "rate_limited",
        "r-10",
    )
    assert await count() == 10
    now[0] += 10.0
    await send(alice, "after a pause", "r-11")
    assert (await receive_type(alice, "message"))["body"] == "after a pause"
    await alice.disconnect()


async def test_history_on_join_is_ordered_and_decrypted(employee_a, practitioner_p, consultation):
    for i, author in enumerate([employee_a, practitioner_p, employee_a]):
        await sync_to_async(message_send)(
            sender=author, consultation=consultation, body=f"m{i}", client_message_id=f"h{i}"
        )
    paula = await ws_for(consultation.pk, practitioner_p)
    history = await joined(paula)
    assert [m["body"] for m in history["messages"]] == ["m0", "m1", "m2"]
    assert [m["sender"] for m in history["messages"]] == [
        str(employee_a.pk),
        str(practitioner_p.pk),
        str(employee_a.pk),
    ]
    assert history["hasMore"] is False
    await paula.disconnect()


async def test_a_cookie_socket_joins_in_one_database_hop(
    employee_a, practitioner_p, consultation, monkeypatch
):
    """The sign-in lookup, the join decision and the history page in one hop: the
    room's group is joined before it, so a message sent right after is delivered."""
    hops = []
    real_in_thread = consumers.db

    def counted(func):
        call = real_in_thread(func)

        async def counting(*args, **kwargs):
            hops.append(func.__name__)
            return await call(*args, **kwargs)

        return counting

    await sync_to_async(message_send)(
        sender=practitioner_p, consultation=consultation, body="avant", client_message_id="b1"
    )
    monkeypatch.setattr(consumers, "_admit_session", counted(consumers._admit_session.__wrapped__))
    monkeypatch.setattr(consumers, "_history", counted(consumers._history.__wrapped__))
    alice = await ws_for(consultation.pk, employee_a)
    history = await joined(alice)
    assert hops == ["_admit_session"]
    assert [m["body"] for m in history["messages"]] == ["avant"]
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(paula)
    await send(paula, "après", "b2")
    assert (await receive_type(alice, "message"))["body"] == "après"
    await alice.disconnect()
    await paula.disconnect()


async def test_history_sends_the_last_50_then_older_pages(employee_a, consultation):
    @sync_to_async
    def write(n):
        start = timezone.now() - timedelta(minutes=5)
        for i in range(n):
            ChatMessage.objects.create(
                consultation=consultation,
                sender=employee_a,
                client_message_id=f"b{i}",
                created_at=start + timedelta(seconds=i),
                body_sealed="",
            )
        # Seal through the model's own associated data, as message_send does.
        for message in ChatMessage.objects.all():
            message.body_sealed = crypto.seal(message.client_message_id, aad=message.aad("body"))
            message.save(update_fields=["body_sealed"])

    await write(60)
    alice = await ws_for(consultation.pk, employee_a)
    history = await joined(alice)
    assert [m["body"] for m in history["messages"]] == [f"b{i}" for i in range(10, 60)]
    assert history["hasMore"] is True
    await alice.send_to(
        text_data=json.dumps({"type": "history", "before": history["messages"][0]["id"]})
    )
    older = await receive_type(alice, "history")
    assert [m["body"] for m in older["messages"]] == [f"b{i}" for i in range(10)]
    assert older["hasMore"] is False
    await alice.disconnect()


async def test_a_resend_with_the_same_client_id_is_stored_once(
    employee_a, practitioner_p, consultation
):
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(alice, "une fois", "same-id")
    first = await receive_type(alice, "message")
    await receive_type(paula, "message")
    await alice.disconnect()

    alice = await ws_for(consultation.pk, employee_a)  # reconnected, resends
    await joined(alice)
    await send(alice, "une fois", "same-id")
    again = await receive_type(alice, "message")
    assert again["id"] == first["id"]
    assert await count(client_message_id="same-id") == 1
    # Broadcast again (the first broadcast may never have happened: F7), with the same
    # id, which the page shows once.
    redelivered = await receive_type(paula, "message")
    assert (redelivered["id"], redelivered["body"]) == (first["id"], "une fois")
    await alice.disconnect()
    await paula.disconnect()


async def test_the_database_holds_only_ciphertext(employee_a, practitioner_p, consultation):
    canary = "CANARY-secret-anxiety-7f3a"
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    await send(alice, canary, "canary")
    await receive_type(alice, "message")
    await alice.disconnect()

    @sync_to_async
    def scan():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {ChatMessage._meta.db_table}")
            rows = cursor.fetchall()
            cursor.execute(f"SELECT * FROM {AccessLogEntry._meta.db_table}")
            rows += cursor.fetchall()
        return rows

    rows = await scan()
    assert rows
    dump = repr(rows)
    assert canary not in dump
    assert canary.encode().hex() not in dump


async def test_typing_and_read_receipts_reach_the_other_participant_only(
    employee_a, practitioner_p, consultation
):
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await alice.send_to(text_data=json.dumps({"type": "typing", "active": True}))
    assert await paula.receive_json_from(timeout=2) == {
        "type": "typing",
        "active": True,
        "sender": str(employee_a.pk),
    }
    await send(paula, "vu ?", "p-1")
    message = await receive_type(alice, "message")
    await receive_type(paula, "message")
    await alice.send_to(text_data=json.dumps({"type": "read", "upTo": message["id"]}))
    assert await paula.receive_json_from(timeout=2) == {
        "type": "read",
        "upTo": message["id"],
        "sender": str(employee_a.pk),
    }
    assert await alice.receive_nothing(timeout=0.3)
    assert await count() == 1  # only the message: signals are not stored
    assert await log_rows(consultation, action="read") == [
        (employee_a.email, "read", True),  # the history on join
        (practitioner_p.email, "read", True),
    ]
    await alice.disconnect()
    await paula.disconnect()


# --- Access re-checked on each event ----------------------------------------------


async def test_a_send_after_cancellation_is_refused(employee_a, practitioner_p):
    at = (timezone.now() + timedelta(minutes=10)).replace(second=0, microsecond=0)
    consultation = await sync_to_async(book)(employee_a, practitioner_p, at=at)
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    await sync_to_async(consultation_services.consultation_cancel)(
        actor=practitioner_p, consultation=consultation, reason="Empêchement."
    )
    # The room page is told first (consultations.live), then the chat refuses.
    told = await alice.receive_json_from(timeout=2)
    assert (told["type"], told["event"]) == ("status", "cancelled")
    await send(alice, "trop tard", "late")
    output = await alice.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": CLOSE_CLOSED}
    assert await count() == 0
    assert (employee_a.email, "send", False) in await log_rows(consultation)


async def test_a_deactivated_account_is_cut_off_at_its_next_event_if_the_end_is_lost(
    employee_a, consultation, monkeypatch
):
    # The `session.end` broadcast (tests/chat/test_session_end.py) never arrives.
    monkeypatch.setattr(session_end, "_broadcast", lambda group: None)
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)

    @sync_to_async
    def deactivate():
        employee_a.is_active = False
        employee_a.save(update_fields=["is_active"])

    await deactivate()
    await alice.send_to(text_data=json.dumps({"type": "typing", "active": True}))
    output = await alice.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert (employee_a.email, "join", False) in await log_rows(consultation)


async def test_a_participant_whose_permission_is_removed_is_cut_off_at_once(
    employee_a, practitioner_p, consultation
):
    """The socket keeps its participant decision; deleting the object permission tells
    it (chat.signals, on the user's group) to decide again, at once, not 30 s later."""
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    await sync_to_async(remove_perm)("consultations.chat_consultation", employee_a, consultation)
    output = await alice.receive_output(timeout=2)
    # She still holds view_consultation: she may know of it, not chat (403).
    assert output == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    assert (employee_a.email, "join", False) in await log_rows(consultation)


# --- Faults ---------------------------------------------------------------------


@pytest.fixture
def failing_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.chat.layers.FailingLayer"}}
    yield FailingLayer
    FailingLayer.fail_group_send = FailingLayer.fail_group_add = False


async def test_layer_down_on_send_confirms_only_what_was_stored(
    employee_a, consultation, failing_layer
):
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    failing_layer.fail_group_send = True
    await send(alice, "stocké malgré tout", "down-1")
    stored = await alice.receive_json_from(timeout=2)
    assert (stored["type"], stored["clientMessageId"]) == ("message", "down-1")
    error = await alice.receive_json_from(timeout=2)
    assert (error["type"], error["code"]) == ("error", "unavailable")
    assert await alice.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_UNAVAILABLE,
    }
    assert await count(client_message_id="down-1") == 1


async def test_layer_down_on_join_tells_the_chat_is_unavailable(
    employee_a, consultation, failing_layer
):
    failing_layer.fail_group_add = True
    alice = await ws_for(consultation.pk, employee_a)
    connected, _ = await alice.connect()
    assert connected
    error = await alice.receive_json_from(timeout=2)
    assert (error["type"], error["code"]) == ("error", "unavailable")
    assert await alice.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_UNAVAILABLE,
    }


async def test_database_down_on_send_reports_nothing_sent(employee_a, consultation, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("database down")

    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    # Where each path writes: the one statement (PostgreSQL), the transaction (SQLite).
    monkeypatch.setattr(services, "_send_in_one_statement", down)
    monkeypatch.setattr(services, "_store", down)
    await send(alice, "perdu ?", "db-1")
    error = await alice.receive_json_from(timeout=2)
    assert (error["type"], error["code"], error["clientMessageId"]) == (
        "error",
        "unavailable",
        "db-1",
    )
    assert await alice.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_UNAVAILABLE,
    }

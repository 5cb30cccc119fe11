"""Deliver on insert, confirm on commit (chat.consumers, chat.services.message_send's
`announce`): on PostgreSQL and the Redis channel layer, the other participant gets a new
message while its COMMIT is still waiting; the sender only once it returned; a COMMIT
that fails is retracted, and its resend shows once."""

import threading
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from psycopg import pq

from chat import services
from chat.access import CLOSE_UNAVAILABLE
from chat.models import ChatMessage
from consultations.models import Consultation
from medical.models import AccessLogEntry
from tests.chat.conftest import joined, receive_type, send, ws_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@sync_to_async(thread_sensitive=False)
def stored(**filters) -> list:
    """The committed rows, read on a connection of another thread than the sockets'
    (whose database thread may be holding its COMMIT)."""
    try:
        return list(ChatMessage.objects.filter(**filters).values_list("id", flat=True))
    finally:
        connections.close_all()


@pytest.fixture
def held_commit(monkeypatch):
    """Every COMMIT of the sockets' database thread waits until `release` is set."""
    release = threading.Event()
    wrapper = type(connections["default"])
    commit = wrapper.commit

    def held(self):
        release.wait(timeout=10)
        return commit(self)

    monkeypatch.setattr(wrapper, "commit", held)
    yield release
    release.set()


DOOMED = "doomed"


@pytest.fixture
def doomed_commit():
    """A deferred constraint trigger: the COMMIT of a message whose client id is
    DOOMED fails (as a COMMIT does when its backend is lost), after the insert."""
    table = ChatMessage._meta.db_table
    create = [
        "CREATE FUNCTION test_doomed_commit() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'commit refused'; END $$",
        f"CREATE CONSTRAINT TRIGGER test_doomed_commit AFTER INSERT ON {table} "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        f"WHEN (NEW.client_message_id = '{DOOMED}') EXECUTE FUNCTION test_doomed_commit()",
    ]
    drop = [
        f"DROP TRIGGER IF EXISTS test_doomed_commit ON {table}",
        "DROP FUNCTION IF EXISTS test_doomed_commit()",
    ]

    def run(statements):
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    run(create)
    yield lambda: run(drop)
    run(drop)


@pytest.mark.asyncio
async def test_the_other_participant_gets_the_message_before_its_commit(
    employee_a, practitioner_p, consultation, held_commit
):
    alice = await ws_for(consultation.pk, employee_a)
    alice_tab = await ws_for(consultation.pk, employee_a)  # her other tab
    paula = await ws_for(consultation.pk, practitioner_p)
    for ws in (alice, alice_tab, paula):
        await joined(ws)
    await send(alice, "avant le commit", "early-1")

    early = await receive_type(paula, "message")
    assert (early["body"], early["clientMessageId"]) == ("avant le commit", "early-1")
    assert (await receive_type(alice_tab, "message"))["id"] == early["id"]
    # The COMMIT is still held: the sender has no confirmation, nothing is stored yet.
    assert await alice.receive_nothing(timeout=0.3)
    assert await stored(client_message_id="early-1") == []

    held_commit.set()
    confirmed = await receive_type(alice, "message")
    assert confirmed == early
    assert await stored(client_message_id="early-1") == [uuid.UUID(early["id"])]
    # The sending socket skipped the early frame: it gets its message once.
    assert await alice.receive_nothing(timeout=0.3)
    assert await paula.receive_nothing(timeout=0.3)
    for ws in (alice, alice_tab, paula):
        await ws.disconnect()


@pytest.mark.asyncio
async def test_a_failed_commit_is_retracted_and_its_resend_shows_once(
    employee_a, practitioner_p, consultation, doomed_commit
):
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(alice, "jamais stocké", DOOMED)

    shown = await receive_type(paula, "message")
    retracted = await receive_type(paula, "retracted")
    assert retracted == {"type": "retracted", "id": shown["id"], "clientMessageId": DOOMED}
    error = await alice.receive_json_from(timeout=2)
    assert (error["type"], error["code"], error["clientMessageId"]) == (
        "error",
        "unavailable",
        DOOMED,
    )
    # Never confirmed: the sender's client keeps it pending and reconnects.
    assert await alice.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_UNAVAILABLE,
    }
    assert await stored(client_message_id=DOOMED) == []

    await sync_to_async(doomed_commit)()  # the database is back to health
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    await send(alice, "jamais stocké", DOOMED)  # the client's resend, same client id
    confirmed = await receive_type(alice, "message")
    again = await receive_type(paula, "message")
    # The same id as the retracted frame: the recipient's client shows it once.
    assert confirmed["id"] == again["id"] == shown["id"]
    assert await stored(client_message_id=DOOMED) == [uuid.UUID(shown["id"])]
    assert await paula.receive_nothing(timeout=0.3)
    await alice.disconnect()
    await paula.disconnect()


@pytest.mark.asyncio
async def test_a_resend_of_a_stored_message_is_broadcast_after_its_commit(
    employee_a, practitioner_p, consultation
):
    """A resend that finds its message stored announces nothing early: the sender
    gets it through the room, as everyone, with the stored id."""
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(alice, "deux fois", "twice")
    first = await receive_type(alice, "message")
    await receive_type(paula, "message")
    await send(alice, "deux fois", "twice")
    again = await receive_type(alice, "message")
    assert again == first
    assert (await receive_type(paula, "message")) == first
    assert await alice.receive_nothing(timeout=0.3)
    await alice.disconnect()
    await paula.disconnect()


def test_a_message_id_is_the_same_for_every_attempt(employee_a, consultation):
    expected = services.message_id(consultation.pk, employee_a.pk, "c-1")
    assert expected == services.message_id(str(consultation.pk), employee_a.pk, "c-1")
    assert expected != services.message_id(consultation.pk, employee_a.pk, "c-2")
    message, created = services.message_send(
        sender=employee_a, consultation=consultation, body="un", client_message_id="c-1"
    )
    assert (message.id, created) == (expected, True)
    # The step-by-step path (no cached participant decision) draws the same id.
    other, created = services.message_send(
        sender=employee_a, consultation=consultation, body="deux", client_message_id="c-2"
    )
    assert other.id == services.message_id(consultation.pk, employee_a.pk, "c-2")


def test_announce_is_called_before_the_commit_on_the_one_statement_path(employee_a, consultation):
    seen = []

    def announce(message):
        # Inside the message's own transaction, not committed yet (PostgreSQL's own
        # word: the transaction is opened with the statement, not by an atomic block).
        status = connection.connection.info.transaction_status
        seen.append((message.client_message_id, status == pq.TransactionStatus.INTRANS))

    message, created = services.message_send(
        sender=employee_a,
        consultation=consultation,
        body="tôt",
        client_message_id="a-1",
        participant=True,
        announce=announce,
    )
    assert created and seen == [("a-1", True)]
    # A resend finds it stored: nothing announced.
    _again, created = services.message_send(
        sender=employee_a,
        consultation=consultation,
        body="tôt",
        client_message_id="a-1",
        participant=True,
        announce=announce,
    )
    assert not created and seen == [("a-1", True)]


def _chat_log(consultation) -> bool:
    return AccessLogEntry.objects.filter(
        object_type="chat", object_id=str(consultation.pk)
    ).exists()


def _in_transaction() -> bool:
    return connection.connection.info.transaction_status == pq.TransactionStatus.INTRANS


def test_one_round_trip_opens_the_transaction_and_runs_the_statement(employee_a, consultation):
    """The BEGIN goes with the statement (Django's atomic block sends it alone first):
    by the announce, one statement has run, and it opened the transaction."""
    seen = []

    def announce(message):
        seen.append(([q["sql"] for q in captured.captured_queries], _in_transaction()))

    with CaptureQueriesContext(connection) as captured:
        _message, created = services.message_send(
            sender=employee_a,
            consultation=consultation,
            body="d'un coup",
            client_message_id="trip-1",
            participant=True,
            announce=announce,
        )
    assert created
    [(statements, in_transaction)] = seen
    assert len(statements) == 1 and statements[0].startswith("BEGIN; WITH "), statements
    assert in_transaction
    assert not _in_transaction()  # committed after the announce
    assert ChatMessage.objects.filter(client_message_id="trip-1").count() == 1


def test_over_budget_the_statement_is_rolled_back_and_nothing_announced(employee_a, consultation):
    """may_store (the flood budget) is asked once the statement has run, in its open
    transaction (its Redis round trip overlaps the statement's); a "no" rolls it all
    back: no message, no access-log row, nothing announced."""
    asked, announced = [], []

    def may_store():
        asked.append(_in_transaction())
        return False

    sent = services.message_send(
        sender=employee_a,
        consultation=consultation,
        body="de trop",
        client_message_id="over-1",
        participant=True,
        announce=announced.append,
        may_store=may_store,
    )
    assert sent is None and announced == [] and asked == [True]
    assert not _in_transaction()
    assert not ChatMessage.objects.filter(client_message_id="over-1").exists()
    assert not _chat_log(consultation)


def test_over_budget_is_told_before_a_bad_message_or_a_closed_chat(
    employee_a, consultation, monkeypatch
):
    """As when the budget was counted before anything else: over it, a bad body or a
    chat that is not open answers None (rate_limited), not their own error."""
    common = {"sender": employee_a, "participant": True, "may_store": lambda: False}
    for body, client_message_id in (("", "empty"), ("ok", "")):
        sent = services.message_send(
            consultation=consultation, body=body, client_message_id=client_message_id, **common
        )
        assert sent is None
    Consultation.objects.filter(pk=consultation.pk).update(status=Consultation.Status.CANCELLED)
    sent = services.message_send(
        consultation=consultation,
        body="ok",
        client_message_id="closed",
        announce=lambda message: None,
        **common,
    )
    assert sent is None
    assert not _chat_log(consultation)


def test_a_failure_before_the_commit_rolls_the_message_back(employee_a, consultation):
    def announce(message):
        raise RuntimeError("the event loop is gone")

    with pytest.raises(RuntimeError):
        services.message_send(
            sender=employee_a,
            consultation=consultation,
            body="perdu",
            client_message_id="lost-1",
            participant=True,
            announce=announce,
        )
    assert not _in_transaction()
    assert not ChatMessage.objects.filter(client_message_id="lost-1").exists()
    # The connection goes on serving.
    assert services.message_send(
        sender=employee_a,
        consultation=consultation,
        body="retrouvé",
        client_message_id="lost-1",
        participant=True,
        announce=lambda message: None,
    )[1]

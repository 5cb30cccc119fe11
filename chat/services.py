"""Chat writes and reads. Both go through the chat access rule (which logs).

A message is sealed and committed here; the caller confirms it to its sender only after
`message_send` has returned, i.e. after the commit (call it outside any transaction):
nothing is ever shown to its sender as sent that was not stored. The other participant
may see it earlier ("deliver on insert, confirm on commit"): given `announce`, the
one-statement path calls it with the new message once the row is inserted and before
its transaction commits; should the commit fail, message_send raises and the caller
retracts what it announced. The websocket may also show it to the room before calling
this at all (chat.consumers, "delivered on receipt", with the `now` it then gives here):
this decides and stores as ever, and a refusal or failure is retracted there too. A
message's id is drawn from (room, sender, client message id) (message_id), so that the
resend of a retracted message shows under the same id.

`may_store` (the sender's flood budget: chat.flood.Count) is asked before anything is
committed; on the one-statement path with `announce`, only once the statement has run
in its still open transaction, so that the budget's Redis round trip overlaps the
statement's instead of preceding it. A "no" stores nothing (the transaction is rolled
back) and announces nothing.
"""

import logging
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from chat.access import OBJECT_TYPE, Action, ChatRefused, chat_is_open_sql, get_chat_for
from chat.models import ChatMessage
from consultations.models import Consultation
from medical import crypto
from medical.access import is_barred
from medical.audit import fields_without_subject, row_without_subject

logger = logging.getLogger(__name__)

MAX_BODY_CHARS = 4000
MAX_CLIENT_ID_CHARS = 64
# A client message id: 1 to MAX_CLIENT_ID_CHARS ASCII letters, digits and - _ . : (one
# match in C, where a check per character was ~70 Python steps per message, made twice).
_CLIENT_ID = re.compile(rf"[A-Za-z0-9_.:-]{{1,{MAX_CLIENT_ID_CHARS}}}")
HISTORY_PAGE = 50
MAX_HISTORY_PAGE = 100

# The namespace of message ids (message_id). Fixed: changing it would give a resend of a
# message stored before the change another id than the one its recipient may show.
MESSAGE_ID_NAMESPACE = uuid.UUID("6f1d3c52-8a4e-4b7f-9c1e-2d5a7b3e9f40")


def message_id(consultation_id, sender_id, client_message_id: str) -> uuid.UUID:
    """The id of the message `client_message_id` of `sender_id` in `consultation_id`:
    the same for every attempt to send it, so that a message announced, retracted (its
    commit failed) and resent shows once, under one id, wherever it was seen. Ids are
    not secrets (the sealed body binds its id as associated data, nothing more)."""
    return uuid.uuid5(
        MESSAGE_ID_NAMESPACE, f"{uuid.UUID(str(consultation_id))}/{sender_id}/{client_message_id}"
    )


@dataclass(frozen=True)
class Message:
    """A chat message as a participant reads it (decrypted)."""

    id: uuid.UUID
    sender_id: uuid.UUID
    body: str | None  # None: the stored value failed to decrypt (tampered or moved)
    created_at: datetime
    client_message_id: str

    def as_frame(self) -> dict:
        """The JSON shape shared by the websocket and the REST API."""
        return {
            "id": str(self.id),
            "sender": str(self.sender_id),
            "body": self.body,
            "createdAt": self.created_at.isoformat(),
            "clientMessageId": self.client_message_id,
        }


def validate_body(body) -> str:
    if not isinstance(body, str):
        raise ValidationError(_("Le message doit être un texte."), code="invalid_body")
    if not body or body.isspace():  # what strip() would leave empty, with no copy
        raise ValidationError(_("Le message est vide."), code="empty_body")
    if len(body) > MAX_BODY_CHARS:
        raise ValidationError(
            _("Le message dépasse %(max)d caractères.") % {"max": MAX_BODY_CHARS},
            code="body_too_long",
        )
    return body


def validate_client_message_id(value) -> str:
    if not isinstance(value, str) or _CLIENT_ID.fullmatch(value) is None:
        raise ValidationError(
            _(
                "Identifiant de message client invalide (1 à 64 caractères : lettres, "
                "chiffres, - _ . :)."
            ),
            code="invalid_client_message_id",
        )
    return value


def _decrypted(message: ChatMessage) -> Message:
    return _decrypted_row(
        (
            message.pk,
            message.consultation_id,
            message.sender_id,
            message.body_sealed,
            message.client_message_id,
            message.created_at,
        ),
    )


# A page's columns, read as plain values (no model instance per row: building them was
# about as costly as decrypting the bodies, for a page of 50 on every socket's join).
_PAGE_FIELDS = (
    "id",
    "consultation_id",
    "sender_id",
    "body_sealed",
    "client_message_id",
    "created_at",
)


def _decrypted_row(row) -> Message:
    """The Message of one row of _PAGE_FIELDS."""
    pk, consultation_id, sender_id, body_sealed, client_message_id, created_at = row
    try:
        body = crypto.unseal(
            body_sealed, aad=ChatMessage.aad_of(pk, consultation_id, sender_id, "body")
        )
    except crypto.DecryptionError:
        logger.error("Chat message %s failed to decrypt", pk)
        body = None
    return Message(
        id=pk,
        sender_id=sender_id,
        body=body,
        created_at=created_at,
        client_message_id=client_message_id,
    )


def message_send(
    *,
    sender: User,
    consultation: Consultation,
    body: str,
    client_message_id: str,
    now: datetime | None = None,
    participant: bool | None = None,
    announce=None,
    may_store=None,
) -> tuple[Message, bool] | None:
    """Store `body` from `sender` (the authenticated user, never client input) at `now`
    (server time; given explicitly only by server code such as the demo data).
    `participant`: an open socket's cached participant decision (chat.access.get_chat_for).
    `announce`: called with the new Message after its row is inserted and before it is
    committed, on the one-statement path only (PostgreSQL, an open socket, a new message,
    called outside any transaction); it must not block (the websocket hands the frame to
    its event loop). When it was called and this raises, the message is not stored.
    `may_store`: a callable (the sender's flood budget), asked before anything is
    committed and before a refusal or a validation error is told: when it answers False,
    nothing is stored and this returns None.

    Returns (message, created). A resend with the same client message id returns the
    stored message with created=False and stores nothing. Raises ValidationError for a
    bad body or id, chat.access.ChatRefused when the sender may not send now.
    """
    try:
        body = validate_body(body)
        client_message_id = validate_client_message_id(client_message_id)
    except ValidationError:
        if may_store is not None and not may_store():
            return None
        raise
    now = now or timezone.now()
    if participant:
        try:
            sent = _send_in_one_statement(
                sender, consultation.pk, body, client_message_id, now, announce, may_store
            )
        except _NotStored:
            return None
        if sent is not None:
            return sent
    if may_store is not None and not may_store():
        return None
    # The decision step by step: with guardian, on SQLite, and for every refusal.
    refused = None
    # One transaction, so one commit, for the access-log row and the message. A refusal
    # leaves the block normally, so that its log row is committed, and raises after.
    with transaction.atomic():
        try:
            consultation = get_chat_for(
                sender, consultation.pk, action=Action.SEND, now=now, participant=participant
            )
        except ChatRefused as exc:
            refused = exc
        else:
            return _store(sender, consultation, body, client_message_id, now)
    raise refused


def _sealed_body(body: str, pk, consultation_id, sender_id) -> str:
    """The body of the new message `pk`, sealed and bound to its row, room and sender:
    the one place a message is sealed, for both ways of storing it."""
    return crypto.seal(body, aad=ChatMessage.aad_of(pk, consultation_id, sender_id, "body"))


def _sealed_message(body: str, **fields) -> ChatMessage:
    """A new message with these fields and its body sealed (bound to its own id)."""
    message = ChatMessage(**fields)
    message.pk = message_id(message.consultation_id, message.sender_id, message.client_message_id)
    message.body_sealed = _sealed_body(body, message.pk, message.consultation_id, message.sender_id)
    return message


def _store(
    sender, consultation, body: str, client_message_id: str, now: datetime
) -> tuple[Message, bool]:
    message = _sealed_message(
        body,
        consultation=consultation,
        sender=sender,
        client_message_id=client_message_id,
        created_at=now,
    )
    if _insert_once(message):
        return _decrypted_from(message, body), True
    stored = ChatMessage.objects.get(
        consultation=consultation, sender=sender, client_message_id=client_message_id
    )
    return _decrypted(stored), False


_INSERTED = ("id", "consultation", "sender", "body_sealed", "client_message_id", "created_at")
# Every unique index an arbiter, not only the resend key's: the id is drawn from that
# key (message_id), so two attempts at one message racing on two connections collide
# on the primary key too, which a targeted ON CONFLICT would raise on.
_ON_CONFLICT = "ON CONFLICT DO NOTHING"


def _insert_once(message: ChatMessage) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, in one
    statement: True if `message` was stored, False if a row with its client message id
    was already there (a resend, even one racing on another connection). Django's
    bulk_create(ignore_conflicts=True) does not say which happened, which cost a
    second statement to read the row back on every message. PostgreSQL, and SQLite
    3.35+ (the demo)."""
    connection = connections[router.db_for_write(ChatMessage)]
    quote = connection.ops.quote_name
    meta = ChatMessage._meta
    fields = [meta.get_field(name) for name in _INSERTED]
    # Identifiers from the model's own metadata, quoted; every value a parameter.
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608  # nosec B608
        f"{_ON_CONFLICT} RETURNING {quote(meta.pk.column)}"
    )
    values = [f.get_db_prep_save(getattr(message, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone() is not None


# The message of an open socket (participant decision cached) in one statement, on
# PostgreSQL: the consultation's window read, the access-log row and the message
# written, atomic and committed (autocommit) in one round trip, where the transaction
# took five (BEGIN, the window, the log row, the message, COMMIT). The CTEs that write
# run whether or not the final SELECT reads them (PostgreSQL's rule for data-modifying
# WITH). When the window row is missing (closed, cancelled, no such consultation)
# nothing is written, and the step-by-step path decides and logs the refusal.
_SEND_SQL: dict[str, str] = {}


def _send_sql(connection, window_sql: str) -> str:
    sql = _SEND_SQL.get(connection.alias)
    if sql is not None:
        return sql
    from medical.models import AccessLogEntry

    quote = connection.ops.quote_name
    room = Consultation._meta
    pk, employee = quote(room.pk.column), quote(room.get_field("employee").column)
    log, message = AccessLogEntry._meta, ChatMessage._meta

    def cast(field) -> str:
        # INSERT ... SELECT types its values from the SELECT: each parameter cast to
        # its column's type (a bare literal would be text).
        return f"CAST(%s AS {field.cast_db_type(connection)})"

    log_fields = fields_without_subject()
    message_fields = [message.get_field(n) for n in _INSERTED]
    message_values = ", ".join(
        f"w.{pk}" if f.name == "consultation" else cast(f) for f in message_fields
    )
    # Identifiers from the models' own metadata, quoted; every value a parameter.
    sql = (
        f"WITH w AS (SELECT {pk}, {employee} FROM {quote(room.db_table)} "  # noqa: S608  # nosec B608
        f"WHERE {pk} = %s AND {window_sql}), "
        f"logged AS (INSERT INTO {quote(log.db_table)} "
        f"({', '.join(quote(f.column) for f in log_fields)}, "
        f"{quote(log.get_field('subject').column)}) "
        f"SELECT {', '.join(cast(f) for f in log_fields)}, w.{employee} FROM w RETURNING 1), "
        f"stored AS (INSERT INTO {quote(message.db_table)} "
        f"({', '.join(quote(f.column) for f in message_fields)}) "
        f"SELECT {message_values} FROM w {_ON_CONFLICT} RETURNING 1) "
        f"SELECT (SELECT count(*) FROM logged), (SELECT count(*) FROM stored)"
    )
    _SEND_SQL[connection.alias] = sql
    return sql


class _NotStored(Exception):  # noqa: N818 (not an error: `may_store` said no)
    """Raised inside the message's transaction to roll it back."""


def _send_in_one_statement(
    sender,
    consultation_id,
    body: str,
    client_message_id: str,
    now: datetime,
    announce=None,
    may_store=None,
) -> tuple[Message, bool] | None:
    """(message, created) when the chat is open and the message (or its resend) and its
    log row are committed; None when this path does not apply (not PostgreSQL, a barred
    account, a malformed id) or wrote nothing (no open chat of that id): the caller
    then decides step by step, and logs the refusal.

    With `announce` (and no transaction around), the statement runs in a transaction of
    its own, opened in the statement's round trip (_begun_with), and a new message is
    announced between the statement and its COMMIT (which waits for the WAL's flush: the
    other participant need not); `may_store` is asked there too, before the announce.
    Without, it commits on its own (autocommit), in one round trip, once `may_store`
    said yes. Raises _NotStored when `may_store` said no (nothing written)."""
    connection = connections[router.db_for_write(ChatMessage)]
    if connection.vendor != "postgresql" or is_barred(sender):
        return None
    try:
        consultation_pk = uuid.UUID(str(consultation_id))
    except ValueError:
        return None
    # The row's values as they are: no model instance (with the Consultation the socket
    # used to build per message, 13 % of the database thread's profiled time).
    pk = message_id(consultation_pk, sender.pk, client_message_id)
    values = {
        "id": pk,
        "sender": sender.pk,
        "body_sealed": _sealed_body(body, pk, consultation_pk, sender.pk),
        "client_message_id": client_message_id,
        "created_at": now,
    }
    window_sql, window_params = chat_is_open_sql(connection.ops.quote_name, now)
    log_params = row_without_subject(
        connection,
        user=sender,
        object_type=OBJECT_TYPE,
        object_id=consultation_pk,
        action=Action.SEND,
        allowed=True,
        at=now,
    )
    message_params = [
        f.get_db_prep_save(values[f.name], connection)
        for f in (ChatMessage._meta.get_field(n) for n in _INSERTED)
        if f.name != "consultation"
    ]
    params = [consultation_pk, *window_params, *log_params, *message_params]
    message = Message(
        id=pk, sender_id=sender.pk, body=body, created_at=now, client_message_id=client_message_id
    )
    sql = _send_sql(connection, window_sql)
    if announce is None or connection.in_atomic_block:
        if may_store is not None and not may_store():
            raise _NotStored
        logged, stored = _execute(connection, sql, params)
    else:
        with _begun_with(connection, sql, params) as (logged, stored):
            if may_store is not None and not may_store():
                raise _NotStored  # rolled back
            if stored:
                announce(message)
    if not logged:
        return None
    if stored:
        return message, True
    stored = ChatMessage.objects.get(
        consultation_id=consultation_pk, sender=sender, client_message_id=client_message_id
    )
    return _decrypted(stored), False


@contextmanager
def _begun_with(connection, sql: str, params):
    """Run `sql` in a transaction opened in the same round trip ("BEGIN; <sql>", where
    Django's atomic block costs the BEGIN a round trip of its own), yielding its row;
    committed (Django's commit) when the block ends normally, rolled back when it
    raises (the exception goes on). On an autocommit connection, outside any atomic
    block: Django does not know of this transaction, so it ends here either way."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"BEGIN; {sql}", params)
            cursor.nextset()
            row = cursor.fetchone()
        yield row
    except BaseException:
        _roll_back(connection)
        raise
    connection.commit()


def _roll_back(connection) -> None:
    """End the open transaction after a failure; a connection that cannot is left
    to its pool, which rolls back or discards it."""
    try:
        connection.rollback()
    except Exception:  # noqa: BLE001 (the first failure is the one raised)
        logger.warning("Chat: rollback after a failed message failed")


def _execute(connection, sql: str, params) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _decrypted_from(message: ChatMessage, body: str) -> Message:
    return Message(
        id=message.pk,
        sender_id=message.sender_id,
        body=body,
        created_at=message.created_at,
        client_message_id=message.client_message_id,
    )


def message_history(
    *,
    user: User,
    consultation: Consultation,
    before=None,
    limit: int = HISTORY_PAGE,
    participant: bool | None = None,
    fresh: bool = False,
) -> tuple[list[Message], bool]:
    """The `limit` messages before the message `before` (the latest ones without it),
    oldest first, decrypted for a participant; and whether older ones exist.
    `participant`: an open socket's cached participant decision (chat.access.get_chat_for).
    `fresh`: `consultation` was just read from the database by the caller (the socket's
    join decision): it is not read again.

    Raises ChatRefused for anyone but a participant (logged), ValidationError (keyed
    "before") when `before` is not a message of this consultation.
    """
    consultation = get_chat_for(
        user,
        consultation.pk,
        action=Action.READ,
        participant=participant,
        read=consultation if fresh else None,
    )
    limit = max(1, min(int(limit), MAX_HISTORY_PAGE))
    messages = ChatMessage.objects.filter(consultation=consultation)
    if before is not None:
        anchor = _anchor(consultation, before)
        messages = messages.filter(created_at__lte=anchor.created_at).exclude(
            created_at=anchor.created_at, id__gte=anchor.id
        )
    page = list(messages.order_by("-created_at", "-id").values_list(*_PAGE_FIELDS)[: limit + 1])
    has_more = len(page) > limit
    return [_decrypted_row(row) for row in reversed(page[:limit])], has_more


def _anchor(consultation: Consultation, before) -> ChatMessage:
    try:
        before_id = before if isinstance(before, uuid.UUID) else uuid.UUID(str(before))
    except ValueError:
        before_id = None
    anchor = (
        ChatMessage.objects.filter(consultation=consultation, pk=before_id)
        .only("id", "created_at")
        .first()
        if before_id
        else None
    )
    if anchor is None:
        raise ValidationError(
            {
                "before": ValidationError(
                    _("« before » doit être l'identifiant d'un message de cette consultation."),
                    code="invalid_before",
                )
            }
        )
    return anchor

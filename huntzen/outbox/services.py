"""Queue and deliver emails through the outbox.

`message_queue` (a rendered email) and `messages_queue_to_render` (emails rendered at
delivery from a small context) write one row per recipient in the caller's transaction
and ask a task to deliver it once that transaction commits; a change that rolls back
leaves no email, and a committed change always leaves its emails, whatever the broker or
the SMTP server do meanwhile. `message_deliver` claims a row (a conditional UPDATE: of
two workers, one wins), renders it if it was queued to be rendered, sends it, and
records the outcome; a failure (of the rendering too) is retried later with exponential
backoff. `due_message_ids` is what the periodic sweep hands to workers again: rows whose
retry is due, and rows claimed by a worker that died (lease over).

Renderers are registered by name (`register_renderer`) by each app's `notifications`
module, which the outbox's AppConfig imports in every process (web, worker, commands).
"""

import base64
import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, Q
from django.utils import timezone
from psycopg.types.json import Jsonb

from huntzen.instance_statements import insert_values
from huntzen.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

State = OutboxMessage.State


def _attachment(attachment) -> dict:
    filename, content, mimetype = attachment
    if isinstance(content, bytes):
        return {
            "filename": filename,
            "content": base64.b64encode(content).decode("ascii"),
            "base64": True,
            "mimetype": mimetype,
        }
    return {"filename": filename, "content": content, "base64": False, "mimetype": mimetype}


def _html_of(message: EmailMessage) -> str:
    for content, mimetype in getattr(message, "alternatives", ()):
        if mimetype == "text/html":
            return content
    return ""


@transaction.atomic
def message_queue(
    *, message: EmailMessage, kind: str, dedup_key: str | None = None
) -> list[OutboxMessage]:
    """One row per recipient of `message` (each is then delivered on its own), committed
    with the caller's transaction. With `dedup_key`, a message already queued under that
    key (and recipient) is not queued again."""
    now = timezone.now()
    rows = []
    for recipient in message.to:
        row = OutboxMessage(
            kind=kind[:120],
            dedup_key=f"{dedup_key}|{recipient.lower()}" if dedup_key else None,
            recipient=recipient,
            from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
            subject=message.subject,
            text=message.body,
            html=_html_of(message),
            headers=dict(message.extra_headers),
            attachments=[_attachment(a) for a in message.attachments],
            next_attempt_at=now,
            created_at=now,
        )
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            if dedup_key is None:
                raise
            continue  # queued already
        rows.append(row)
    if rows:
        transaction.on_commit(partial(dispatch, [row.pk for row in rows]))
    return rows


@dataclass(frozen=True)
class Rendered:
    """What a renderer makes of a row: the email's content."""

    subject: str
    text: str
    html: str = ""
    # (filename, content, mimetype), as EmailMessage.attach takes them.
    attachments: list = field(default_factory=list)


@dataclass(frozen=True)
class ToRender:
    """One email to queue now and render at delivery: `renderer(row)` makes its content
    from `context` (JSON: plain values of the moment of the change) in `language`."""

    recipient: str
    kind: str
    renderer: str
    language: str
    context: dict
    dedup_key: str | None = None


_RENDERERS: dict[str, Callable[[OutboxMessage], Rendered]] = {}


def register_renderer(name: str, renderer: Callable[[OutboxMessage], Rendered]) -> None:
    _RENDERERS[name] = renderer


def messages_queue_to_render(messages: list[ToRender]) -> list[OutboxMessage]:
    """One row per email, committed with the caller's transaction, to be rendered at
    delivery. The emails without a dedup key are written by one INSERT; one with a key
    already queued (for its recipient) is not queued again."""
    rows = rows_to_render(messages)
    deduplicated = [row for row in rows if row.dedup_key]
    rows = [row for row in rows if not row.dedup_key]
    if rows:
        _insert(rows)
    if deduplicated:
        rows += _insert_new(deduplicated)
    queued(rows)
    return rows


def rows_to_render(messages: list[ToRender]) -> list[OutboxMessage]:
    """The unsaved rows of `messages_queue_to_render`."""
    now = timezone.now()
    rows = []
    for message in messages:
        _check_renderer(message)
        rows.append(
            OutboxMessage(
                kind=message.kind[:120],
                dedup_key=(
                    f"{message.dedup_key}|{message.recipient.lower()}"
                    if message.dedup_key
                    else None
                ),
                recipient=message.recipient,
                from_email=settings.DEFAULT_FROM_EMAIL,
                headers={"Content-Language": message.language},
                renderer=message.renderer,
                language=message.language,
                context=message.context,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return rows


def _check_renderer(message: ToRender) -> None:
    if message.renderer not in _RENDERERS:
        raise LookupError(f"outbox: no renderer {message.renderer!r}")


def queued(rows: list[OutboxMessage]) -> None:
    """`rows` were written in the current transaction: delivered once it commits."""
    if rows:
        transaction.on_commit(partial(dispatch, [row.pk for row in rows]))


# Up to this many rows in one INSERT written once per process (a consultation's emails:
# two); more through bulk_create.
_WRITTEN_OUT = 4


def insert_statement(rows: list[OutboxMessage], connection) -> tuple[str, list] | None:
    """The INSERT of `rows` (without dedup keys) and its parameters, written once per
    process, for a caller to run, alone or in a statement of its own (then marking the
    rows saved: `inserted`); None for more rows than it writes. On PostgreSQL the rows
    are one JSON parameter (`jsonb_populate_recordset`): a statement of more than 50
    parameters is not kept by psycopg's cache of converted statements, and converting
    it again on each run cost more CPU than a round trip; elsewhere INSERT ... VALUES."""
    if len(rows) > _WRITTEN_OUT or any(row.dedup_key for row in rows):
        return None
    fields = OutboxMessage._meta.concrete_fields
    if connection.vendor == "postgresql":
        columns = [f.column for f in fields]
        records = [
            dict(
                zip(columns, map(_json_value, insert_values(row, fields, connection)), strict=True)
            )
            for row in rows
        ]
        return _insert_json_sql(connection.alias), [Jsonb(records)]
    params = [value for row in rows for value in insert_values(row, fields, connection)]
    return _insert_sql(connection.alias, len(rows)), params


def to_render_statement(messages: list[ToRender], connection) -> tuple[str, list, list] | None:
    """`insert_statement(rows_to_render(messages), connection)` on PostgreSQL, with the
    keys of the rows it writes (for `dispatch_on_commit`): each row's JSON record
    written straight from its message on a template of the columns every such row
    has alike (read once per process from a row the model builds), without a model
    instance nor a field's conversion per column (7 % of a booking's CPU).
    tests/outbox/test_insert_statement.py holds the records equal to the model's.
    None where `insert_statement` would be (more rows, a dedup key) and off PostgreSQL:
    the caller then queues them through the ORM."""
    for message in messages:
        _check_renderer(message)
    if connection.vendor != "postgresql" or len(messages) > _WRITTEN_OUT:
        return None
    if any(message.dedup_key for message in messages):
        return None
    now = timezone.now().isoformat()
    from_email = settings.DEFAULT_FROM_EMAIL
    template = _record_template(connection.alias)
    keys, records = [], []
    for message in messages:
        key = uuid.uuid4()
        keys.append(key)
        records.append(
            {
                **template,
                "id": str(key),
                "kind": message.kind[:120],
                "dedup_key": None,
                "recipient": message.recipient,
                "from_email": from_email,
                "headers": {"Content-Language": message.language},
                "renderer": message.renderer,
                "language": message.language,
                "context": message.context,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    return _insert_json_sql(connection.alias), [Jsonb(records)], keys


@functools.cache
def _record_template(alias: str) -> dict:
    """The JSON record of a row to render (`rows_to_render`), as `insert_statement`
    writes it, but for the columns `to_render_statement` writes per message."""
    row = OutboxMessage(next_attempt_at=timezone.now(), created_at=timezone.now())
    fields = OutboxMessage._meta.concrete_fields
    values = insert_values(row, fields, connections[alias])
    record = {f.column: _json_value(value) for f, value in zip(fields, values, strict=True)}
    for column in _PER_MESSAGE_COLUMNS:
        del record[column]
    return record


_PER_MESSAGE_COLUMNS = (
    "id",
    "kind",
    "dedup_key",
    "recipient",
    "from_email",
    "headers",
    "renderer",
    "language",
    "context",
    "next_attempt_at",
    "created_at",
)


def dispatch_on_commit(keys: list) -> None:
    """The rows of these keys were written in the current transaction: delivered once
    it commits (`queued`, by key)."""
    if keys:
        transaction.on_commit(partial(dispatch, keys))


def _json_value(value):
    """A column's value as the database is given it, as a JSON value PostgreSQL reads
    back to the same (a timestamp with its offset and microseconds, a key as text, a
    JSON column's own value)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)  # (psycopg's sized integers)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Jsonb):
        return value.obj
    raise TypeError(f"outbox: no JSON form for {type(value).__name__}")


@functools.cache
def _insert_json_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    table = quote(OutboxMessage._meta.db_table)
    columns = ", ".join(quote(f.column) for f in OutboxMessage._meta.concrete_fields)
    # Identifiers from the model, values as a parameter.
    return (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 # nosec B608
        f"SELECT {columns} FROM jsonb_populate_recordset(NULL::{table}, %s)"
    )


def inserted(rows: list[OutboxMessage], connection) -> None:
    """`rows` were written by `insert_statement`'s statement on `connection`."""
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias


def _insert(rows: list[OutboxMessage]) -> None:
    """`OutboxMessage.objects.bulk_create(rows)`: for a few rows (a consultation's two
    emails) one INSERT ... VALUES written once per process, where bulk_create built its
    statement on every call (an array of each column's values, UNNEST), which cost a
    booking more CPU than the round trip."""
    connection = connections[router.db_for_write(OutboxMessage)]
    statement = insert_statement(rows, connection)
    if statement is None:
        OutboxMessage.objects.bulk_create(rows)
        return
    prepared = getattr(connection, "prepared_cursor", None)
    with prepared() if prepared is not None else connection.cursor() as cursor:
        cursor.execute(*statement)
    inserted(rows, connection)


@functools.cache
def _insert_sql(alias: str, count: int) -> str:
    quote = connections[alias].ops.quote_name
    fields = OutboxMessage._meta.concrete_fields
    columns = ", ".join(quote(f.column) for f in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    # Identifiers from the model, values as parameters.
    return (
        f"INSERT INTO {quote(OutboxMessage._meta.db_table)} ({columns}) "  # noqa: S608 # nosec B608
        f"VALUES {', '.join([row] * count)}"
    )


@transaction.atomic
def _insert_new(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Rows with a dedup key, each inserted unless its key is taken."""
    inserted = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            continue  # queued already
        inserted.append(row)
    return inserted


def dispatch(message_ids) -> None:
    """Hand rows to the workers in one broker message (pushed by hand on Redis:
    huntzen/outbox/publish.py): one row's delivery task, or for several a task that
    gives each row its own delivery task (each then tried and retried on its own). The
    broker may be down: the rows are committed, so the sweep hands them over again once
    it is back; the request that queued them succeeds."""
    from huntzen.outbox import publish
    from huntzen.outbox.tasks import deliver_message, deliver_messages

    ids = [str(message_id) for message_id in message_ids]
    if not ids:
        return
    unavailable = partial(_broker_unavailable, len(ids))
    try:
        if len(ids) == 1:
            publish.send(deliver_message, ids[0], failed=unavailable)
        else:
            publish.send(deliver_messages, ids, failed=unavailable)
    except Exception:
        unavailable()


def _broker_unavailable(count: int, _error=None) -> None:
    logger.warning("outbox: broker unavailable, %d email(s) stay pending for the sweep", count)


def _message_id(row: OutboxMessage) -> str:
    """The same Message-ID on every attempt, so a mail system can tell a resend."""
    domain = parseaddr(row.from_email)[1].rpartition("@")[2] or "huntzen.care"
    return f"<{row.pk.hex}@{domain}>"


def _content(row: OutboxMessage) -> Rendered:
    """The row's content: rendered now by its renderer, or as it was queued."""
    if row.renderer:
        if row.context is None:
            raise ValueError("outbox: nothing left to render")
        return _RENDERERS[row.renderer](row)
    attachments = []
    for attachment in row.attachments:
        content = attachment["content"]
        if attachment["base64"]:
            content = base64.b64decode(content)
        attachments.append((attachment["filename"], content, attachment["mimetype"]))
    return Rendered(subject=row.subject, text=row.text, html=row.html, attachments=attachments)


def _email(row: OutboxMessage) -> EmailMultiAlternatives:
    content = _content(row)
    message = EmailMultiAlternatives(
        subject=content.subject,
        body=content.text,
        from_email=row.from_email,
        to=[row.recipient],
        headers={**row.headers, "Message-ID": _message_id(row)},
    )
    if content.html:
        message.attach_alternative(content.html, "text/html")
    for attachment in content.attachments:
        message.attach(*attachment)
    return message


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2 × base, 4 × base … capped."""
    seconds = settings.HUNTZEN_OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.HUNTZEN_OUTBOX_RETRY_MAX_SECONDS))


def _claimable(now: datetime) -> Q:
    return Q(state=State.PENDING, next_attempt_at__lte=now) | Q(
        state=State.SENDING, lease_until__lt=now
    )


def message_claim(message_id, *, now: datetime | None = None) -> OutboxMessage | None:
    """Take the row for one delivery attempt, or None if it is not due, sent, or
    another worker holds it. One UPDATE decides: concurrent claims cannot both win."""
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = (
        OutboxMessage.objects.filter(pk=message_id)
        .filter(_claimable(now))
        .update(
            state=State.SENDING,
            claim=token,
            lease_until=now + timedelta(seconds=settings.HUNTZEN_OUTBOX_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return OutboxMessage.objects.get(pk=message_id)


def message_deliver(message_id, *, now: datetime | None = None) -> str | None:
    """One delivery attempt; returns the row's new state, or None when there was
    nothing to do (not due, already sent, or claimed by another worker)."""
    row = message_claim(message_id, now=now)
    if row is None:
        return None
    mine = OutboxMessage.objects.filter(pk=row.pk, claim=row.claim)
    try:
        _email(row).send()
    except Exception as error:
        given_up = row.attempts >= settings.HUNTZEN_OUTBOX_MAX_ATTEMPTS
        state = State.FAILED if given_up else State.PENDING
        mine.update(
            state=state,
            next_attempt_at=(now or timezone.now()) + retry_delay(row.attempts),
            lease_until=None,
            claim=None,
            last_error=f"{type(error).__name__}: {error}"[:300],
        )
        log = logger.error if given_up else logger.warning
        log(
            "outbox: email %s (%s) attempt %d failed%s: %s",
            row.pk,
            row.kind,
            row.attempts,
            ", given up" if given_up else "",
            type(error).__name__,
        )
        return state
    if not mine.update(
        state=State.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        claim=None,
        last_error="",
        # Delivered: the content is not kept (links in it may still be valid).
        subject="",
        text="",
        html="",
        attachments=[],
        context=None,
    ):
        logger.error("outbox: email %s was sent after its lease ended", row.pk)
    return State.SENT


def due_message_ids(*, now: datetime | None = None, limit: int = 500) -> list:
    """Rows to hand to a worker again: retries that are due, and claims whose worker
    died (lease over). Oldest first."""
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(_claimable(now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def purge_sent(*, now: datetime | None = None) -> int:
    """Forget sent rows older than HUNTZEN_OUTBOX_KEEP_SENT_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.HUNTZEN_OUTBOX_KEEP_SENT_DAYS)
    deleted, _ = OutboxMessage.objects.filter(state=State.SENT, sent_at__lt=cutoff).delete()
    return deleted

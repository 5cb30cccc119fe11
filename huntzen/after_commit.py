"""The Redis commands of a transaction's on-commit work, sent in one round trip.

A write's rules each leave Redis work for after its COMMIT: a new generation of a
practitioner's slots (consultations/slots_cache.py), the outbox's wake-up push
(huntzen/outbox), the live status's publish (consultations/live.py). Each registers
its own on-commit hook as before (nothing runs for a write that rolled back, nor for the
part of it a rolled-back savepoint held). While the connection runs those hooks after
its COMMIT (`collecting`, from huntzen.postgresql's `run_and_clear_commit_hooks`), a
hook adds its command to the connection's batch (`pending`) instead of sending it
alone; once the last hook ran, the batch goes in one pipeline (no MULTI: each command
stands alone, as they did) and each rule is handed its own reply or failure, which it
handles as it did when it sent alone. Elsewhere (no transaction, a test running
captured hooks inside its own, another database) each rule sends at once.

Only commands for the cache's Redis (its URL, its connection pool: huntzen/cache.py)
share the batch, and only while the cache is not avoiding Redis (an outage: each rule
then goes its own way, as before); a broker or a channel layer on another URL keeps its
own client.
"""

import logging
import threading
from collections.abc import Callable

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from redis.exceptions import ResponseError

logger = logging.getLogger(__name__)

_state = threading.local()


class Batch:
    """The commands the hooks of one COMMIT queued for the cache's Redis (`url`), the
    cache backend (huntzen.cache.FailoverRedisCache) and its client."""

    def __init__(self, cache, client, url: str):
        self.cache = cache
        self.client = client
        self.url = url
        self.commands: list[tuple[tuple, Callable | None, Callable]] = []

    def add(self, *args, failed: Callable[[Exception], None], sent: Callable | None = None):
        """Queue the command `args`: `sent(reply)` once it answered, `failed(error)` if
        it or the round trip failed."""
        self.commands.append((args, sent, failed))

    def send(self) -> None:
        if not self.commands:
            return
        commands, self.commands = self.commands, []
        try:
            replies = _send(self.client, [args for args, _sent, _failed in commands])
        except Exception as exc:
            replies = [exc] * len(commands)
        for (_args, sent, failed), reply in zip(commands, replies, strict=True):
            try:
                if isinstance(reply, Exception):
                    failed(reply)
                elif sent is not None:
                    sent(reply)
            except Exception:  # one rule's handling never stops another's
                logger.exception("after commit: a command's handling failed")


def _send(client, commands: list[tuple]) -> list:
    """Each command's reply (a command Redis refused: its ResponseError), the commands
    packed by the connection (redis-py's `pack_commands`) and sent in one round trip on
    a connection of `client`'s pool, with its retries (as huntzen/cache.py `run_script`
    sends its EVALSHA): redis-py's Pipeline object adds its own bookkeeping and reply
    callbacks, about as much Python as the separate round trips it saves."""
    pool = client.connection_pool
    conn = pool.get_connection()
    try:
        packed = conn.pack_commands(commands)
        return conn.retry.call_with_retry(
            lambda: _send_and_read(conn, packed, len(commands)), lambda _: conn.disconnect()
        )
    finally:
        pool.release(conn)


def _send_and_read(conn, packed: list[bytes], count: int) -> list:
    conn.send_packed_command(packed)
    replies = []
    for _ in range(count):
        try:
            replies.append(conn.read_response())
        except ResponseError as refused:
            replies.append(refused)
    return replies


class collecting:
    """While the connection runs its on-commit hooks: their Redis commands go in one
    batch, sent when the last one ran (even if one raised: those before it queued)."""

    __slots__ = ("previous",)

    def __enter__(self):
        self.previous = getattr(_state, "batch", None)
        _state.batch = _OPEN
        return self

    def __exit__(self, *exc_info):
        batch, _state.batch = _state.batch, self.previous
        if batch is not _OPEN:
            batch.send()
        return False


# Collecting, nothing queued yet (the batch is made by the first command: a COMMIT
# without Redis work costs no client lookup).
_OPEN = object()


def pending(url: str | None = None) -> Batch | None:
    """The batch an on-commit hook running now adds its Redis command to, if it goes to
    the cache's Redis (`url`: the command's own client's URL, which must be the cache's;
    None: the cache's own command). None: send it at once, alone."""
    batch = getattr(_state, "batch", None)
    if batch is None:
        return None
    if batch is _OPEN:
        backend = caches[DEFAULT_CACHE_ALIAS]
        if getattr(backend, "is_down", True):  # not huntzen.cache's Redis, or avoided
            return None
        batch = _state.batch = Batch(backend, backend.shared_client(), backend.server_url)
    elif batch.cache.is_down:
        return None
    if url is not None and url != batch.url:
        return None
    return batch

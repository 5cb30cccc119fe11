"""The chat's flood limit per user, across her sockets and the processes serving them.

A fixed window counted in the cache (Redis when REDIS_URL is set, shared by every
process): `cache.add` creates the window's key, `cache.incr` counts atomically. So at
most USER_MESSAGES_PER_WINDOW messages start in one window of RATE_WINDOW seconds
(twice that across a window boundary, at worst). The per-socket sliding limit of the
consumer stays in front of it; should the cache fail, that one alone applies — the
limit degrades, it never disappears.
"""

import asyncio
import logging
import math
import select
import time

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCacheClient

logger = logging.getLogger(__name__)

USER_MESSAGES_PER_WINDOW = 10
RATE_WINDOW = 10  # seconds
_PREFIX = "chat-flood:"
REPLY_TIMEOUT = 1.0  # seconds, as the cache's socket_timeout
clock = time.time  # wall time: every process must agree on the window


def user_may_send(user_id) -> bool:
    """Count one message for `user_id` in the current window; False once over budget.
    True (the per-socket limit still applies) if the cache is unavailable."""
    count = Count(user_id)
    try:
        return count.allows()
    finally:
        count.close()


class Count:
    """user_may_send in two steps, for a caller with a round trip of its own to make
    meanwhile (the chat's database statement): the count is sent to Redis at once and
    its answer read by `allows()` (once; asked again, the same answer). `close()` always
    (it reads an answer nobody asked for: the message was counted all the same)."""

    def __init__(self, user_id, cache=None):
        window = math.floor(clock() / RATE_WINDOW)
        self.key = f"{_PREFIX}{user_id}:{window}"
        self.cache = cache
        self.answer = None
        self.pending = _PendingCount.sent(self.key, cache)

    def allows(self) -> bool:
        if self.answer is None:
            self.answer = self._count() <= USER_MESSAGES_PER_WINDOW
        return self.answer

    async def allows_on_loop(self) -> bool:
        """allows() for an event loop: the reply is waited for on the loop, then read
        (no blocking read); Redis silent past REPLY_TIMEOUT counts as Redis down. The
        cache's own path (its memory while Redis is down) runs in a thread."""
        if self.answer is None and self.pending is not None:
            replied = await self.pending.replied()
            pending, self.pending = self.pending, None
            count = pending.read()  # there already, or None (dropped, failed)
            if count is not None:
                self.answer = count <= USER_MESSAGES_PER_WINDOW
            elif not replied:
                logger.warning("Chat flood limit: Redis did not answer, per-socket limit only")
                self.answer = True
        if self.answer is None:
            return await asyncio.get_running_loop().run_in_executor(None, self.allows)
        return self.answer

    def abandon(self) -> None:
        """close() for an event loop: a reply not read yet is not waited for (the
        message was counted all the same); its connection is dropped."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.connection.disconnect()
            pending.pool.release(pending.connection)

    @classmethod
    def on_loop(cls, user_id) -> "Count":
        """A Count for code on the event loop, through the process's loop cache (one
        Redis connection pool: Django's `cache` is one per context there, so one per
        socket)."""
        return cls(user_id, _loop_cache())

    def close(self) -> None:
        if self.pending is not None:
            self.allows()

    def _count(self) -> int:
        pending, self.pending = self.pending, None
        count = pending.read() if pending is not None else None
        if count is not None:
            return count
        counts = cache if self.cache is None else self.cache
        try:
            counts.add(self.key, 0, timeout=RATE_WINDOW * 2)
            return counts.incr(self.key)
        except ValueError:  # expired between add and incr: the window is over anyway
            return 0
        except Exception:  # the cache (Redis) is down
            logger.warning("Chat flood limit: cache unavailable, per-socket limit only")
            return 0


class _PendingCount:
    """INCR and EXPIRE NX sent in one write on a connection of the cache's Redis (the
    same key and the same integer encoding as cache.add + cache.incr, two round trips),
    their replies read later; the connection goes back to its pool once read."""

    def __init__(self, pool, connection):
        self.pool, self.connection = pool, connection

    @classmethod
    def sent(cls, key: str, counts=None) -> "_PendingCount | None":
        """None when the cache is not Redis, or is failing over to the process's memory
        (huntzen.cache), or Redis fails now: the caller then counts through the cache.
        `counts`: that cache (Django's default cache when None)."""
        counts = cache if counts is None else counts
        client = getattr(counts, "_cache", None)
        if not isinstance(client, RedisCacheClient) or getattr(counts, "is_down", False):
            return None
        full_key = counts.make_and_validate_key(key)
        connection = None
        try:
            pool = client.get_client(full_key, write=True).connection_pool
            connection = pool.get_connection()
            connection.send_packed_command(
                connection.pack_commands(
                    [("INCR", full_key), ("EXPIRE", full_key, RATE_WINDOW * 2, "NX")]
                )
            )
        except Exception:  # noqa: BLE001 (the cache path decides: memory fallback, or none)
            if connection is not None:
                connection.disconnect()
                pool.release(connection)
            return None
        return cls(pool, connection)

    async def replied(self, timeout: float = REPLY_TIMEOUT) -> bool:
        """Wait on the running loop, at most `timeout` seconds, for the reply's bytes
        (the two replies are a few bytes: read() then does not wait). False past it:
        the connection is dropped (read() answers None, as when Redis fails)."""
        loop = asyncio.get_running_loop()
        sock = getattr(self.connection, "_sock", None)
        if sock is None:
            return True  # read() finds out
        if select.select([sock], [], [], 0)[0]:
            return True  # there already (it usually is, by the statement's end)
        ready = loop.create_future()

        def readable():
            if not ready.done():
                ready.set_result(None)

        fd = sock.fileno()
        loop.add_reader(fd, readable)
        try:
            await asyncio.wait_for(ready, timeout)
        except TimeoutError:
            self.connection.disconnect()
            return False
        finally:
            loop.remove_reader(fd)
        return True

    def read(self) -> int | None:
        """The count, or None when Redis failed meanwhile."""
        try:
            count = self.connection.read_response()
            self.connection.read_response()
            return count
        except Exception:  # noqa: BLE001 (as in `sent`)
            # Whatever is left unread must not reach the connection's next user.
            self.connection.disconnect()
            return None
        finally:
            self.pool.release(self.connection)


_LOOP_CACHE = []


def _loop_cache():
    if not _LOOP_CACHE:
        _LOOP_CACHE.append(caches.create_connection(DEFAULT_CACHE_ALIAS))
    return _LOOP_CACHE[0]


def _count_on_redis(key: str) -> int | None:
    """The count of `key` on the cache's Redis in one round trip; None when the cache
    path decides (see _PendingCount.sent)."""
    pending = _PendingCount.sent(key)
    return pending.read() if pending is not None else None

"""The chat's flood limit per user, across her sockets and the processes serving them.

A fixed window counted in the cache (Redis when REDIS_URL is set, shared by every
process): `cache.add` creates the window's key, `cache.incr` counts atomically. So at
most USER_MESSAGES_PER_WINDOW messages start in one window of RATE_WINDOW seconds
(twice that across a window boundary, at worst). The per-socket sliding limit of the
consumer stays in front of it; should the cache fail, that one alone applies — the
limit degrades, it never disappears.
"""

import logging
import math
import time

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient

logger = logging.getLogger(__name__)

USER_MESSAGES_PER_WINDOW = 10
RATE_WINDOW = 10  # seconds
_PREFIX = "chat-flood:"
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

    def __init__(self, user_id):
        window = math.floor(clock() / RATE_WINDOW)
        self.key = f"{_PREFIX}{user_id}:{window}"
        self.answer = None
        self.pending = _PendingCount.sent(self.key)

    def allows(self) -> bool:
        if self.answer is None:
            self.answer = self._count() <= USER_MESSAGES_PER_WINDOW
        return self.answer

    def close(self) -> None:
        if self.pending is not None:
            self.allows()

    def _count(self) -> int:
        pending, self.pending = self.pending, None
        count = pending.read() if pending is not None else None
        if count is not None:
            return count
        try:
            cache.add(self.key, 0, timeout=RATE_WINDOW * 2)
            return cache.incr(self.key)
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
    def sent(cls, key: str) -> "_PendingCount | None":
        """None when the cache is not Redis, or is failing over to the process's memory
        (huntzen.cache), or Redis fails now: the caller then counts through the cache."""
        client = getattr(cache, "_cache", None)
        if not isinstance(client, RedisCacheClient) or getattr(cache, "is_down", False):
            return None
        full_key = cache.make_and_validate_key(key)
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


def _count_on_redis(key: str) -> int | None:
    """The count of `key` on the cache's Redis in one round trip; None when the cache
    path decides (see _PendingCount.sent)."""
    pending = _PendingCount.sent(key)
    return pending.read() if pending is not None else None

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
    window = math.floor(clock() / RATE_WINDOW)
    key = f"{_PREFIX}{user_id}:{window}"
    try:
        count = _count_on_redis(key)
        if count is None:
            cache.add(key, 0, timeout=RATE_WINDOW * 2)
            count = cache.incr(key)
    except ValueError:  # expired between add and incr: the window is over anyway
        return True
    except Exception:  # the cache (Redis) is down
        logger.warning("Chat flood limit: cache unavailable, per-socket limit only")
        return True
    return count <= USER_MESSAGES_PER_WINDOW


def _count_on_redis(key: str) -> int | None:
    """INCR and EXPIRE NX in one round trip on the cache's Redis (the same key and the
    same integer encoding as cache.add + cache.incr, two round trips); None when the
    cache is not Redis, or is failing over to the process's memory (huntzen.cache),
    or Redis fails now: the caller then counts through the cache itself."""
    client = getattr(cache, "_cache", None)
    if not isinstance(client, RedisCacheClient) or getattr(cache, "is_down", False):
        return None
    full_key = cache.make_and_validate_key(key)
    try:
        pipe = client.get_client(full_key, write=True).pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, RATE_WINDOW * 2, nx=True)
        return pipe.execute()[0]
    except Exception:  # noqa: BLE001 (the cache path decides: memory fallback, or none)
        return None

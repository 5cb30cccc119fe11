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
        cache.add(key, 0, timeout=RATE_WINDOW * 2)
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: the window is over anyway
        return True
    except Exception:  # the cache (Redis) is down
        logger.warning("Chat flood limit: cache unavailable, per-socket limit only")
        return True
    return count <= USER_MESSAGES_PER_WINDOW

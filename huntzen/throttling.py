"""API rate limits (DRF throttles) on a cache that survives Redis going down.

The counters live in the default cache (Redis when REDIS_URL is set), so every process
counts the same requests. When the cache fails, the throttles fall back to a counter in
this process: a looser limit for the outage, logged loudly, never no limit and never a
500.
"""

import logging
from dataclasses import dataclass

from django.core.cache import cache as shared_cache
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger(__name__)

# The request attribute holding the steps taken ahead: {cache key: FoldedStep}.
FOLDED_STEPS = "huntzen_folded_rate_steps"


class FallbackCache:
    """The default cache, or a per-process cache while the default one fails."""

    def __init__(self, primary=None):
        self._primary = primary
        self.local = LocMemCache("huntzen-throttle-fallback", {})

    @property
    def primary(self):
        return self._primary if self._primary is not None else shared_cache

    def get(self, key, default=None):
        try:
            return self.primary.get(key, default)
        except Exception:
            logger.exception("Rate-limit cache unavailable: limiting per process")
            return self.local.get(key, default)

    def set(self, key, value, timeout=None):
        try:
            self.primary.set(key, value, timeout)
        except Exception:
            logger.exception("Rate-limit cache unavailable: limiting per process")
            self.local.set(key, value, timeout)

    def hit_window(self, key, **step):
        """The default cache's one-round-trip step (huntzen.cache), or None when it has
        none or fails: the throttle then counts with get and set above."""
        method = getattr(self.primary, "hit_window", None)
        if method is None:
            return None
        try:
            return method(key, **step)
        except Exception:
            logger.exception("Rate-limit cache unavailable: limiting per process")
            return None


fallback_cache = FallbackCache()


@dataclass
class FoldedStep:
    """A user's rate-limit step taken ahead, in the Redis round trip that reads the
    signed-in user (accounts/api_auth.py, accounts/auth_cache.py); `answer` is
    hit_window's, None if it was not taken."""

    key: str
    now: float
    duration: int
    limit: int
    answer: tuple | None = None


class OneTripThrottleMixin:
    """DRF's sliding window counted in one Redis round trip, atomically, where the cache
    can (huntzen.cache.FailoverRedisCache.hit_window); else DRF's get and set.

    A bearer-token request takes the step of its user ahead, in the round trip that
    reads the user (`step_for_user`): the window is then counted once the token is
    verified, before the permission checks (DRF counts after them), and a request
    refused by a permission counts too."""

    def step_for_user(self, user_pk) -> FoldedStep | None:
        """The step `allow_request` would take for this signed-in user, to be taken
        ahead and left on the request (`FOLDED_STEPS`)."""
        if self.rate is None:
            return None
        key = self.cache_format % {"scope": self.scope, "ident": user_pk}
        return FoldedStep(key, self.timer(), self.duration, self.num_requests)

    def allow_request(self, request, view):
        self.window = None
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        folded = getattr(request, FOLDED_STEPS, {}).pop(key, None)
        if folded is not None:
            now, step = folded.now, folded.answer
        else:
            now = self.timer()
            step = self.cache.hit_window(
                key, now=now, window=self.duration, limit=self.num_requests
            )
        if step is None:
            return super().allow_request(request, view)
        allowed, hits, oldest = step
        self.key, self.now, self.window = key, now, (hits, oldest)
        return allowed

    def wait(self):
        """DRF's answer (SimpleRateThrottle.wait) from the window's count and oldest hit."""
        if self.window is None:
            return super().wait()
        hits, oldest = self.window
        remaining = self.duration - (self.now - oldest) if hits else self.duration
        available = self.num_requests - hits + 1
        return None if available <= 0 else remaining / float(available)


class ApiRateThrottle(OneTripThrottleMixin, UserRateThrottle):
    """Every API request: per user, or per client address when anonymous
    (HUNTZEN_API_RATE_LIMIT)."""

    cache = fallback_cache
    scope = "api"


class BookingRateThrottle(OneTripThrottleMixin, UserRateThrottle):
    """Bookings, on top of the API limit (HUNTZEN_API_BOOKING_RATE_LIMIT)."""

    cache = fallback_cache
    scope = "booking"

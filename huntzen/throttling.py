"""API rate limits (DRF throttles) on a cache that survives Redis going down.

The counters live in the default cache (Redis when REDIS_URL is set), so every process
counts the same requests. When the cache fails, the throttles fall back to a counter in
this process: a looser limit for the outage, logged loudly, never no limit and never a
500.
"""

import logging

from django.core.cache import cache as shared_cache
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger(__name__)


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


fallback_cache = FallbackCache()


class ApiRateThrottle(UserRateThrottle):
    """Every API request: per user, or per client address when anonymous
    (HUNTZEN_API_RATE_LIMIT)."""

    cache = fallback_cache
    scope = "api"


class BookingRateThrottle(UserRateThrottle):
    """Bookings, on top of the API limit (HUNTZEN_API_BOOKING_RATE_LIMIT)."""

    cache = fallback_cache
    scope = "booking"

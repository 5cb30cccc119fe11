"""The default cache: Redis, or a memory of this process while Redis is down.

Sign-in rate limits (allauth), API throttles, chat tickets and the chat flood counter
count in the default cache. Should Redis fail, each of them keeps working on a
per-process memory: a looser limit for the outage (one counter per process instead of
one for all), never "no limit" and never a 500. The switch is logged once each way,
not once per request, and Redis is tried again every few seconds.
"""

import logging
import os
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# redis-py's errors do not derive from the built-in ConnectionError / TimeoutError.
REDIS_DOWN_ERRORS = (RedisConnectionError, RedisTimeoutError)


class _Outage:
    """Whether one Redis location is being avoided, shared by every backend instance of
    the process (Django makes one per thread and per ASGI request)."""

    def __init__(self):
        self.until = 0.0
        self.lock = threading.Lock()


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


class _SharedClient(RedisCacheClient):
    """Django's Redis client with one connection pool and one redis-py client per server
    and options in the process. Django builds a redis-py client for every command (a
    hundred-entry callbacks table each time: about a third of the cache's cost per
    request) and a pool per backend instance, which is one per thread and, under ASGI,
    one per request: a new Redis connection for every request. Both are thread-safe."""

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        server = self._servers[index]
        shared = _clients.get(server)
        if shared is None or shared[0] != self._pool_options:
            with _clients_lock:
                shared = _clients.get(server)
                if shared is None or shared[0] != self._pool_options:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    shared = (self._pool_options, self._client(connection_pool=pool))
                    _clients[server] = shared
        return shared[1]


_clients: dict[str, tuple[dict, object]] = {}
_clients_lock = threading.Lock()

# One step of a sliding-window rate limit, atomic in Redis: forget the hits older than
# the window, count the rest, record this one if the limit allows it. Returns
# {allowed, hits in the window, the oldest hit's time (a string, Lua would truncate a
# number)}. What DRF's throttles do with a get and a set (two round trips, and two
# processes reading the same count could both let a request through).
_WINDOW_LUA = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local hits = redis.call('ZCARD', KEYS[1])
local allowed = 0
if hits < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('EXPIRE', KEYS[1], math.ceil(window))
  hits = hits + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {allowed, hits, oldest[2] or ''}
"""

# The same step on the last key, after reading the others (GET each: their values, nil
# for none), in one round trip: a signed-in API request's cached user and its rate limit
# (accounts/auth_cache.py). Returns {values..., allowed, hits, oldest}.
_GET_THEN_WINDOW_LUA = """
local values = {}
local window_key = KEYS[#KEYS]
for i = 1, #KEYS - 1 do
  values[i] = redis.call('GET', KEYS[i])
end
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', window_key, '-inf', now - window)
local hits = redis.call('ZCARD', window_key)
local allowed = 0
if hits < limit then
  redis.call('ZADD', window_key, now, ARGV[4])
  redis.call('EXPIRE', window_key, math.ceil(window))
  hits = hits + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', window_key, 0, 0, 'WITHSCORES')
values[#KEYS] = allowed
values[#KEYS + 1] = hits
values[#KEYS + 2] = oldest[2] or ''
return values
"""


def run_script(client, script, keys: list[bytes], args: list[bytes]):
    """`script(keys=keys, args=args, client=client)` (redis-py's registered Script), the
    keys and arguments given as bytes: the EVALSHA written out here in one piece.
    redis-py packs each command argument by argument through its encoder and layers
    four calls around the send (a fifth of a signed-in request's Redis work); its
    connection pool, retries, health checks and reply parser are kept as they are.
    Unknown to the server (a restart, SCRIPT FLUSH): redis-py's own call loads it."""
    parts = (script.sha.encode(), b"%d" % len(keys), *keys, *args)
    packed = b"".join(
        [b"*%d\r\n$7\r\nEVALSHA\r\n" % (len(parts) + 1)]
        + [b"$%d\r\n%b\r\n" % (len(part), part) for part in parts]
    )
    pool = client.connection_pool
    conn = pool.get_connection()
    try:
        return conn.retry.call_with_retry(
            lambda: _send_and_read(conn, packed), lambda _: conn.disconnect()
        )
    except NoScriptError:
        pass
    finally:
        pool.release(conn)
    return script(keys=keys, args=args, client=client)


def _send_and_read(conn, packed: bytes):
    conn.send_packed_command([packed])
    return conn.read_response()


# The full key of each key this process made, by key prefix, version and key function:
# Django's `make_key` and then `validate_key`, whose memcached checks walk the key one
# character at a time in Python (23 K instructions a key, bench/profiles/na/; a
# signed-in API request makes four). Both depend on nothing but the key and those
# settings. A key that warns (CacheKeyWarning) warns the first time it is made, as
# Python's default warning filter would show it once anyway.
_made_keys: dict[tuple, dict[str, str]] = {}
_MADE_KEYS_MAX = 8192


class FailoverRedisCache(RedisCache):
    """Django's Redis cache, falling back to a per-process LocMemCache while Redis fails.

    OPTIONS take RETRY_SECONDS (how long to stay on the local memory after a failure
    before trying Redis again, default 5) beside redis-py's connection options. The
    local memory and the outage state belong to the process, not to the instance."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = _SharedClient
        name = f"huntzen-failover:{server}:{params.get('KEY_PREFIX', '')}"
        # LocMemCache shares its data by name: one memory for every instance.
        self.local = LocMemCache(name, {**params, "OPTIONS": {"MAX_ENTRIES": 10000}})
        with _outages_lock:
            self._outage = _outages.setdefault(name, _Outage())
            self._made_keys = _made_keys.setdefault(
                (self.key_prefix, self.version, self.key_func), {}
            )

    def make_and_validate_key(self, key, version=None):
        """Django's, once per key in the process (`_made_keys`)."""
        if version is not None or type(key) is not str:
            return super().make_and_validate_key(key, version=version)
        made = self._made_keys.get(key)
        if made is None:
            made = super().make_and_validate_key(key)
            if len(self._made_keys) >= _MADE_KEYS_MAX:
                self._made_keys.clear()
            self._made_keys[key] = made
        return made

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._outage.until

    def _run(self, name, *args, **kwargs):
        if not self.is_down:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except REDIS_DOWN_ERRORS as exc:
                self._went_down(exc)
            else:
                self._came_back()
                return result
        return getattr(self.local, name)(*args, **kwargs)

    def _went_down(self, exc) -> None:
        outage = self._outage
        with outage.lock:
            first = outage.until == 0.0
            outage.until = time.monotonic() + self.retry_seconds
        if first:
            logger.error(
                "Redis cache unavailable (%s): rate limits and chat tickets now count "
                "in each process until it returns",
                exc,
            )

    def _came_back(self) -> None:
        outage = self._outage
        if outage.until:
            with outage.lock:
                was_down, outage.until = outage.until, 0.0
            if was_down:
                logger.warning("Redis cache available again: counting in Redis")

    def hit_window(self, key: str, *, now: float, window: int, limit: int):
        """A rate limit's step in one round trip (`_WINDOW_LUA`): `(allowed, hits in the
        window, oldest hit's time or None)`; None while Redis is down, and the caller
        counts with get and set, which go to this process's memory meanwhile."""
        if self.is_down:
            return None
        full_key = self.make_and_validate_key(f"{key}:window")
        client = self._cache.get_client(full_key, write=True)
        script = getattr(client, "huntzen_window_script", None)
        if script is None:  # registered once per client: later calls send its SHA only
            script = client.huntzen_window_script = client.register_script(_WINDOW_LUA)
        try:
            allowed, hits, oldest = run_script(
                client,
                script,
                keys=[full_key.encode()],
                args=[repr(now).encode(), b"%d" % window, b"%d" % limit, os.urandom(16)],
            )
        except REDIS_DOWN_ERRORS as exc:
            self._went_down(exc)
            return None
        self._came_back()
        return bool(allowed), int(hits), float(oldest) if oldest else None

    def get_many_and_hit_window(
        self,
        keys: list[str],
        window_key: str,
        *,
        now: float,
        window: int,
        limit: int,
        raw: tuple[str, ...] = (),
    ):
        """`get_many(keys)` and `hit_window(window_key, ...)` in one round trip (one Lua
        script): `(found, step)` as they would answer, found holding only the keys
        present. The values of the keys in `raw` are left as Redis stored them (bytes,
        for `loads_value`) when they come from Redis. Raises what `get_many` raises;
        while Redis is down, both from this process's memory (decoded)."""
        if self.is_down:
            return self.local.get_many(keys), None
        full_keys = [self.make_and_validate_key(key) for key in keys]
        full_window_key = self.make_and_validate_key(f"{window_key}:window")
        client = self._cache.get_client(full_window_key, write=True)
        script = getattr(client, "huntzen_get_window_script", None)
        if script is None:
            script = client.huntzen_get_window_script = client.register_script(_GET_THEN_WINDOW_LUA)
        try:
            *values, allowed, hits, oldest = run_script(
                client,
                script,
                keys=[key.encode() for key in (*full_keys, full_window_key)],
                args=[repr(now).encode(), b"%d" % window, b"%d" % limit, os.urandom(16)],
            )
        except REDIS_DOWN_ERRORS as exc:
            self._went_down(exc)
            return self.local.get_many(keys), None
        self._came_back()
        found = self._found(keys, values, raw)
        return found, (bool(allowed), int(hits), float(oldest) if oldest else None)

    def get_many_raw(self, keys: list[str], *, raw: tuple[str, ...]):
        """`get_many(keys)` (found keys only), the values of the keys in `raw` left as
        Redis stored them (bytes, for `loads_value`) when they come from Redis, as
        `get_many_and_hit_window` leaves them. While Redis is down, from this process's
        memory (decoded)."""
        if self.is_down:
            return self.local.get_many(keys)
        full_keys = [self.make_and_validate_key(key) for key in keys]
        try:
            values = self._cache.get_client(None).mget(full_keys)
        except REDIS_DOWN_ERRORS as exc:
            self._went_down(exc)
            return self.local.get_many(keys)
        self._came_back()
        return self._found(keys, values, raw)

    def _found(self, keys, values, raw) -> dict:
        """`get_many`'s answer from Redis's values for `keys` (None: absent), those of the
        keys in `raw` left as stored (bytes, for `loads_value`)."""
        loads = self._cache._serializer.loads
        return {
            key: value if key in raw else loads(value)
            for key, value in zip(keys, values, strict=True)
            if value is not None
        }

    @property
    def server_url(self) -> str:
        """The URL of the Redis this cache writes to."""
        return self._cache._servers[0]

    def shared_client(self):
        """The redis-py client this cache writes with (its process-wide pool)."""
        return self._cache.get_client(None, write=True)

    def set_in(self, batch, key, value, timeout=DEFAULT_TIMEOUT, *, failed) -> None:
        """`set(key, value, timeout)` as a command of `batch` (huntzen/after_commit.py):
        the very command Django's client sends (its key, serializer and expiry). Redis
        down: the local memory gets it, as `set` would; any other error: `failed`."""
        full_key = self.make_and_validate_key(key)
        expiry = self.get_backend_timeout(timeout)
        if expiry == 0:
            args = ("DEL", full_key)
        else:
            args = ("SET", full_key, self._cache._serializer.dumps(value))
            if expiry is not None:
                args += ("EX", expiry)

        def on_failure(exc):
            if isinstance(exc, REDIS_DOWN_ERRORS):
                self._went_down(exc)
                self.local.set(key, value, timeout)
            else:
                failed(exc)

        batch.add(*args, sent=lambda _reply: self._came_back(), failed=on_failure)

    def loads_value(self, value: bytes):
        """A value as Redis stored it, decoded as `get` decodes it (Django's serializer)."""
        return self._cache._serializer.loads(value)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._run("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._run("delete", key, version)

    def get_many(self, keys, version=None):
        return self._run("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._run("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._run("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._run("delete_many", keys, version)

    def clear(self):
        self.local.clear()
        return self._run("clear")

"""Answers kept in the shared cache under generation tokens, believed only while current.

A generation is a random token in the cache; whatever can change an answer starts a new
one (`bump`). An answer is stored with the tokens of its generations as they were read
*before* it was computed, in the same round trip as the answer itself (`read`), so a
change that commits while it is being computed leaves it stored under a token that is
no longer current: it is never believed. A missing token (evicted, flushed, expired) is
a new generation, never an old one come back.

While Redis is down the default cache answers from this process's own memory, where
another process's bump never arrives: nothing is believed nor stored then, the answer
is computed (`Read.usable` is false). A bump that could not reach Redis leaves answers
stored before it believable until their timeout once Redis is back (the timeout bounds
it, as for the auth cache)."""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.core.cache import cache
from django.db import transaction

import huntzen.after_commit

logger = logging.getLogger(__name__)


def _shared() -> bool:
    """Whether the cache answers from the store every process shares (not the fallback
    memory of huntzen.cache.FailoverRedisCache)."""
    return not getattr(cache, "is_down", False)


@dataclass(frozen=True)
class Read:
    """What `read` found: the current tokens (None: the cache cannot vouch for anything
    now, store nothing) and the value stored under them (None: compute it)."""

    key: str
    tokens: tuple | None
    value: object = None

    @property
    def usable(self) -> bool:
        return self.tokens is not None


# The request attribute holding a read fetched ahead (`Ahead`).
AHEAD = "huntzen_cache_read_ahead"


@dataclass
class Ahead:
    """The keys of a `read` to come, fetched ahead in another round trip of the same
    request (a bearer token's, with its user: accounts/api_auth.py). `found` holds those
    present, once fetched from the store every process shares (None until then: `read`
    then makes its own round trip). Used once, by the `read` of exactly these keys."""

    keys: tuple[str, ...]
    found: dict | None = None


def ahead(key: str, generations: Sequence[str]) -> Ahead:
    """What `read(key, generations)` will fetch, to be fetched ahead and left on the
    request (`AHEAD`)."""
    return Ahead((*generations, key))


def _fetched_ahead(request, keys: tuple[str, ...]) -> dict | None:
    fetched = getattr(request, AHEAD, None) if request is not None else None
    if fetched is None or fetched.found is None or fetched.keys != keys:
        return None
    found, fetched.found = fetched.found, None
    return found


def read(
    key: str, generations: Sequence[str], *, token_seconds: int | None = None, request=None
) -> Read:
    """The value stored at `key` if it was stored under the current tokens of
    `generations`, and those tokens (one round trip when they exist; none when `request`
    carries them fetched ahead, `Ahead`). A generation without a token gets one, kept
    `token_seconds` (None: until evicted)."""
    if not _shared():
        return Read(key, None)
    # Fetched ahead: earlier in the request, before the check above.
    found = _fetched_ahead(request, (*generations, key))
    if found is None:
        try:
            found = cache.get_many([*generations, key])
        except Exception:
            logger.warning("Cache unavailable: %s computed", key)
            return Read(key, None)
        if not _shared():  # Redis failed during that call: it answered from local memory
            return Read(key, None)
    tokens = []
    for generation in generations:
        token = found.get(generation)
        if token is None:
            token = _start(generation, token_seconds)
            if token is None:
                return Read(key, None)
        tokens.append(token)
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == tuple(tokens):
        return Read(key, tuple(tokens), entry[1])
    return Read(key, tuple(tokens))


def store(found: Read, value, *, seconds: int) -> None:
    """Keep `value` for `seconds` under the tokens `found` was read with (nothing while
    the cache cannot vouch for them)."""
    if not found.usable or not _shared():
        return
    try:
        cache.set(found.key, (found.tokens, value), timeout=seconds)
    except Exception:
        logger.warning("Cache unavailable: %s not stored", found.key)


def current(generation: str, *, token_seconds: int | None = None) -> str | None:
    """The current token of `generation` (None while the cache cannot vouch for one)."""
    if not _shared():
        return None
    try:
        token = cache.get(generation)
    except Exception:
        return None
    if token is None:
        return _start(generation, token_seconds)
    return token if _shared() else None


def _start(generation: str, seconds: int | None) -> str | None:
    """The token of a generation that had none: ours, or another process's if it was
    quicker (either way every process now reads the same one)."""
    try:
        cache.add(generation, uuid.uuid4().hex, timeout=seconds)
        token = cache.get(generation)
    except Exception:
        return None
    return token if _shared() else None


def _set_new_token(generation: str, seconds: int | None, *, after_commit: bool = False) -> None:
    token = uuid.uuid4().hex
    batch = after_commit and huntzen.after_commit.pending()
    try:
        if batch:
            # With the COMMIT's other Redis commands, in one round trip.
            batch.cache.set_in(
                batch, generation, token, timeout=seconds, failed=partial(_not_started, generation)
            )
        else:
            cache.set(generation, token, timeout=seconds)
    except Exception:
        _not_started(generation)


def _not_started(generation: str, error: Exception | None = None) -> None:
    # A change is never refused for the cache's sake; what was stored before it is
    # believed at most until its timeout once the cache is back.
    logger.error(
        "Cache unreachable: could not start a new generation of %s",
        generation,
        exc_info=error or True,
    )


def bump_on_commit(generation: str, *, token_seconds: int | None = None) -> None:
    """A new generation once the current transaction commits (none if it rolls back)."""
    transaction.on_commit(lambda: _set_new_token(generation, token_seconds, after_commit=True))


def bump(generation: str, *, token_seconds: int | None = None) -> None:
    """A new generation at once and again once the current transaction commits: an
    answer computed meanwhile, from the rows as they were before the commit, is stored
    under the first new token and dropped by the second; the first also serves a
    reader inside the same transaction."""
    _set_new_token(generation, token_seconds)
    bump_on_commit(generation, token_seconds=token_seconds)

"""How many invitation emails one person may send: HUNTZEN_INVITATION_RATE_LIMIT
(`<n>/<s|m|h|d>`, e.g. 500 an hour), over a sliding window, whoever invites (HR in the
portal, staff in the admin) and however (one invitation, a re-sent link, each row of a
CSV import). An invitation is an email to any address: without a limit, one account
could make the platform send mail to anyone, as fast as it likes.

Sends are counted in the shared cache (Redis), so every process counts the same; while
the cache is down, in each process (huntzen.throttling.FallbackCache), never not at all.
A send is counted once its transaction commits: a refused or rolled-back invitation
(the admin's dry run) costs nothing.
"""

import math
import time
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils.translation import ngettext

from huntzen.exceptions import RateLimited
from huntzen.throttling import fallback_cache

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class InvitationRateLimited(RateLimited):
    def __init__(self, *, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            ngettext(
                "Trop d'invitations envoyées en peu de temps : réessayez dans %(n)d minute.",
                "Trop d'invitations envoyées en peu de temps : réessayez dans %(n)d minutes.",
                minutes,
            )
            % {"n": minutes},
            retry_after=retry_after,
        )


def _rate() -> tuple[int, int]:
    count, period = settings.HUNTZEN_INVITATION_RATE_LIMIT.split("/")
    return int(count), _SECONDS[period]


def _key(inviter) -> str:
    return f"invitation-sends:{inviter.pk}"


def _recent(inviter, now: float) -> list[float]:
    _limit, window = _rate()
    return sorted(t for t in fallback_cache.get(_key(inviter), []) if t > now - window)


def invitation_sends_left(inviter, *, now: float | None = None) -> int:
    """How many more invitation emails `inviter` may send now."""
    limit, _window = _rate()
    return max(0, limit - len(_recent(inviter, now or time.time())))


def invitation_sends_check(inviter, count: int = 1, *, now: float | None = None) -> None:
    """Refuse (InvitationRateLimited, 429) when `count` more sends would pass the limit;
    else count them once the current transaction commits."""
    now = now or time.time()
    limit, window = _rate()
    recent = _recent(inviter, now)
    over = len(recent) + count - limit
    if over > 0:
        # The wait until enough of the recent sends leave the window (all of it when
        # `count` alone passes the limit).
        wait = recent[over - 1] + window - now if over <= len(recent) else window
        raise InvitationRateLimited(retry_after=math.ceil(wait))
    transaction.on_commit(partial(_record, inviter, count, now))


def _record(inviter, count: int, now: float) -> None:
    _limit, window = _rate()
    fallback_cache.set(_key(inviter), [*_recent(inviter, now), *[now] * count], window)

"""The signed-in user and their role's permissions, cached in the shared cache.

Every request used to load its user from PostgreSQL (twice for an API token: the token's
session, then the user) and the permission catalogue in two more queries. The user, with
the permissions Django's backends computed for it (`_perm_cache` and friends), is now kept
in the default cache (Redis in production, shared by every process) for
`HUNTZEN_AUTH_CACHE_SECONDS`. The sessions themselves stay in PostgreSQL (one indexed
query): ending a session never depends on the cache being reachable.

Whether an MFA-bound user has enrolled is kept with the user too (accounts/mfa.py).

Invalidation must never let a sign-in outlive what ends it (password, deactivation, role
change: accounts.session_end). Each user has a generation counter, read in the same round
trip as the cached user; an entry counts only if it was stored under the current
generation. Any save or deletion of the user, and any change of its groups or direct
permissions, bumps the counter at once and again once the transaction commits, so neither
a request still holding the old row nor one that read it before the commit can store a
copy that will be believed. A change of any group's permissions bumps one global counter
(every cached catalogue is dropped). When the cache is unreachable (or answers from a
process's own memory while Redis is down), users are read from the database as before.
"""

import logging
import uuid
from datetime import date, datetime
from decimal import Decimal

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

_PERMS_GENERATION = "auth.perms.gen"


def _keys(user_id) -> tuple[str, str] | None:
    if user_id.__class__ is uuid.UUID:  # the session's id, already parsed (api_auth)
        hex_id = user_id.hex
    else:
        try:
            hex_id = uuid.UUID(str(user_id)).hex
        except ValueError:
            return None
    return f"auth.user.{hex_id}", f"auth.user.{hex_id}.gen"


def cached_user(user_id, load, *, step=None, ahead=None):
    """The user `load()` returns, from the cache when a copy stored under the current
    generations is there. `load` returns None for no (or an inactive) user: not cached.

    With `step` (huntzen.throttling.FoldedStep), that rate-limit step is taken in the same
    Redis round trip and its answer left in `step.answer` (None when it was not taken:
    no Redis, or Redis down; the throttle then counts on its own). With `ahead`
    (huntzen.generations.Ahead), its keys are read in that round trip too and left in
    `ahead.found` (left None unless they came from Redis itself)."""
    keys = _keys(user_id)
    seconds = settings.HUNTZEN_AUTH_CACHE_SECONDS
    if keys is None or not seconds:
        return load()
    user_key, generation_key = keys
    if getattr(cache, "is_down", False):
        # Redis is unreachable and the cache answers from this process's memory, where
        # another process's invalidation never arrives: the database decides meanwhile.
        return load()
    keys = [user_key, generation_key, _PERMS_GENERATION]
    if ahead is not None:
        keys += ahead.keys
    fold = getattr(cache, "get_many_and_hit_window", None) if step is not None else None
    try:
        if fold is not None:
            found, step.answer = fold(
                keys,
                step.key,
                now=step.now,
                window=step.duration,
                limit=step.limit,
                raw=(user_key,),
            )
            entry = _stored_entry(user_key, found.get(user_key))
        elif (get_raw := getattr(cache, "get_many_raw", None)) is not None:
            # The session's path (portal pages): the user's bytes as stored, so that
            # this process's copy of them spares the unpickling, as on the API's path.
            found = get_raw(keys, raw=(user_key,))
            entry = _stored_entry(user_key, found.get(user_key))
        else:
            found = cache.get_many(keys)
            entry = found.get(user_key)
    except Exception:
        logger.warning("Auth cache unavailable: reading the user from the database")
        return load()
    if ahead is not None and not getattr(cache, "is_down", False):
        ahead.found = {key: found[key] for key in ahead.keys if key in found}
    generation = (found.get(generation_key, 0), found.get(_PERMS_GENERATION, 0))
    if entry is not None and entry[0] == generation:
        return entry[1]
    user = load()
    if user is not None:
        try:
            cache.set(user_key, (generation, user), seconds)
        except Exception:
            logger.warning("Auth cache unavailable: user not cached")
    return user


# This process's copy of each cached user it read, by cache key: the entry's exact bytes
# in Redis, and what they decode to (the generations, the user). Unpickling the user is
# the largest step of the cached read (its values: UUIDs, an aware datetime, the
# permission sets; bench/profiles/na/), and a client sends the same user on every
# request. The copy is believed only when Redis hands back those very bytes in the
# request's own round trip (any change of the user is a new entry: a new generation),
# and each request gets an instance of its own (`_own_copy`), so nothing a request does
# to its user reaches another. Users with values not known to be safe to share are not
# kept (decoded each time, as before).
_copies: dict[str, tuple[bytes, tuple, object]] = {}
_COPIES_MAX = 4096
_SHAREABLE = (str, int, float, bool, type(None), uuid.UUID, datetime, date, Decimal)


def _stored_entry(user_key: str, value):
    """The (generations, user) entry of `value` as read from the cache: from this
    process's copy when `value` is the same bytes, else decoded (and kept when it may
    be). A value not in bytes (the process's memory while Redis is down) is as it was
    decoded."""
    if not isinstance(value, bytes):
        return value
    kept = _copies.get(user_key)
    if kept is not None and kept[0] == value:
        return kept[1], _own_copy(kept[2])
    entry = cache.loads_value(value)
    if isinstance(entry, tuple) and len(entry) == 2 and _shareable(entry[1]):
        if len(_copies) >= _COPIES_MAX:
            _copies.clear()
        _copies[user_key] = (value, entry[0], _own_copy(entry[1]))
    return entry


def _shareable(user) -> bool:
    """Whether `_own_copy` of this user shares nothing mutable with it: a model instance
    whose values are immutable or sets of strings (the permission caches), with no
    related object cached in its state (those would be shared)."""
    if not isinstance(user, Model):
        return False
    state = user.__dict__.get("_state")
    if type(state) is not ModelState or set(state.__dict__) - {"db", "adding", "fields_cache"}:
        return False
    if state.__dict__.get("fields_cache"):
        return False
    for name, value in user.__dict__.items():
        if name == "_state":
            continue
        if type(value) is set:
            if not all(type(item) is str for item in value):
                return False
        elif not isinstance(value, _SHAREABLE):
            return False
    return True


def _own_copy(user):
    """A new instance with the same values as `user` (a `_shareable` one): what
    unpickling its bytes again would give (Django's Model.__reduce__: the class, then
    `__dict__` with its own ModelState), the sets copied."""
    copy = user.__class__.__new__(user.__class__)
    values = user.__dict__.copy()
    state = values["_state"]
    values["_state"] = own_state = ModelState.__new__(ModelState)
    own_state.__dict__.update(state.__dict__)
    if "fields_cache" in own_state.__dict__:
        own_state.fields_cache = {}
    for name, value in values.items():
        if type(value) is set:
            values[name] = value.copy()
    copy.__dict__ = values
    return copy


def _bump(key: str) -> None:
    try:
        try:
            cache.incr(key)
        except ValueError:  # no counter yet
            cache.set(key, 1, None)
    except Exception:
        # A change is never refused for the cache's sake; a copy stored before it can be
        # believed for at most HUNTZEN_AUTH_CACHE_SECONDS once the cache is back.
        logger.exception("Auth cache unreachable: could not invalidate %s", key)


def _bump_now_and_on_commit(key: str) -> None:
    _bump(key)
    transaction.on_commit(lambda: _bump(key))


def user_changed(user_id) -> None:
    """Drop the cached copy of that user (now, and once the transaction commits)."""
    keys = _keys(user_id)
    if keys is not None:
        _bump_now_and_on_commit(keys[1])


def permissions_changed() -> None:
    """Drop every cached permission catalogue (a group's permissions changed)."""
    _bump_now_and_on_commit(_PERMS_GENERATION)


class CachedUserMixin:
    """For a Django authentication backend: `get_user` through the cache, with the
    permissions computed once when the user is loaded."""

    def get_user(self, user_id):
        return cached_user(user_id, lambda: self._load_user(user_id))

    def _load_user(self, user_id):
        from allauth.mfa.utils import is_mfa_enabled

        from accounts.mfa import mfa_required_for

        user = super().get_user(user_id)
        if user is not None:
            # Computed once and stored with the instance: the catalogue, and whether an
            # MFA-bound user has enrolled (the gate of every request).
            self.get_all_permissions(user)
            if mfa_required_for(user):
                user._huntzen_mfa_enabled = is_mfa_enabled(user)
        return user


# --- Receivers -------------------------------------------------------------------------


def _on_user_saved_or_deleted(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk is not None:
        user_changed(instance.pk)


def _on_user_m2m(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if not reverse:  # user.groups / user.user_permissions changed
        user_changed(instance.pk)
    elif pk_set:  # group.user_set / permission.user_set changed
        for pk in pk_set:
            user_changed(pk)
    else:  # cleared from the other side: who was in it is gone
        permissions_changed()


def _on_group_permissions(sender, action, **kwargs):
    if action.startswith("post_"):
        permissions_changed()


def connect_receivers() -> None:
    from accounts.models import User

    uid = "accounts.auth_cache."
    post_save.connect(_on_user_saved_or_deleted, sender=User, dispatch_uid=uid + "save")
    post_delete.connect(_on_user_saved_or_deleted, sender=User, dispatch_uid=uid + "delete")
    m2m_changed.connect(_on_user_m2m, sender=User.groups.through, dispatch_uid=uid + "groups")
    m2m_changed.connect(
        _on_user_m2m, sender=User.user_permissions.through, dispatch_uid=uid + "user_perms"
    )
    m2m_changed.connect(
        _on_group_permissions, sender=Group.permissions.through, dispatch_uid=uid + "group_perms"
    )
    post_delete.connect(_on_group_deleted, sender=Group, dispatch_uid=uid + "group_delete")
    post_save.connect(_on_authenticator, sender=Authenticator, dispatch_uid=uid + "mfa_save")
    post_delete.connect(_on_authenticator, sender=Authenticator, dispatch_uid=uid + "mfa_delete")


def _on_authenticator(sender, instance, raw=False, **kwargs):
    if not raw:
        user_changed(instance.user_id)


def _on_group_deleted(sender, instance, **kwargs):
    permissions_changed()

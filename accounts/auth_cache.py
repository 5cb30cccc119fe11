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

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

_PERMS_GENERATION = "auth.perms.gen"


def _keys(user_id) -> tuple[str, str] | None:
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
                keys, step.key, now=step.now, window=step.duration, limit=step.limit
            )
        else:
            found = cache.get_many(keys)
    except Exception:
        logger.warning("Auth cache unavailable: reading the user from the database")
        return load()
    if ahead is not None and not getattr(cache, "is_down", False):
        ahead.found = {key: found[key] for key in ahead.keys if key in found}
    generation = (found.get(generation_key, 0), found.get(_PERMS_GENERATION, 0))
    entry = found.get(user_key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    user = load()
    if user is not None:
        try:
            cache.set(user_key, (generation, user), seconds)
        except Exception:
            logger.warning("Auth cache unavailable: user not cached")
    return user


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

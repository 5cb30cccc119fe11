"""A sign-in's end is every socket's end.

Long-lived connections (the chat websockets) join two channel-layer groups when they
open: one for the session that signed them in (the portal's cookie session, or the
allauth headless token session behind an API client's ticket) and one for the user.
Whatever ends a sign-in sends `session.end` to those groups, after its transaction
commits, and every process holding such a socket closes it:

- session-scoped (that device only): logout, portal or API
  (`DELETE /_allauth/app/v1/auth/session`), and the revocation of a token session whose
  rotated refresh token was presented again (accounts.tokens);
- user-scoped (every device): a new password (changed, reset, or set by staff), the
  account deactivated or deleted, its role, company or staff/superuser flags changed,
  an MFA authenticator removed or reset.

The groups are named here; the consumers join them. Receivers are connected once, from
AccountsConfig.ready().
"""

import hashlib
import logging
import uuid

from allauth.mfa.models import Authenticator
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from accounts.models import User

logger = logging.getLogger(__name__)

# The channel-layer message type: consumers handle it in a `session_end` method.
SESSION_END = "session.end"

# A change of any of these ends every sign-in of the user (`password` is the hash: a
# new password, however it was set, changes it).
SIGN_IN_FIELDS = ("password", "is_active", "role", "company", "is_staff", "is_superuser")


def session_group(session_key: str) -> str:
    """The group of the sockets one session opened (the key itself is a credential:
    only its hash goes to the channel layer)."""
    return "session." + hashlib.sha256(session_key.encode("utf-8")).hexdigest()[:48]


def user_group(user_id) -> str:
    return f"user.{uuid.UUID(str(user_id)).hex}"


def session_ended(session_key: str | None) -> None:
    """Close the sockets of that session, once the current transaction commits."""
    if session_key:
        group = session_group(session_key)
        transaction.on_commit(lambda: _broadcast(group))


def user_sessions_ended(user_id) -> None:
    """Close every socket of that user, once the current transaction commits."""
    group = user_group(user_id)
    transaction.on_commit(lambda: _broadcast(group))


def _broadcast(group: str) -> None:
    try:
        async_to_sync(get_channel_layer().group_send)(group, {"type": SESSION_END})
    except Exception:  # a sign-out never fails for the channel layer's sake
        # The sockets' periodic re-check (chat.consumers) still finds the sign-in gone.
        logger.exception("Could not tell open sockets that a sign-in ended")


def session_user(session_key: str | None):
    """The active user that session still signs in, or None once it was logged out,
    revoked, expired, or invalidated by a new password (Django's session hash)."""
    from allauth.core.internal.sessionkit import get_session_user
    from allauth.headless.internal.sessionkit import lookup_session

    if not session_key:
        return None
    session = lookup_session(session_key)
    return get_session_user(session) if session is not None else None


def request_session_key(request) -> str | None:
    """The key of the session behind an API request: the allauth token session of a
    JWT bearer (its `sid` claim, already verified by JWTTokenAuthentication), else the
    cookie session."""
    from allauth.headless.tokens.strategies.jwt.internal import session_key_from_sid

    claims = getattr(request, "auth", None)
    if isinstance(claims, dict) and isinstance(claims.get("sid"), str):
        return session_key_from_sid(claims["sid"])
    session = getattr(request, "session", None)
    return session.session_key if session is not None else None


# --- Receivers ---------------------------------------------------------------------


def _on_logout(sender, request=None, **kwargs):
    if request is not None and getattr(request, "session", None) is not None:
        session_ended(request.session.session_key)


def _before_user_save(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._huntzen_ends_sign_ins = False
    if raw or instance._state.adding or instance.pk is None:
        return
    fields = [f for f in SIGN_IN_FIELDS if update_fields is None or f in update_fields]
    if not fields:
        return  # e.g. last_login on every sign-in: no query
    columns = [User._meta.get_field(f).attname for f in fields]
    before = User.objects.filter(pk=instance.pk).values(*columns).first()
    instance._huntzen_ends_sign_ins = before is not None and any(
        before[c] != getattr(instance, c) for c in columns
    )


def _after_user_save(sender, instance, raw=False, **kwargs):
    if getattr(instance, "_huntzen_ends_sign_ins", False):
        instance._huntzen_ends_sign_ins = False
        user_sessions_ended(instance.pk)


def _after_user_delete(sender, instance, **kwargs):
    user_sessions_ended(instance.pk)


def _on_authenticator_gone(sender, instance, **kwargs):
    user_sessions_ended(instance.user_id)


def connect_receivers() -> None:
    uid = "accounts.session_end."
    user_logged_out.connect(_on_logout, dispatch_uid=uid + "logout")
    pre_save.connect(_before_user_save, sender=User, dispatch_uid=uid + "pre_save")
    post_save.connect(_after_user_save, sender=User, dispatch_uid=uid + "post_save")
    post_delete.connect(_after_user_delete, sender=User, dispatch_uid=uid + "user_delete")
    # An authenticator removed by its user (allauth's views: also when recovery codes
    # are regenerated, allauth's `authenticator_reset`, the old row is deleted) or by
    # staff in the admin: the row is gone either way, which covers allauth's
    # authenticator_removed/_reset signals too.
    post_delete.connect(
        _on_authenticator_gone, sender=Authenticator, dispatch_uid=uid + "authenticator"
    )

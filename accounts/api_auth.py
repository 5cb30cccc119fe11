"""The API's bearer tokens: allauth's JWTs, validated as allauth does, in fewer steps.

allauth checks an access token's signature and expiry, then its session (live in
PostgreSQL: a logout or a session end is seen by the very next request), then the
session's user as Django's `get_user` reads it (the backend named in the session, the
session's auth hash against the user's current password), then that the token names that
user. All of that is kept, and allauth's own code still does the token and the session.
What changes is how the user is read: the backend's cached user (accounts/auth_cache.py)
is read in the same Redis round trip as the API rate limit's step for that user (each
was a round trip of its own), and so is a view's cached answer (a view's
`cache_read_ahead`: the directory, the slots; huntzen.generations.Ahead), without
building a Django request around the session; and
a token's signature, claims and sid are checked once per process and token text
(`verified_access_token`), its time claims again at each use.

Anything out of the ordinary (a backend that is not ours, a session hash that only a
fallback secret verifies, no auth cache) goes through allauth's own path unchanged.
"""

import functools
from datetime import UTC, datetime
from importlib import import_module
from types import SimpleNamespace

import jwt
from allauth.account.internal.userkit import user_id_to_str
from allauth.headless import app_settings
from allauth.headless.contrib.rest_framework.authentication import JWTTokenAuthentication
from allauth.headless.tokens.strategies.jwt import internal
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.core.signals import setting_changed
from django.utils.crypto import constant_time_compare
from rest_framework.exceptions import AuthenticationFailed

from accounts.auth_cache import CachedUserMixin, cached_user
from huntzen import generations
from huntzen.throttling import FOLDED_STEPS, OneTripThrottleMixin


@functools.cache
def _jwt_settings():
    """allauth's JWT settings, read once: each read goes through allauth's settings
    module (a tenth of the token's check). Read again after a settings change. With
    them, what Django's `get_user` looks up each time: the user model's primary key
    field."""
    return SimpleNamespace(
        keyword=app_settings.JWT_AUTHORIZATION_HEADER_SCHEME,
        stateful=app_settings.JWT_STATEFUL_VALIDATION_ENABLED,
        config=internal._get_jwt_config(),
        user_pk=get_user_model()._meta.pk,
    )


@functools.cache
def _session_store_class():
    """The session engine's SessionStore, imported once (allauth's `session_store`
    imports the engine's module on every call). Read again after a settings change."""
    return import_module(settings.SESSION_ENGINE).SessionStore


def lookup_session(session_key: str):
    """allauth's `lookup_session` (headless.internal.sessionkit), its engine imported
    once: the live session of that key (read from the database each time), or None."""
    session = _session_store_class()(session_key=session_key)
    session.get(SESSION_KEY)  # Django's lazy load: a missing or expired session clears the key
    return session if session.session_key else None


@functools.cache
def _backend(path: str):
    """Django's `load_backend(path)`, the backend built once per process (Django builds
    one per call; ours keep no state of their own)."""
    return load_backend(path)


def session_auth_hash(user) -> str:
    """`user.get_session_auth_hash()`: Django's HMAC, which our User works out once per
    password hash and SECRET_KEY in the process (accounts.models, the one home of that
    memo, shared with the portal's session sign-in)."""
    return user.get_session_auth_hash()


# Access tokens whose signature and claims were checked, by their exact text, with the
# session key their `sid` names. A client presents the same token on every request for
# its 15 minutes: the signature, the decoding and the sid's decryption (a fifth of the
# bearer check, bench/profiles/hd/) give the same answer each time. The time claims are
# checked again at each use, and the session is still read from PostgreSQL every time.
_verified: dict[str, tuple[dict, str]] = {}
_VERIFIED_MAX = 4096


def _settings_changed(**kwargs) -> None:
    _jwt_settings.cache_clear()
    _session_store_class.cache_clear()
    _backend.cache_clear()
    _verified.clear()


setting_changed.connect(_settings_changed, weak=False, dispatch_uid="accounts.api_auth")


def decode_access_token(token: str) -> dict | None:
    """allauth's `decode_token(token, "access")` with its settings read once."""
    config = _jwt_settings().config
    try:
        payload = jwt.decode(
            token,
            key=config.verifying_key,
            algorithms=[config.algorithm],
            options={
                "verify_signature": True,
                "verify_iss": False,
                "verify_aud": False,
                "verify_exp": True,
            },
        )
    except jwt.PyJWTError:
        return None
    if payload.get("token_use") != "access":
        return None
    if not all(isinstance(payload.get(key), str) for key in ("jti", "sub", "sid")):
        return None
    return payload


def verified_access_token(token: str) -> tuple[dict, str] | None:
    """The claims of a valid access token and the key of the session it names, or None:
    `decode_access_token` and allauth's `session_key_from_sid`, once per token text."""
    found = _verified.get(token)
    if found is None:
        payload = decode_access_token(token)
        if payload is None:
            return None
        session_key = internal.session_key_from_sid(payload["sid"])
        if not session_key:
            return None
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        found = _verified[token] = (payload, session_key)
    elif not _in_time(found[0]):
        return None
    return dict(found[0]), found[1]


def _in_time(payload: dict) -> bool:
    """PyJWT's checks of the time claims (no leeway), for a token decoded earlier: not
    expired, not issued nor valid only in the future."""
    now = datetime.now(tz=UTC).timestamp()
    return (
        ("exp" not in payload or int(payload["exp"]) > now)
        and ("iat" not in payload or int(payload["iat"]) <= now)
        and ("nbf" not in payload or int(payload["nbf"]) <= now)
    )


class JWTAuthentication(JWTTokenAuthentication):
    @property
    def keyword(self) -> str:
        return _jwt_settings().keyword

    def authenticate(self, request):
        self.request = request  # an instance per request (DRF's get_authenticators)
        return super().authenticate(request)

    def authenticate_credentials(self, key: str):
        if not _jwt_settings().stateful:
            return super().authenticate_credentials(key)
        found = verified_access_token(key)
        if found is None:
            raise AuthenticationFailed("Invalid token.")
        payload, session_key = found
        session = lookup_session(session_key)  # allauth's get_token_session, its sid known
        if session is None:
            raise AuthenticationFailed("Invalid token.")
        user = self._session_user(session, payload)
        if user is None:
            raise AuthenticationFailed("Invalid token.")
        return user, payload

    def _session_user(self, session, payload):
        """allauth's `validate_token_user`: the session's user (Django's `get_user`)
        if the token names it, else None."""
        try:
            user_id = _jwt_settings().user_pk.to_python(session[SESSION_KEY])
            backend_path = session[BACKEND_SESSION_KEY]
        except KeyError:
            return None
        if backend_path not in settings.AUTHENTICATION_BACKENDS:
            return None
        backend = _backend(backend_path)
        if not isinstance(backend, CachedUserMixin) or not settings.HUNTZEN_AUTH_CACHE_SECONDS:
            return internal.validate_token_user(payload, session)
        step = self._rate_step(user_id)
        ahead = self._read_ahead()
        user = cached_user(user_id, lambda: backend._load_user(user_id), step=step, ahead=ahead)
        if step is not None and step.answer is not None:
            setattr(self.request, FOLDED_STEPS, {step.key: step})  # for the throttle
        if ahead is not None and ahead.found is not None:
            setattr(self.request, generations.AHEAD, ahead)  # for the view's cached answer
        if user is None:
            return None
        session_hash = session.get(HASH_SESSION_KEY)
        if not session_hash or not constant_time_compare(session_hash, session_auth_hash(user)):
            # Django's own answer: a fallback secret's hash (the session is then moved to
            # the current one), or the session flushed.
            return internal.validate_token_user(payload, session)
        return user if user_id_to_str(user) == payload["sub"] else None

    def _read_ahead(self):
        """The view's cached-answer read (its `cache_read_ahead(request)`,
        huntzen.generations.Ahead), to be fetched with the user, or None."""
        view = (self.request.parser_context or {}).get("view")
        read_ahead = getattr(view, "cache_read_ahead", None)
        return read_ahead(self.request) if read_ahead is not None else None

    def _rate_step(self, user_id):
        """The view's first one-trip rate limit's step for this user (taken with the
        user's cache read), or None."""
        view = (self.request.parser_context or {}).get("view")
        if view is None:
            return None
        for throttle in view.get_throttles():
            if isinstance(throttle, OneTripThrottleMixin):
                return throttle.step_for_user(user_id)
        return None

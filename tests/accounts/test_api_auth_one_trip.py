"""A bearer-token API request reads its cached user and takes its rate-limit step in one
Redis round trip (accounts/api_auth.py, huntzen.cache get_many_and_hit_window), with
allauth's checks intact: the token's session is read from PostgreSQL each time, so a
logout or a new password is seen by the next request, Redis up or down."""

import json
from datetime import timedelta

import jwt
import pytest
from allauth.headless.contrib.rest_framework.authentication import JWTTokenAuthentication
from allauth.headless.tokens.strategies.jwt import internal
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import caches
from django.test import Client
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework.throttling import SimpleRateThrottle

from accounts import api_auth
from accounts.api_auth import JWTAuthentication, decode_access_token, verified_access_token
from huntzen.cache import FailoverRedisCache
from tests.conftest import PASSWORD
from tests.redis_commands import redis_commands

pytestmark = pytest.mark.django_db

LOGIN = "/_allauth/app/v1/auth/login"
SESSION = "/_allauth/app/v1/auth/session"
ME = "/api/v1/auth/me"


@pytest.fixture(autouse=True)
def auth_cache_on(settings):
    settings.HUNTZEN_AUTH_CACHE_SECONDS = 60


@pytest.fixture
def limit_of_3(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"api": "3/m", "booking": "1/m"})


def _sign_in(user) -> str:
    response = Client().post(
        LOGIN,
        json.dumps({"email": user.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["access_token"]


def _me(access):
    return Client().get(ME, HTTP_AUTHORIZATION=f"Bearer {access}")


def _redis_commands(monkeypatch):
    """The commands this process sends to Redis."""
    assert isinstance(caches["default"], FailoverRedisCache)
    return redis_commands(monkeypatch)


def test_it_is_the_apis_bearer_authentication(settings):
    classes = settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert classes[0] == "accounts.api_auth.JWTAuthentication"
    assert issubclass(JWTAuthentication, JWTTokenAuthentication)


@pytest.mark.redis
def test_a_warm_request_makes_one_redis_round_trip(employee_a, monkeypatch):
    access = _sign_in(employee_a)
    assert _me(access).status_code == 200
    assert _me(access).status_code == 200  # the user cached, the script loaded
    sent = _redis_commands(monkeypatch)
    response = _me(access)
    assert response.status_code == 200
    assert response.json()["email"] == employee_a.email
    assert sent == ["EVALSHA"]


@pytest.mark.redis
def test_the_limit_counts_each_token_request_once_and_says_when_to_come_back(
    employee_a, employee_b, limit_of_3, time_machine
):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    caches["default"].clear()
    access = _sign_in(employee_a)
    assert [_me(access).status_code for _ in range(4)] == [200, 200, 200, 429]
    time_machine.shift(20)
    refused = _me(access)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 40  # the first hit leaves the window in 40 s
    assert _me(_sign_in(employee_b)).status_code == 200  # per user
    time_machine.shift(41)
    assert _me(access).status_code == 200


@pytest.mark.redis
def test_the_folded_step_and_the_throttles_own_count_the_same_window(
    api_client, employee_a, limit_of_3
):
    caches["default"].clear()
    access = _sign_in(employee_a)
    assert _me(access).status_code == 200  # counted ahead, with the user's read
    api_client.force_authenticate(employee_a)  # counted by the throttle itself
    assert api_client.get(ME).status_code == 200
    assert [_me(access).status_code for _ in range(2)] == [200, 429]


def test_logout_is_seen_by_the_next_request(employee_a):
    access = _sign_in(employee_a)
    assert _me(access).status_code == 200
    assert _me(access).status_code == 200
    Client().delete(SESSION, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert _me(access).status_code == 401


@pytest.mark.redis
def test_with_redis_down_the_database_decides_and_the_limit_counts_here(
    employee_a, limit_of_3, monkeypatch
):
    access = _sign_in(employee_a)
    assert _me(access).status_code == 200  # warm while Redis is up
    monkeypatch.setattr(FailoverRedisCache, "is_down", property(lambda self: True))
    caches["default"].local.clear()
    assert [_me(access).status_code for _ in range(4)] == [200, 200, 200, 429]
    employee_a.set_password("a-brand-new-passphrase-2026")
    employee_a.save()
    assert _me(access).status_code == 401


def test_a_new_password_ends_the_token_at_once(employee_a):
    access = _sign_in(employee_a)
    assert _me(access).status_code == 200
    assert _me(access).status_code == 200
    employee_a.set_password("a-brand-new-passphrase-2026")
    employee_a.save()
    assert _me(access).status_code == 401


def _token_session(access):
    return internal.get_token_session(internal.decode_token(access, "access"))


def test_a_session_signed_under_a_fallback_secret_is_still_accepted(employee_a, settings):
    """Django's get_user accepts a session hash made with a SECRET_KEY_FALLBACKS key (and
    moves the session to the current key): the token path still does."""
    old_secret = "an-older-secret-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    access = _sign_in(employee_a)
    session = _token_session(access)
    session[HASH_SESSION_KEY] = salted_hmac(
        "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
        employee_a.password,
        secret=old_secret,
        algorithm="sha256",
    ).hexdigest()
    session.save()
    assert _me(access).status_code == 200


def test_a_session_hash_no_secret_verifies_is_refused(employee_a):
    access = _sign_in(employee_a)
    assert _me(access).status_code == 200
    session = _token_session(access)
    session[HASH_SESSION_KEY] = "0" * 64
    session.save()
    assert _me(access).status_code == 401


def test_without_the_auth_cache_allauths_own_path_answers(employee_a, settings):
    settings.HUNTZEN_AUTH_CACHE_SECONDS = 0
    access = _sign_in(employee_a)
    assert _me(access).status_code == 200
    Client().delete(SESSION, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert _me(access).status_code == 401


def _tokens(user):
    """An access token, a refresh token, and variants that must all be refused."""
    access = _sign_in(user)
    header, body, signature = access.split(".")
    other_key = jwt.encode(jwt.decode(access, options={"verify_signature": False}), "k" * 64)
    claims = jwt.decode(access, options={"verify_signature": False})
    config = internal._get_jwt_config()
    expired = jwt.encode({**claims, "exp": 1}, config.signing_key, algorithm=config.algorithm)
    no_sid = jwt.encode(
        {k: v for k, v in claims.items() if k != "sid"}, config.signing_key, algorithm="HS256"
    )
    refresh = internal.create_refresh_token(user, _token_session(access))
    return {
        "access": access,
        "refresh": refresh,
        "tampered": f"{header}.{body}.{signature[:-2]}xx",
        "other key": other_key,
        "expired": expired,
        "no sid": no_sid,
        "garbage": "not-a-token",
    }


def test_decoding_answers_as_allauth_does(employee_a):
    tokens = _tokens(employee_a)
    for name, token in tokens.items():
        assert decode_access_token(token) == internal.decode_token(token, "access"), name
    assert decode_access_token(tokens["access"]) is not None
    assert all(decode_access_token(tokens[n]) is None for n in tokens if n != "access")


def test_a_refresh_token_is_no_access_token(employee_a):
    refresh = _tokens(employee_a)["refresh"]
    assert _me(refresh).status_code == 401


def test_the_header_scheme_follows_the_setting(employee_a, settings):
    access = _sign_in(employee_a)
    settings.HEADLESS_JWT_AUTHORIZATION_HEADER_SCHEME = "Token"
    assert _me(access).status_code == 401
    response = Client().get(ME, HTTP_AUTHORIZATION=f"Token {access}")
    assert response.status_code == 200


def test_a_token_checked_once_answers_as_a_token_checked_each_time(employee_a):
    tokens = _tokens(employee_a)
    for _ in range(2):  # the second time from this process's memory
        for name, token in tokens.items():
            found = verified_access_token(token)
            if name != "access":
                assert found is None, name
                continue
            payload = internal.decode_token(token, "access")
            assert found == (payload, internal.session_key_from_sid(payload["sid"]))
    assert set(api_auth._verified) == {tokens["access"]}


def test_a_token_checked_once_still_expires(employee_a, time_machine):
    access = _sign_in(employee_a)
    assert _me(access).status_code == 200
    assert access in api_auth._verified
    time_machine.move_to(timezone.now() + timedelta(minutes=15, seconds=1))
    assert _me(access).status_code == 401


def test_a_token_checked_once_is_not_valid_before_its_time(employee_a, time_machine):
    claims = jwt.decode(_sign_in(employee_a), options={"verify_signature": False})
    config = internal._get_jwt_config()
    early = jwt.encode(
        {**claims, "nbf": claims["iat"] + 60}, config.signing_key, algorithm=config.algorithm
    )
    time_machine.move_to(claims["iat"] + 61)
    assert _me(early).status_code == 200
    time_machine.move_to(claims["iat"] + 30)
    assert _me(early).status_code == 401


def test_a_token_checked_once_still_needs_its_session(employee_a):
    access = _sign_in(employee_a)
    assert _me(access).status_code == 200
    Client().delete(SESSION, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert access in api_auth._verified
    assert _me(access).status_code == 401


def test_a_new_secret_key_forgets_every_checked_token(employee_a, settings):
    access = _sign_in(employee_a)
    assert _me(access).status_code == 200
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert not api_auth._verified
    assert _me(access).status_code == 401


def test_the_session_auth_hash_is_djangos_once_per_password(employee_a, employee_b, settings):
    from accounts import models

    models._session_auth_hashes.clear()
    for user in (employee_a, employee_b, employee_a):
        assert api_auth.session_auth_hash(user) == AbstractBaseUser.get_session_auth_hash(user)
    assert len(models._session_auth_hashes) == 2
    employee_a.set_password("a-brand-new-passphrase-2026")
    assert api_auth.session_auth_hash(employee_a) == AbstractBaseUser.get_session_auth_hash(
        employee_a
    )
    before = api_auth.session_auth_hash(employee_b)
    settings.SECRET_KEY = "another-secret-" + "y" * 50  # another key: another hash
    assert api_auth.session_auth_hash(employee_b) == AbstractBaseUser.get_session_auth_hash(
        employee_b
    )
    assert api_auth.session_auth_hash(employee_b) != before


def test_a_new_secret_key_ends_the_token_at_once(employee_a, settings):
    access = _sign_in(employee_a)
    assert [_me(access).status_code for _ in range(2)] == [200, 200]
    settings.SECRET_KEY = "another-secret-" + "y" * 50  # no fallback: every session ends
    assert _me(access).status_code == 401

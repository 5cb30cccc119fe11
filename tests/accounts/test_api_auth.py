"""API sign-in: allauth headless "app" client with RevokingJWTTokenStrategy, DRF bearer
authentication, GET /api/v1/auth/me."""

import base64
import json

import jwt
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework import serializers

from accounts.models import Role
from accounts.services import user_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/_allauth/app/v1/auth/login"
REFRESH = "/_allauth/app/v1/tokens/refresh"
SESSION = "/_allauth/app/v1/auth/session"
ME = "/api/v1/auth/me"


def _post(url, body, **headers):
    # A fresh client per call: an app client carries no cookies.
    return Client().post(url, json.dumps(body), content_type="application/json", **headers)


def _sign_in(user, password=PASSWORD):
    response = _post(LOGIN, {"email": user.email, "password": password})
    assert response.status_code == 200, response.content
    meta = response.json()["meta"]
    return meta["access_token"], meta["refresh_token"]


def _me(access):
    return Client().get(ME, HTTP_AUTHORIZATION=f"Bearer {access}")


def _refresh(refresh):
    return _post(REFRESH, {"refresh_token": refresh})


def test_sign_in_returns_an_access_and_a_refresh_token(employee_a):
    access, refresh = _sign_in(employee_a)
    claims = jwt.decode(access, options={"verify_signature": False})
    assert claims["token_use"] == "access" and claims["sub"] == str(employee_a.pk)
    assert claims["exp"] - claims["iat"] == 15 * 60
    refresh_claims = jwt.decode(refresh, options={"verify_signature": False})
    assert refresh_claims["exp"] - refresh_claims["iat"] == 7 * 24 * 3600


def test_me_returns_the_profile_in_camel_case(employee_a, acme):
    access, _ = _sign_in(employee_a)
    response = _me(access)
    assert response.status_code == 200
    assert response.json() == {
        "id": str(employee_a.pk),
        "email": "alice@acme.test",
        "firstName": "Alice",
        "lastName": "Test",
        "role": "R5_EMPLOYEE",
        "companyId": str(acme.pk),
        "avatarUrl": None,
        "isActive": True,
        "lastLoginAt": response.json()["lastLoginAt"],
    }
    employee_a.refresh_from_db()
    assert response.json()["lastLoginAt"] == serializers.DateTimeField().to_representation(
        employee_a.last_login
    )


def test_me_of_a_practitioner_has_no_company(practitioner_p):
    assert _me(_sign_in(practitioner_p)[0]).json()["companyId"] is None


def test_me_without_a_token_is_401():
    assert Client().get(ME).status_code == 401


def test_a_wrong_password_gets_no_token(employee_a):
    response = _post(LOGIN, {"email": employee_a.email, "password": "wrong"})
    assert response.status_code == 400
    assert "access_token" not in json.dumps(response.json())


def test_an_unverified_user_gets_no_token(acme):
    user_create(email="fresh@acme.test", role=Role.EMPLOYEE, company=acme, password=PASSWORD)
    response = _post(LOGIN, {"email": "fresh@acme.test", "password": PASSWORD})
    assert response.status_code == 401
    assert "access_token" not in json.dumps(response.json())


def test_api_sign_in_failures_are_rate_limited(employee_a):
    for _ in range(5):
        _post(LOGIN, {"email": employee_a.email, "password": "wrong"})
    response = _post(LOGIN, {"email": employee_a.email, "password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many_login_attempts"


def test_refresh_rotates_both_tokens(employee_a):
    access, refresh = _sign_in(employee_a)
    response = _refresh(refresh)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["refresh_token"] != refresh and data["access_token"] != access
    assert _me(data["access_token"]).status_code == 200
    assert _refresh(data["refresh_token"]).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_session(employee_a):
    access, refresh = _sign_in(employee_a)
    rotated = _refresh(refresh).json()["data"]
    replay = _refresh(refresh)  # an attacker (or the victim) replays the old token
    assert replay.status_code >= 400
    assert _refresh(rotated["refresh_token"]).status_code >= 400
    assert _me(rotated["access_token"]).status_code == 401
    assert _me(access).status_code == 401


def test_reuse_revokes_only_that_session(employee_a):
    _, stolen = _sign_in(employee_a)
    other_access, other_refresh = _sign_in(employee_a)  # e.g. a second device
    _refresh(stolen)
    _refresh(stolen)
    assert _me(other_access).status_code == 200
    assert _refresh(other_refresh).status_code == 200


def test_logout_makes_the_access_token_fail_at_once(employee_a):
    access, refresh = _sign_in(employee_a)
    Client().delete(SESSION, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert _me(access).status_code == 401
    assert _refresh(refresh).status_code >= 400


def test_a_password_change_invalidates_the_tokens(employee_a):
    access, refresh = _sign_in(employee_a)
    employee_a.set_password("a-brand-new-passphrase-2026")
    employee_a.save()
    assert _me(access).status_code == 401
    assert _refresh(refresh).status_code >= 400


def test_a_password_change_through_the_api_invalidates_other_sessions(employee_a):
    other_access, _ = _sign_in(employee_a)
    access, _ = _sign_in(employee_a)
    response = _post(
        "/_allauth/app/v1/account/password/change",
        {"current_password": PASSWORD, "new_password": "a-brand-new-passphrase-2026"},
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )
    assert response.status_code in (200, 401)
    assert _me(other_access).status_code == 401


def test_deactivation_invalidates_the_tokens(employee_a):
    access, refresh = _sign_in(employee_a)
    employee_a.is_active = False
    employee_a.save()
    assert _me(access).status_code == 401
    assert _refresh(refresh).status_code >= 400


def test_an_expired_access_token_is_refused(employee_a, time_machine):
    access, refresh = _sign_in(employee_a)
    time_machine.move_to(timezone.now() + timezone.timedelta(minutes=15, seconds=1))
    assert _me(access).status_code == 401
    assert _refresh(refresh).status_code == 200  # the refresh token lives 7 days


def test_an_expired_refresh_token_is_refused(employee_a, time_machine):
    _, refresh = _sign_in(employee_a)
    time_machine.move_to(timezone.now() + timezone.timedelta(days=7, seconds=1))
    assert _refresh(refresh).status_code >= 400


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_tampered_token_is_refused(employee_a, employee_b):
    access, _ = _sign_in(employee_a)
    header, payload, signature = access.split(".")
    claims = jwt.decode(access, options={"verify_signature": False})
    forged = f"{header}.{_b64({**claims, 'sub': str(employee_b.pk)})}.{signature}"
    assert _me(forged).status_code == 401
    assert _me(access[:-2] + ("AA" if access[-2:] != "AA" else "BB")).status_code == 401


def test_a_token_signed_with_another_key_is_refused(employee_a):
    access, _ = _sign_in(employee_a)
    claims = jwt.decode(access, options={"verify_signature": False})
    assert (
        _me(jwt.encode(claims, "not-our-secret-key-0123456789", algorithm="HS256")).status_code
        == 401
    )


def test_an_alg_none_token_is_refused(employee_a):
    access, _ = _sign_in(employee_a)
    claims = jwt.decode(access, options={"verify_signature": False})
    for alg in ("none", "None", "NONE"):
        unsigned = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(claims)}."
        assert _me(unsigned).status_code == 401


def test_a_refresh_token_is_not_an_access_token(employee_a):
    _, refresh = _sign_in(employee_a)
    assert _me(refresh).status_code == 401


def test_the_schema_documents_me(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/auth/me" in response.content.decode()

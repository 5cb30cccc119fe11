"""MFA (allauth TOTP + recovery codes): roles of HUNTZEN_MFA_REQUIRED_ROLES are held at
enrollment, on portal pages, in the admin and on the API."""

import json
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ACTIVATE = reverse("mfa_activate_totp")
STAFF_AND_PORTAL = ["R1_PSG_SUPER", "R2_HUNTZEN_ADMIN", "R3_COMPANY_RH", "R4_PRACTITIONER"]


@pytest.fixture
def mfa_required(settings):
    settings.HUNTZEN_MFA_REQUIRED_ROLES = STAFF_AND_PORTAL


def _code(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _login(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


@pytest.mark.parametrize(
    "who, page",
    [
        ("hr_acme", "accounts:hr_home"),
        ("practitioner_p", "accounts:practitioner_home"),
        ("staff_r2", "admin:index"),
        ("operator_r1", "admin:index"),
        ("superuser", "admin:index"),
        ("hr_acme", "accounts:invitation_list"),
    ],
)
def test_required_roles_are_held_at_enrollment(client, cast, mfa_required, who, page):
    _login(client, cast[who])
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE


def test_roles_outside_the_list_are_not_held(client, employee_a, mfa_required):
    _login(client, employee_a)
    assert client.get(reverse("accounts:employee_home")).status_code == 200


def test_no_role_is_held_when_the_list_is_empty(client, hr_acme, settings):
    settings.HUNTZEN_MFA_REQUIRED_ROLES = []
    _login(client, hr_acme)
    assert client.get(reverse("accounts:hr_home")).status_code == 200


def test_a_held_user_may_still_sign_out_and_switch_language(client, hr_acme, mfa_required):
    _login(client, hr_acme)
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_held_user_is_refused_by_the_api_with_a_session(client, hr_acme, mfa_required):
    _login(client, hr_acme)
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 403
    assert "double authentification" in response.json()["message"]


def test_a_held_user_is_refused_by_the_api_with_a_bearer_token(hr_acme, mfa_required):
    login = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": hr_acme.email, "password": PASSWORD},
        content_type="application/json",
    )
    access = login.json()["meta"]["access_token"]
    response = Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 403
    assert "double authentification" in response.json()["message"]


def test_enrolling_through_the_pages_releases_the_hold(client, hr_acme, mfa_required):
    _login(client, hr_acme)
    reauth = client.get(ACTIVATE)["Location"]
    client.post(reauth, {"password": PASSWORD})  # allauth asks for the password again
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(ACTIVATE, {"code": _code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=hr_acme, type="totp").exists()
    assert Authenticator.objects.filter(user=hr_acme, type="recovery_codes").exists()
    assert client.get(reverse("accounts:hr_home")).status_code == 200


def test_an_enrolled_user_is_asked_for_a_code_at_sign_in(client, hr_acme, mfa_required):
    secret = generate_totp_secret()
    TOTP.activate(hr_acme, secret)
    response = _login(client, hr_acme)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("accounts:hr_home")).status_code == 200


def test_the_admin_login_asks_staff_for_their_code(client, staff_r2, mfa_required):
    TOTP.activate(staff_r2, generate_totp_secret())
    entry = client.get(reverse("admin:index"), follow=True)
    assert entry.redirect_chain[-1][0].startswith(reverse("account_login"))
    response = _login(client, staff_r2)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_api_sign_in_asks_an_enrolled_user_for_a_code(hr_acme, mfa_required):
    TOTP.activate(hr_acme, generate_totp_secret())
    response = Client().post(
        "/_allauth/app/v1/auth/login",
        json.dumps({"email": hr_acme.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 401
    body = response.json()
    assert "access_token" not in body.get("meta", {})
    assert {"id": "mfa_authenticate", "is_pending": True}.items() <= next(
        f for f in body["data"]["flows"] if f["id"] == "mfa_authenticate"
    ).items()


def test_production_defaults_require_mfa_of_staff_hr_and_practitioners():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "HUNTZEN_MFA_REQUIRED_ROLES", "DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="care.example.com",
        HUNTZEN_ENCRYPTION_KEYS="k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django,os;os.environ['DJANGO_SETTINGS_MODULE']="
            "'huntzen.settings';django.setup();from django.conf import settings;"
            "print(','.join(settings.HUNTZEN_MFA_REQUIRED_ROLES))",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip() == ",".join(STAFF_AND_PORTAL), out.stderr


def _api(method, url, access=None, body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {access}"} if access else {}
    if body is None:
        return getattr(Client(), method)(url, **headers)
    return getattr(Client(), method)(
        url, json.dumps(body), content_type="application/json", **headers
    )


def test_an_api_client_enrols_then_completes_the_second_factor(hr_acme, mfa_required):
    login = _api(
        "post", "/_allauth/app/v1/auth/login", body={"email": hr_acme.email, "password": PASSWORD}
    ).json()
    access = login["meta"]["access_token"]
    assert _api("get", "/api/v1/auth/me", access).status_code == 403
    totp_url = "/_allauth/app/v1/account/authenticators/totp"
    secret = _api("get", totp_url, access).json()["meta"]["secret"]
    # allauth asks for the password again before adding an authenticator.
    reauth = _api("post", "/_allauth/app/v1/auth/reauthenticate", access, {"password": PASSWORD})
    assert reauth.status_code == 200, reauth.content
    activated = _api("post", totp_url, access, {"code": _code(secret)})
    assert activated.status_code == 200, activated.content
    assert _api("get", "/api/v1/auth/me", access).status_code == 200

    pending = _api(
        "post", "/_allauth/app/v1/auth/login", body={"email": hr_acme.email, "password": PASSWORD}
    )
    assert pending.status_code == 401
    session_token = pending.json()["meta"]["session_token"]
    done = Client().post(
        "/_allauth/app/v1/auth/2fa/authenticate",
        json.dumps({"code": _code(secret)}),
        content_type="application/json",
        HTTP_X_SESSION_TOKEN=session_token,
    )
    assert done.status_code == 200, done.content
    assert _api("get", "/api/v1/auth/me", done.json()["meta"]["access_token"]).status_code == 200

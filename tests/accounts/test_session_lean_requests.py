"""Signed-in requests outside any test transaction, where the session is read through
libpq's prepared statement (huntzen/postgresql/lean.py): a live session lets the bearer
and the cookie in, and a logout, a deleted or an expired session is refused on the very
next request."""

import json
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from huntzen.postgresql import lean
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LOGIN = "/_allauth/app/v1/auth/login"
SESSION = "/_allauth/app/v1/auth/session"
ME = "/api/v1/auth/me"
PAGE = "/consultations/"


@pytest.fixture
def lean_reads(monkeypatch) -> list:
    """The reads that went through the lean path (the real one, counted)."""
    calls = []
    real = lean.text_row

    def counted(*args):
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(lean, "text_row", counted)
    return calls


def _access(user) -> str:
    response = Client().post(
        LOGIN, json.dumps({"email": user.email, "password": PASSWORD}), "application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["access_token"]


def _me(access):
    return Client().get(ME, HTTP_AUTHORIZATION=f"Bearer {access}")


def _cookie_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_bearer_gets_in_then_is_refused_after_logout(employee_a, lean_reads):
    access = _access(employee_a)
    assert _me(access).status_code == 200
    assert _me(access).json()["email"] == employee_a.email
    assert lean_reads
    Client().delete(SESSION, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert _me(access).status_code == 401


@pytest.mark.parametrize("end", ["delete", "expire"])
def test_the_bearer_is_refused_once_its_session_ends(employee_a, end):
    access = _access(employee_a)
    assert _me(access).status_code == 200
    sessions = Session.objects.all()
    if end == "delete":
        sessions.delete()
    else:
        sessions.update(expire_date=timezone.now() - timedelta(microseconds=1))
    assert _me(access).status_code == 401


@pytest.mark.parametrize("end", ["delete", "expire"])
def test_the_cookie_is_anonymous_once_its_session_ends(employee_a, end, lean_reads):
    client = _cookie_client(employee_a)
    assert client.get(PAGE).status_code == 200
    assert lean_reads
    sessions = Session.objects.filter(session_key=client.session.session_key)
    if end == "delete":
        sessions.delete()
    else:
        sessions.update(expire_date=timezone.now() - timedelta(microseconds=1))
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/login" in response["Location"]

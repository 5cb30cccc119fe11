"""The session read of every signed-in request (accounts.sessions.SessionStore) gives what
Django's database sessions give: a live session's data, nothing for an expired, deleted
or unknown one (and the key is then forgotten, so a new session gets a new key)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved(**data) -> str:
    store = SessionStore()
    store.update(data)
    store.create()
    return store.session_key


def _loaded(store_class, key):
    store = store_class(session_key=key)
    return store.load(), store.session_key


def test_a_live_session_is_read_as_django_reads_it():
    key = _saved(_auth_user_id="42", colour="bleu")
    assert _loaded(SessionStore, key) == _loaded(DjangoStore, key)
    assert _loaded(SessionStore, key) == ({"_auth_user_id": "42", "colour": "bleu"}, key)


def test_an_expired_session_reads_nothing():
    key = _saved(_auth_user_id="42")
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert _loaded(SessionStore, key) == ({}, None) == _loaded(DjangoStore, key)


def test_a_deleted_session_reads_nothing():
    key = _saved(_auth_user_id="42")
    SessionStore(session_key=key).delete()
    assert _loaded(SessionStore, key) == ({}, None)


@pytest.mark.parametrize("key", ["unknown-but-long-enough-key", "short", "", None])
def test_an_unknown_or_malformed_key_reads_nothing(key):
    assert _loaded(SessionStore, key) == ({}, None) == _loaded(DjangoStore, key)


def test_it_is_the_engine_of_every_request(client, employee_a, settings):
    assert settings.SESSION_ENGINE == "accounts.sessions"
    client.force_login(employee_a)
    assert client.get("/api/v1/auth/me").json()["email"] == employee_a.email
    Session.objects.all().delete()  # signed out everywhere
    assert client.get("/api/v1/auth/me").status_code in (401, 403)


def _signed(data: dict) -> str:
    return SessionStore().encode(data)


@pytest.mark.parametrize(
    "data",
    [{"_auth_user_id": "42"}, {"_auth_user_id": "42", "long": "tisane " * 500}],
    ids=["plain", "compressed"],
)
def test_decoding_gives_djangos_answer_first_and_again(data):
    text = _signed(data)
    assert text.startswith(".") == ("long" in data)
    first = SessionStore().decode(text)
    first["changed"] = True  # each read gets its own dict
    again = SessionStore().decode(text)
    assert first != again
    assert again == DjangoStore().decode(text) == data


def test_a_tampered_session_decodes_to_nothing_every_time():
    text = _signed({"_auth_user_id": "42"})
    tampered = text[:-3] + ("aaa" if not text.endswith("aaa") else "bbb")
    for _ in range(2):
        assert SessionStore().decode(tampered) == {}
    forged = signing_with_other_key({"_auth_user_id": "1"})
    assert SessionStore().decode(forged) == {}


def test_a_new_secret_key_forgets_what_the_old_one_verified(settings):
    text = _signed({"_auth_user_id": "42"})
    assert SessionStore().decode(text) == {"_auth_user_id": "42"}
    settings.SECRET_KEY = "another-secret-" + "y" * 40
    assert SessionStore().decode(text) == {}


def signing_with_other_key(data: dict) -> str:
    from django.core import signing

    return signing.dumps(
        data, key="not-our-key-" + "z" * 40, salt=SessionStore().key_salt, compress=True
    )

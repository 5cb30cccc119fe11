"""The bearer check's session lookup (accounts/api_auth.py `lookup_session`, the engine
imported once) answers as allauth's own: the live session of a key, read from the
database on every call, None for a missing, ended or expired one."""

from datetime import timedelta

import pytest
from allauth.headless.internal import sessionkit
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts import api_auth

pytestmark = pytest.mark.django_db


def _session(user_id="abc") -> str:
    store = api_auth._session_store_class()()
    store[SESSION_KEY] = user_id
    store.create()
    return store.session_key


def _answer(lookup, key):
    session = lookup(key)
    return None if session is None else (type(session), session.session_key, dict(session))


def test_a_live_session_reads_as_allauths():
    key = _session()
    ours = _answer(api_auth.lookup_session, key)
    assert ours == _answer(sessionkit.lookup_session, key)
    assert ours[2] == {SESSION_KEY: "abc"}


def test_a_missing_key_is_none_as_allauths():
    assert api_auth.lookup_session("x" * 32) is None
    assert sessionkit.lookup_session("x" * 32) is None


def test_an_ended_session_is_none_on_the_next_call():
    key = _session()
    assert api_auth.lookup_session(key) is not None
    Session.objects.filter(session_key=key).delete()
    assert api_auth.lookup_session(key) is None


def test_an_expired_session_is_none_as_allauths():
    key = _session()
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert api_auth.lookup_session(key) is None
    assert sessionkit.lookup_session(key) is None


def test_the_engine_is_read_again_after_a_settings_change(settings):
    assert api_auth._session_store_class().__module__ == "accounts.sessions"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    assert api_auth._session_store_class().__module__ == "django.contrib.sessions.backends.db"

"""User.get_session_auth_hash kept per (password hash, SECRET_KEY) in the process: always
Django's own answer for the current password and key, so a password change still ends
every other session at its next request."""

import pytest
from django.contrib.auth.base_user import AbstractBaseUser
from django.test import Client

from accounts import models
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _djangos(user) -> str:
    return AbstractBaseUser.get_session_auth_hash(user)


def test_the_hash_is_djangos_for_the_current_password_and_key(employee_a, settings):
    first = employee_a.get_session_auth_hash()
    assert first == _djangos(employee_a)
    assert (employee_a.password, settings.SECRET_KEY) in models._session_auth_hashes
    employee_a.set_password("another-long-passphrase-1")
    assert employee_a.get_session_auth_hash() == _djangos(employee_a) != first
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert employee_a.get_session_auth_hash() == _djangos(employee_a)


def test_a_password_change_still_ends_the_other_sessions(employee_a):
    other = Client()
    other.force_login(employee_a)
    assert other.get("/employee/").status_code == 200
    employee_a.set_password(PASSWORD + "-changed")
    employee_a.save()
    response = other.get("/employee/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")

"""The signed-in user and its permissions come from the cache (accounts/auth_cache.py),
and whatever ends a sign-in or changes a role is seen by the very next request: a
warm cache never outlives a logout, a new password, a deactivation or a role change."""

import json
import uuid

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import auth_cache
from accounts.backends import ModelBackend
from accounts.gates import has_role_perm
from accounts.mfa import must_enroll_mfa
from accounts.models import Role
from accounts.roles import group_for
from companies.services import member_deactivate
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/_allauth/app/v1/auth/login"
SESSION = "/_allauth/app/v1/auth/session"
ME = "/api/v1/auth/me"


@pytest.fixture(autouse=True)
def auth_cache_on(settings):
    # On whatever cache the run has (Redis with REDIS_URL, local memory otherwise).
    settings.HUNTZEN_AUTH_CACHE_SECONDS = 60


def _sign_in(user, password=PASSWORD) -> str:
    response = Client().post(
        LOGIN,
        json.dumps({"email": user.email, "password": password}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["access_token"]


def _me(access):
    return Client().get(ME, HTTP_AUTHORIZATION=f"Bearer {access}")


def _warm(access) -> None:
    assert _me(access).status_code == 200
    assert _me(access).status_code == 200


def _user_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "accounts_user"' in q["sql"]]


def test_a_cached_user_is_read_without_a_query(employee_a):
    backend = ModelBackend()
    assert backend.get_user(employee_a.pk) == employee_a
    with CaptureQueriesContext(connection) as queries:
        user = backend.get_user(employee_a.pk)
        assert user.has_perm("accounts.booking_create")
    assert user == employee_a
    assert len(queries) == 0


def test_the_api_reads_no_user_and_no_permission_once_warm(employee_a):
    access = _sign_in(employee_a)
    _warm(access)
    with CaptureQueriesContext(connection) as queries:
        assert _me(access).status_code == 200
    assert _user_queries(queries) == []
    assert not [q for q in queries if "auth_permission" in q["sql"]]


def test_an_inactive_or_unknown_user_is_not_cached(employee_a):
    backend = ModelBackend()
    assert backend.get_user(uuid.uuid4()) is None
    employee_a.is_active = False
    employee_a.save()
    assert backend.get_user(employee_a.pk) is None
    with CaptureQueriesContext(connection) as queries:
        assert backend.get_user(employee_a.pk) is None
    assert len(_user_queries(queries)) == 1


def test_logout_ends_a_warm_token_at_once(employee_a):
    access = _sign_in(employee_a)
    _warm(access)
    Client().delete(SESSION, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert _me(access).status_code == 401


def test_a_new_password_ends_a_warm_token_at_once(employee_a):
    access = _sign_in(employee_a)
    _warm(access)
    employee_a.set_password("a-brand-new-passphrase-2026")
    employee_a.save()
    assert _me(access).status_code == 401


def test_a_deactivation_ends_a_warm_token_and_a_warm_portal_session(employee_a, hr_acme):
    access = _sign_in(employee_a)
    portal = Client()
    portal.force_login(employee_a)
    _warm(access)
    assert portal.get("/journal/").status_code == 200
    member_deactivate(actor=hr_acme, member=employee_a)
    assert _me(access).status_code == 401
    assert portal.get("/journal/").status_code == 302  # to the sign-in page


def test_a_role_change_is_seen_by_the_next_request(employee_a):
    access = _sign_in(employee_a)
    _warm(access)
    employee_a.role = Role.COMPANY_RH
    employee_a.save(update_fields=["role"])
    assert _me(access).json()["role"] == Role.COMPANY_RH


def test_a_new_group_is_a_new_permission_catalogue(employee_a):
    backend = ModelBackend()
    assert has_role_perm(backend.get_user(employee_a.pk), "accounts.booking_create")
    employee_a.groups.set([group_for(Role.PRACTITIONER)])
    user = backend.get_user(employee_a.pk)
    assert not has_role_perm(user, "accounts.booking_create")
    assert has_role_perm(user, "accounts.consultations_own_write")


def test_a_change_of_a_groups_permissions_reaches_cached_users(employee_a):
    backend = ModelBackend()
    assert has_role_perm(backend.get_user(employee_a.pk), "accounts.booking_create")
    group = group_for(Role.EMPLOYEE)
    group.permissions.remove(Permission.objects.get(codename="booking_create"))
    assert not has_role_perm(backend.get_user(employee_a.pk), "accounts.booking_create")


def test_a_copy_read_before_a_change_is_never_believed(employee_a):
    """A request that read the row, then stored it after another one changed the user
    (a change committed while it was loading), leaves nothing that will be believed."""
    backend = ModelBackend()

    def load_then_change():
        user = backend._load_user(employee_a.pk)
        auth_cache.user_changed(employee_a.pk)  # the concurrent change
        return user

    auth_cache.cached_user(employee_a.pk, load_then_change)
    with CaptureQueriesContext(connection) as queries:
        backend.get_user(employee_a.pk)
    assert len(_user_queries(queries)) == 1  # reloaded, not taken from the stale copy


def test_no_cache_when_disabled(settings, employee_a):
    settings.HUNTZEN_AUTH_CACHE_SECONDS = 0
    backend = ModelBackend()
    backend.get_user(employee_a.pk)
    with CaptureQueriesContext(connection) as queries:
        backend.get_user(employee_a.pk)
    assert len(_user_queries(queries)) == 1


def test_mfa_enrolment_is_read_once_and_refreshed_when_an_authenticator_changes(
    settings, practitioner_p
):
    settings.HUNTZEN_MFA_REQUIRED_ROLES = ["R4_PRACTITIONER"]
    backend = ModelBackend()
    assert must_enroll_mfa(backend.get_user(practitioner_p.pk))
    with CaptureQueriesContext(connection) as queries:
        assert must_enroll_mfa(backend.get_user(practitioner_p.pk))
    assert len(queries) == 0
    authenticator = Authenticator.objects.create(
        user=practitioner_p, type=Authenticator.Type.TOTP, data={"secret": generate_totp_secret()}
    )
    assert not must_enroll_mfa(backend.get_user(practitioner_p.pk))
    authenticator.delete()
    assert must_enroll_mfa(backend.get_user(practitioner_p.pk))


def test_while_redis_is_down_the_database_decides(monkeypatch, employee_a):
    """The fallback memory is this process's own: another process's invalidation (a role
    removed there) never reaches it, so no copy is believed or stored meanwhile."""
    real = auth_cache.cache

    class DownCache:  # the shared cache answering from this process's memory
        is_down = True

        def __getattr__(self, name):
            return getattr(real, name)

    backend = ModelBackend()
    assert backend.get_user(employee_a.pk) == employee_a  # warm while the cache is up
    monkeypatch.setattr(auth_cache, "cache", DownCache())
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert backend.get_user(employee_a.pk) == employee_a
        assert _user_queries(queries)


def test_a_user_id_gives_the_same_keys_as_a_uuid_or_as_its_text():
    """The API hands over the session's id already parsed: the same entry as its text
    (the portal's path) names; a malformed id names none."""
    user_id = uuid.uuid4()
    expected = (f"auth.user.{user_id.hex}", f"auth.user.{user_id.hex}.gen")
    assert auth_cache._keys(user_id) == expected
    assert auth_cache._keys(str(user_id)) == expected
    assert auth_cache._keys(str(user_id).upper()) == expected
    assert auth_cache._keys("not-an-id") is None

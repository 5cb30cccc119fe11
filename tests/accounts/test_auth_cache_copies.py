"""The process's copy of a cached user (accounts/auth_cache.py `_stored_entry`): believed
only when Redis hands back the very bytes it was decoded from, equal to what decoding
them again gives for every role, and never shared between two requests."""

import pickle

import pytest
from django.core.cache import cache
from django.test import Client

from accounts import auth_cache
from accounts.auth_cache import _keys, _own_copy, _shareable, _stored_entry, cached_user
from huntzen.throttling import FoldedStep
from tests.accounts.test_api_auth_one_trip import ME, _sign_in
from tests.medical.conftest import ROLES

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.fixture(autouse=True)
def auth_cache_on(settings):
    settings.HUNTZEN_AUTH_CACHE_SECONDS = 60


@pytest.fixture(autouse=True)
def no_copies(monkeypatch):
    monkeypatch.setattr(auth_cache, "_copies", {})


@pytest.fixture
def decodes(monkeypatch):
    """How many entries this process decodes from their bytes."""
    decoded = []
    loads = cache.loads_value
    monkeypatch.setattr(cache, "loads_value", lambda value: decoded.append(value) or loads(value))
    return decoded


def _step(user) -> FoldedStep:
    return FoldedStep(f"test-copies:{user.pk}", 1000.0, 60, 1_000_000)


def _read(user):
    """The user as a bearer request reads it (the cached read folded with a rate step)."""

    def load():
        from accounts.backends import AuthenticationBackend

        return AuthenticationBackend()._load_user(user.pk)

    return cached_user(user.pk, load, step=_step(user))


def _stored_bytes(user) -> bytes:
    key = cache.make_and_validate_key(_keys(user.pk)[0])
    return cache._cache.get_client(key).get(key)


def _values(user) -> dict:
    values = dict(user.__dict__)
    values["_state"] = dict(values["_state"].__dict__)
    return values


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_from_the_copy_what_decoding_gives(role, request, decodes):
    user = request.getfixturevalue(role)
    _read(user)  # loaded from the database and stored
    first = _read(user)  # decoded from Redis, kept
    assert len(decodes) == 1
    again = _read(user)
    assert len(decodes) == 1  # from the copy
    from_bytes = pickle.loads(_stored_bytes(user))[1]
    assert _values(again) == _values(from_bytes) == _values(first)
    assert type(again) is type(from_bytes)
    assert again.get_all_permissions() == from_bytes.get_all_permissions()
    assert again is not first


def test_each_read_is_an_instance_of_its_own(employee_a):
    _read(employee_a)
    _read(employee_a)
    one = _read(employee_a)
    one.first_name = "Changed"
    one._perm_cache.add("accounts.not_a_permission")
    one._state.fields_cache["company"] = object()
    one._state.db = "other"
    other = _read(employee_a)
    assert other.first_name == employee_a.first_name
    assert "accounts.not_a_permission" not in other._perm_cache
    assert other._state.fields_cache == {}
    assert other._state.db == "default"
    assert other._perm_cache is not one._perm_cache


def test_a_changed_user_is_decoded_again(employee_a, decodes):
    _read(employee_a)
    _read(employee_a)
    assert _read(employee_a).first_name == employee_a.first_name
    employee_a.first_name = "Renamed"
    employee_a.save()  # a new generation: the entry stored next holds other bytes
    assert _read(employee_a).first_name == "Renamed"  # from the database
    decodes.clear()
    assert _read(employee_a).first_name == "Renamed"
    assert len(decodes) == 1


def test_other_bytes_under_the_key_are_decoded(employee_a, decodes):
    _read(employee_a)
    _read(employee_a)
    user_key = _keys(employee_a.pk)[0]
    kept_bytes = auth_cache._copies[user_key][0]
    decodes.clear()
    # Another entry stored under the same generations: not the kept copy.
    generation, user = pickle.loads(kept_bytes)
    user.email = "someone-else@example.test"
    cache.set(user_key, (generation, user), 60)
    assert _read(employee_a).email == "someone-else@example.test"
    assert len(decodes) == 1


def test_a_bearer_request_reads_its_user_from_the_copy(employee_a, decodes):
    access = _sign_in(employee_a)
    client = Client()
    for _ in range(2):
        assert client.get(ME, HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200
    decodes.clear()
    response = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 200
    assert response.json()["email"] == employee_a.email
    assert decodes == []


def test_a_user_with_a_cached_relation_is_not_kept(employee_a, decodes):
    user = _read(employee_a)
    assert _shareable(user)
    user._state.fields_cache["company"] = employee_a.company
    assert not _shareable(user)
    user._state.fields_cache.clear()
    user.some_list = []
    assert not _shareable(user)
    del user.some_list
    user._perm_cache = {("not", "a", "string")}
    assert not _shareable(user)
    assert not _shareable(object())
    assert not _shareable((1, 2))


def test_a_value_not_in_bytes_is_left_as_it_is():
    entry = ((1, 0), object())
    assert _stored_entry("auth.user.x", entry) is entry
    assert _stored_entry("auth.user.x", None) is None


def test_the_own_copy_equals_unpickling(employee_a):
    _read(employee_a)
    user = _read(employee_a)  # decoded from Redis, as the copies are
    copy = _own_copy(user)
    assert _values(copy) == _values(pickle.loads(pickle.dumps(user)))
    assert copy._state is not user._state


def _read_for_a_session(user):
    """The user as a page's session sign-in reads it (no rate step folded in)."""

    def load():
        from accounts.backends import AuthenticationBackend

        return AuthenticationBackend()._load_user(user.pk)

    return cached_user(user.pk, load)


@pytest.mark.parametrize("role", ROLES)
def test_a_sessions_read_takes_the_copy_too(role, request, decodes):
    user = request.getfixturevalue(role)
    _read_for_a_session(user)  # loaded from the database and stored
    first = _read_for_a_session(user)  # decoded from Redis, kept
    assert len(decodes) == 1
    again = _read_for_a_session(user)
    assert len(decodes) == 1  # from the copy
    from_bytes = pickle.loads(_stored_bytes(user))[1]
    assert _values(again) == _values(from_bytes) == _values(first)
    assert again is not first
    assert _read(user) is not again  # the bearer's read shares the copy, not the instance


def test_a_page_request_reads_its_user_from_the_copy(employee_a, decodes):
    client = Client()
    client.force_login(employee_a)
    for _ in range(2):
        assert client.get("/employee/").status_code == 200
    decodes.clear()
    response = client.get("/employee/")
    assert response.status_code == 200
    assert employee_a.get_full_name() in response.content.decode()
    assert decodes == []
    # A change of the user is a new entry: the next page reads (and decodes) it.
    employee_a.first_name = "Renamed"
    employee_a.save()
    assert client.get("/employee/").status_code == 200
    response = client.get("/employee/")
    assert "Renamed" in response.content.decode()
    assert len(decodes) == 1

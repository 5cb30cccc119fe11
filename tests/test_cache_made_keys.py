"""The failover cache makes each key once per process (huntzen.cache `_made_keys`): the
same full key as Django's make_and_validate_key for every key, prefix and version, its
warnings included the first time."""

import warnings

import pytest
from django.core.cache import CacheKeyWarning
from django.core.cache.backends.redis import RedisCache

from huntzen import cache as failover
from huntzen.cache import FailoverRedisCache

KEYS = [
    "auth.user.bc510d2c34e549e6b5690dfd4b88e4ee",
    "auth.user.bc510d2c34e549e6b5690dfd4b88e4ee.gen",
    "auth.perms.gen",
    "throttle_api_8a1e:window",
    "é-accentué",
    "",
    "with space",
    "x" * 300,
]


def _backend(prefix="t", version=1, **params):
    return FailoverRedisCache(
        "redis://127.0.0.1:6379/15", {"KEY_PREFIX": prefix, "VERSION": version, **params}
    )


def _django(backend, key, version=None):
    return RedisCache.make_and_validate_key(backend, key, version=version)


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(failover, "_made_keys", {})


@pytest.mark.parametrize("prefix", ["", "na", "bench-api"])
@pytest.mark.parametrize("version", [1, 7])
def test_the_same_keys_as_djangos(prefix, version):
    backend = _backend(prefix, version)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CacheKeyWarning)
        for key in KEYS * 2:  # made, then from the process's keys
            assert backend.make_and_validate_key(key) == _django(backend, key)
            assert backend.make_and_validate_key(key, version=3) == _django(backend, key, 3)


def test_kept_per_prefix_and_version():
    one, other, newer = _backend("a"), _backend("b"), _backend("a", 2)
    assert one.make_and_validate_key("k") == "a:1:k"
    assert other.make_and_validate_key("k") == "b:1:k"
    assert newer.make_and_validate_key("k") == "a:2:k"
    assert _backend("a").make_and_validate_key("k") == "a:1:k"  # another thread's instance


def test_a_key_of_another_type_is_djangos():
    backend = _backend()
    assert backend.make_and_validate_key(42) == "t:1:42"
    assert 42 not in backend._made_keys


def test_a_bad_key_warns_the_first_time():
    backend = _backend()
    with pytest.warns(CacheKeyWarning):
        backend.make_and_validate_key("with space")
    assert backend._made_keys["with space"] == "t:1:with space"


def test_a_custom_key_function_is_followed():
    backend = _backend(KEY_FUNCTION=lambda key, prefix, version: f"{prefix}|{version}|{key}")
    assert backend.make_and_validate_key("k") == "t|1|k"
    assert _backend().make_and_validate_key("k") == "t:1:k"


def test_bounded(monkeypatch):
    monkeypatch.setattr(failover, "_MADE_KEYS_MAX", 3)
    backend = _backend()
    for i in range(10):
        assert backend.make_and_validate_key(f"k{i}") == f"t:1:k{i}"
        assert len(backend._made_keys) <= 3

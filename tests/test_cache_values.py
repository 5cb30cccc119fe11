"""huntzen.cache_values.PickleFirstSerializer reads back what Django's RedisSerializer
reads back, for every value the cache stores (each pickle protocol, integers as digits)
and for bytes that are neither (the same answer or the same exception)."""

import datetime
import os
import pickle
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisSerializer

from huntzen.cache_values import PickleFirstSerializer

VALUES = [
    0,
    1,
    -1,
    10**40,
    -(10**40),
    True,
    False,
    None,
    1.5,
    "",
    "42",
    " 42 ",
    "\u2028é😀",
    b"",
    b"42",
    b"\x80",
    os.urandom(14000),
    ("a" * 32,),
    (("t" * 32,), b'{"slots":[]}' * 1000),
    (
        ("t" * 32,),
        (
            datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC),
            datetime.datetime.max.replace(tzinfo=datetime.UTC),
            b"x" * 9000,
        ),
    ),
    {"user": uuid.uuid4(), "perms": frozenset({"accounts.booking_create"})},
    [1, [2, [3]]],
]

# Raw bytes that no dumps wrote: Django's answer, or its exception, must be ours.
RAW = [
    b"7",
    b" -12 ",
    b"1_000",
    b"\x80",
    b"\x80\x05",
    b"\x80\x05K\x07.",
    b"\x80\x02X\x01\x00\x00\x00a.",
    b"\x80\xff",
    b"(lp0\n.",
    b"I42\n.",
    b"garbage",
    b"",
    b"\x00" * 100,
]


def _outcome(loads, data):
    try:
        return ("value", loads(data))
    except Exception as error:  # the same kind of failure, whichever it is
        return ("error", type(error))


@pytest.mark.parametrize("protocol", [None, 0, 1, 2, 3, 4, 5])
def test_every_stored_value_reads_back_as_djangos(protocol):
    django, ours = RedisSerializer(protocol), PickleFirstSerializer(protocol)
    for value in VALUES:
        stored = django.dumps(value)
        assert ours.dumps(value) == stored
        data = str(stored).encode() if type(stored) is int else stored  # as Redis returns it
        assert _outcome(ours.loads, data) == _outcome(django.loads, data)
        assert ours.loads(data) == value


def test_bytes_no_dumps_wrote_read_as_djangos():
    django, ours = RedisSerializer(), PickleFirstSerializer()
    for data in RAW + [pickle.dumps(value, 0) for value in VALUES]:
        assert _outcome(ours.loads, data) == _outcome(django.loads, data), data


def test_the_default_cache_reads_with_it(settings):
    cache = caches["default"]
    client = getattr(cache, "_cache", None)
    if client is None:
        pytest.skip("the default cache is not Redis in this run")
    assert isinstance(client._serializer, PickleFirstSerializer)

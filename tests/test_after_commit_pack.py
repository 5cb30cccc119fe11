"""huntzen/after_commit.py writes its commands out by hand: the very bytes redis-py's
`pack_command` writes for them (the batch's kinds of arguments: text, binary values,
integers)."""

import pickle

import pytest
from redis.connection import Connection

from huntzen.after_commit import pack

COMMANDS = [
    ("SET", "prefix:1:slots:generation:0f", pickle.dumps("é" * 3), "EX", 86400),
    ("DEL", "prefix:1:slots:generation:0f"),
    ("LPUSH", "huntzen:celery", '{"body": "W1siYSJd", "headers": {"argsrepr": "(\'é\',)"}}'),
    ("PUBLISH", "huntzen__group__chat.0f", bytes(range(256)) + b"\r\n\r\n$3\r\n"),
    ("SET", "k", b"", "EX", 0),
]


@pytest.mark.parametrize("args", COMMANDS)
def test_a_command_is_packed_as_redis_py_packs_it(args):
    assert pack(args) == b"".join(Connection().pack_command(*args))

"""Counting what this process sends to Redis, at the connection (below redis-py's client
and huntzen.cache.run_script's EVALSHA written out by hand)."""

from redis.connection import AbstractConnection


def redis_commands(monkeypatch) -> list[str]:
    """The name of each command this process sends to Redis from now on (a pipeline's
    first command only), in order."""
    sent = []
    original = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        data = command if isinstance(command, bytes) else b"".join(command)
        sent.append(data.split(b"\r\n", 3)[2].decode().upper())
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent

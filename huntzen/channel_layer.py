"""The channel layer: channels_redis's pub/sub layer, its messages sealed with AES-GCM,
a group's members on this process served without Redis.

Everything a process publishes for sockets (a chat message's frame, a consultation's
status, a session's end) crosses Redis pub/sub, so it is sealed there and opened by the
receiving process. channels_redis seals with Fernet (AES-CBC and HMAC-SHA256, built
anew in Python for every message: a sixth of the event loop's CPU per chat message in
bench/profiles/hc-chat, one seal and one opening per socket of the room in the
process). AES-256-GCM seals and authenticates in one call of one object made once per
key, with the same guarantees: nothing readable in Redis, anything altered or sealed
under another key refused.

A sealed message is `key id (4 bytes) | nonce (12) | ciphertext and tag`; the key id
(authenticated as associated data) names which of the keys opens it: the first key
seals, every key opens, so a key rotation keeps the processes of both generations
talking. The keys are HUNTZEN_ENCRYPTION_KEYS's, derived for this use (settings).

In-process fan-out (LocalFirstLoopLayer): a group_send hands the message at once to
the group's members on this event loop (the channels this loop layer subscribed: what
the Redis copy would have reached here), then publishes it for the other processes,
marked with this loop layer's origin (ORIGIN_KEY, inside the seal); this loop layer
drops the copy Redis brings back to it. So a room whose sockets are all on one process
is served without the round trip through Redis, and every member still gets every
message once: a member on this loop gets the local copy, every other one the Redis
copy. A group message from Redis is opened once per process (not once per socket), and
each socket unpacks its own copy (no dict shared between consumers). Direct sends
(`send`, the chat watch's pings) still go through Redis and back: they test it.

A group message may name the channel that sent it (SENDER_KEY: the chat's sending
socket, which shows its own message itself, once it is committed): that channel is not
handed its own message in process (one event dispatched per socket of the room, not
one more for the sender to drop). The key stays in the message (the Redis copy too:
the other processes do not hold that channel), so that a layer delivering to every
member (the in-memory one of the demo and the tests) still works: the sender skips its
own message by that same key.
"""

import asyncio
import functools
import hashlib
import logging
import os

import msgpack
from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close, decode_hosts
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

KEY_ID_BYTES = 4
NONCE_BYTES = 12
ORIGIN_BYTES = 8
# The key of a group message, in Redis only (sealed), naming the loop layer that sent
# it; removed before a consumer gets the message.
ORIGIN_KEY = "__origin__"
# The key of a group message naming the channel that sent it, which this loop layer does
# not hand it to (module docstring).
SENDER_KEY = "origin"


class SealedMessageError(ValueError):
    """A message that no key opens: altered, truncated, or sealed under a key this
    process does not hold. Carries no content."""


class SealedSerializer:
    """msgpack, then AES-256-GCM under the first key; opened by any key."""

    def __init__(self, keys):
        if not keys:
            raise ImproperlyConfigured("The channel layer needs at least one sealing key.")
        self.sealers = [self._sealer(key) for key in keys]
        self.openers = dict(self.sealers)

    @staticmethod
    def _sealer(key: str | bytes) -> tuple[bytes, AESGCM]:
        key = key.encode() if isinstance(key, str) else key
        key_id = hashlib.sha256(b"huntzen layer key id|" + key).digest()[:KEY_ID_BYTES]
        return key_id, AESGCM(hashlib.sha256(key).digest())

    def serialize(self, message: dict) -> bytes:
        key_id, aead = self.sealers[0]
        nonce = os.urandom(NONCE_BYTES)
        return key_id + nonce + aead.encrypt(nonce, msgpack.packb(message), key_id)

    def open(self, sealed: bytes) -> bytes:
        """The packed (msgpack) message inside `sealed`."""
        key_id = sealed[:KEY_ID_BYTES]
        aead = self.openers.get(key_id)
        if aead is None:
            raise SealedMessageError("Channel layer message under an unknown key.")
        nonce = sealed[KEY_ID_BYTES : KEY_ID_BYTES + NONCE_BYTES]
        try:
            return aead.decrypt(nonce, sealed[KEY_ID_BYTES + NONCE_BYTES :], key_id)
        except Exception:  # InvalidTag, or a message too short to hold a tag
            raise SealedMessageError("Channel layer message failed authentication.") from None

    def deserialize(self, sealed: bytes) -> dict:
        return msgpack.unpackb(self.open(sealed))


class Opened:
    """A group message already opened (or never sealed: sent on this loop), packed:
    each consumer's queue holds one, and unpacks its own copy on receive."""

    __slots__ = ("packed",)

    def __init__(self, packed: bytes):
        self.packed = packed

    def unpack(self) -> dict:
        message = msgpack.unpackb(self.packed)
        message.pop(ORIGIN_KEY, None)
        return message


class OriginAwareShard(RedisSingleShardConnection):
    """A shard connection whose group messages are opened once, and dropped when this
    loop layer sent them (its members got them in group_send)."""

    def _receive_message(self, message):
        if message is None:
            return
        layer, name, data = self.channel_layer, message["channel"], message["data"]
        if isinstance(name, bytes):
            name = name.decode()
        if name in layer.channels:
            layer.channels[name].put_nowait(data)  # a direct send: opened on receive
            return
        members = layer.groups.get(name)
        if not members:
            return
        try:
            packed = layer.channel_layer._serializer.open(data)
            origin = msgpack.unpackb(packed).get(ORIGIN_KEY)
        except (SealedMessageError, ValueError):
            # Dropped, and the next message is delivered: an altered message must not
            # stall the receive loop (channels_redis sleeps a second on an error).
            logger.error("Channel layer: a group message failed to open; dropped")
            return
        if origin == layer.origin:
            return
        for channel in members:
            queue = layer.channels.get(channel)
            if queue is not None:
                queue.put_nowait(Opened(packed))


class LocalFirstLoopLayer(RedisPubSubLoopLayer):
    """channels_redis's per-loop layer, whose group_send serves this loop's members
    directly (module docstring)."""

    def __init__(self, hosts=None, *args, **kwargs):
        super().__init__(hosts, *args, **kwargs)
        self.origin = os.urandom(ORIGIN_BYTES)
        self._shards = [OriginAwareShard(host, self) for host in decode_hosts(hosts)]

    async def group_send(self, group, message):
        group_channel = self._get_group_channel_name(group)
        members = self.groups.get(group_channel)
        if members:
            packed = msgpack.packb(message)  # the Redis copy's types (lists, not tuples)
            sender = message.get(SENDER_KEY)
            for channel in members:
                queue = self.channels.get(channel)
                if queue is not None and channel != sender:
                    queue.put_nowait(Opened(packed))
        shard = self._get_shard(group_channel)
        sealed = self.channel_layer.serialize({**message, ORIGIN_KEY: self.origin})
        await shard.publish(group_channel, sealed)


class SealedPubSubChannelLayer(RedisPubSubChannelLayer):
    """channels_redis's pub/sub layer whose messages are sealed by SealedSerializer
    under `sealing_keys` (CONFIG), instead of its own Fernet, and whose group messages
    reach this loop's members without Redis (LocalFirstLoopLayer)."""

    def __init__(self, *args, sealing_keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._serializer = SealedSerializer(list(sealing_keys))

    def group_send_in(self, batch, group: str, message: dict, *, failed) -> bool:
        """`group_send(group, message)` as one PUBLISH of `batch` (huntzen/after_commit.py),
        for sync code outside any event loop: what a loop layer's group_send publishes
        (sealed, marked with an origin no loop layer holds, so every one of them hands
        it to its members). False, nothing queued, where that is not all group_send
        would do: several hosts or another Redis than the batch's, or a member of the
        group on one of this process's loop layers (served in process by group_send)."""
        hosts = decode_hosts(self._kwargs.get("hosts"))
        if len(hosts) != 1 or hosts[0].get("address") != batch.url:
            return False
        group_channel = f"{self._kwargs.get('prefix', 'asgi')}__group__{group}"
        if any(layer.groups.get(group_channel) for layer in list(self._layers.values())):
            return False
        sealed = self.serialize({**message, ORIGIN_KEY: self._batch_origin})
        batch.add("PUBLISH", group_channel, sealed, failed=failed)
        return True

    @functools.cached_property
    def _batch_origin(self) -> bytes:
        return os.urandom(ORIGIN_BYTES)

    def deserialize(self, message):
        if isinstance(message, Opened):
            return message.unpack()
        return self._serializer.deserialize(message)

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = self._layers[loop] = LocalFirstLoopLayer(
                *self._args, **self._kwargs, channel_layer=self
            )
            _wrap_close(self, loop)
            return layer

"""The channel layer: channels_redis's pub/sub layer, its messages sealed with AES-GCM.

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
"""

import hashlib
import os

import msgpack
from channels_redis.pubsub import RedisPubSubChannelLayer
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

KEY_ID_BYTES = 4
NONCE_BYTES = 12


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

    def deserialize(self, sealed: bytes) -> dict:
        key_id = sealed[:KEY_ID_BYTES]
        aead = self.openers.get(key_id)
        if aead is None:
            raise SealedMessageError("Channel layer message under an unknown key.")
        nonce = sealed[KEY_ID_BYTES : KEY_ID_BYTES + NONCE_BYTES]
        try:
            data = aead.decrypt(nonce, sealed[KEY_ID_BYTES + NONCE_BYTES :], key_id)
        except Exception:  # InvalidTag, or a message too short to hold a tag
            raise SealedMessageError("Channel layer message failed authentication.") from None
        return msgpack.unpackb(data)


class SealedPubSubChannelLayer(RedisPubSubChannelLayer):
    """channels_redis's pub/sub layer whose messages are sealed by SealedSerializer
    under `sealing_keys` (CONFIG), instead of its own Fernet."""

    def __init__(self, *args, sealing_keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._serializer = SealedSerializer(list(sealing_keys))

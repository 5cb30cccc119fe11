"""AES-256-GCM for medical content.

A sealed value is the text ``<key id>:<base64url(nonce || ciphertext || tag)>``: the key
id travels with the ciphertext so keys can rotate. Every write draws a fresh 12-byte
nonce. The associated data binds a ciphertext to its table, row, owner and field, so a
ciphertext copied to another row or owner fails to decrypt instead of reading as valid.
"""

import base64
import binascii
import functools
import os
import uuid
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12
_URLSAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


class DecryptionError(Exception):
    """The sealed value is malformed, tampered with, moved, or its key is unknown.

    Never carries any plaintext or ciphertext in its message.
    """


def associated_data(*, table: str, row_id, owner_id, field: str) -> bytes:
    return f"huntzen-care/v1|{table}|{_as_str(row_id)}|{_as_str(owner_id)}|{field}".encode()


def associated_data_of_fields(*, table: str, row_id, owner_id, fields) -> tuple[bytes, ...]:
    """`associated_data` of each of one row's `fields`, the row's part written once
    (a list unseals two fields per row)."""
    row = f"huntzen-care/v1|{table}|{_as_str(row_id)}|{_as_str(owner_id)}|"
    return tuple(f"{row}{field}".encode() for field in fields)


def associated_data_writer(*, table: str, fields) -> Callable[..., tuple[bytes, ...]]:
    """`associated_data_of_fields(table=table, row_id=…, owner_id=…, fields=fields)` as a
    function of the row and owner ids, for the rows of a list: the table's and the
    fields' parts written once."""
    head = f"huntzen-care/v1|{table}|"
    tails = tuple(field.encode() for field in fields)

    def of(row_id, owner_id) -> tuple[bytes, ...]:
        # _as_str of each id, written inline (two calls of fifty-odd a list).
        row_id = row_id.hex if isinstance(row_id, uuid.UUID) else row_id
        owner_id = owner_id.hex if isinstance(owner_id, uuid.UUID) else owner_id
        return tuple(map(f"{head}{row_id}|{owner_id}|".encode().__add__, tails))

    return of


def _as_str(value) -> str:
    return value.hex if isinstance(value, uuid.UUID) else str(value)


def _key_ring() -> list[tuple[str, bytes]]:
    return settings.HUNTZEN_ENCRYPTION_KEYS


def current_key_id() -> str:
    return _key_ring()[0][0]


def _key(key_id: str) -> bytes | None:
    """The key named `key_id` in the ring as configured now (None if it is not there)."""
    for ring_id, key in _key_ring():
        if ring_id == key_id:
            return key
    return None


@functools.lru_cache(maxsize=16)
def _aead(key: bytes) -> AESGCM:
    """One AESGCM per key and process: building it was most of an unseal's cost. Keyed
    on the key bytes and always reached through the ring (`_key`), so a key rotated out
    or removed from the ring stops decrypting at once (tests/medical/test_crypto.py)."""
    return AESGCM(key)


def seal(plaintext: str, *, aad: bytes) -> str:
    return seal_bytes(plaintext.encode("utf-8"), aad=aad)


def seal_bytes(data: bytes, *, aad: bytes) -> str:
    """`seal` for binary content (a personal-data archive): the same sealed format."""
    key_id, key = _key_ring()[0]
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = _aead(key).encrypt(nonce, data, aad)
    return f"{key_id}:{base64.urlsafe_b64encode(nonce + ciphertext).decode('ascii')}"


def unseal(sealed: str, *, aad: bytes) -> str:
    return _open(sealed, aad, _aead_of, True)


def unseal_bytes(sealed: str, *, aad: bytes) -> bytes:
    return _open(sealed, aad, _aead_of, False)


def unsealer() -> Callable[..., str]:
    """`unseal` for the many values of one list or page: the key ring read once (a
    key rotated out of the ring stops decrypting from the next request on), not once
    per value through the settings. Decryption itself stays per value."""
    ring: dict[str, AESGCM] = {}
    for key_id, key in _key_ring():
        ring.setdefault(key_id, _aead(key))  # the first of a repeated id, as _key reads
    aead_of = ring.get

    def unseal_(sealed: str, *, aad: bytes) -> str:
        return _open(sealed, aad, aead_of, True)

    return unseal_


def _aead_of(key_id: str) -> AESGCM | None:
    key = _key(key_id)
    return None if key is None else _aead(key)


def _open(sealed: str, aad: bytes, aead_of: Callable[[str], AESGCM | None], text: bool):
    """The one reader of the sealed format, for `unseal`, `unseal_bytes` and every
    `unsealer`: the plaintext's bytes, or its text when `text` (one call per value, not
    a text layer over a bytes layer: a list unseals sixty values a request)."""
    key_id, _, encoded = (sealed or "").partition(":")
    aead = aead_of(key_id)
    if aead is None:
        raise DecryptionError(f"Unknown or missing encryption key id {key_id!r}.")
    try:
        # base64.urlsafe_b64decode's own two steps, without its two layers of calls.
        raw = binascii.a2b_base64(encoded.encode("ascii").translate(_URLSAFE_TO_STANDARD))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise DecryptionError("Malformed sealed value.") from None
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptionError("Malformed sealed value.")
    try:
        data = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
        return data.decode() if text else data
    except InvalidTag:
        raise DecryptionError("Sealed value failed authentication.") from None
    except UnicodeDecodeError:
        raise DecryptionError("Sealed value is not text.") from None


def key_id_of(sealed: str) -> str:
    return (sealed or "").partition(":")[0]


def reseal(sealed: str, *, aad: bytes) -> str:
    """Re-encrypt under the newest key (rotation); returns the value unchanged if it is."""
    if key_id_of(sealed) == current_key_id():
        return sealed
    # Bytes in, bytes out: text and binary values rotate alike.
    return seal_bytes(unseal_bytes(sealed, aad=aad), aad=aad)

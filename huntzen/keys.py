"""Parse HUNTZEN_ENCRYPTION_KEYS: comma-separated ``id:key`` pairs, key = 32 bytes
in URL-safe base64. The first key encrypts; every key decrypts."""

import base64
import binascii
import re
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
KEY_BYTES = 32


def generate_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def parse_encryption_keys(raw: str) -> list[tuple[str, bytes]]:
    keys: list[tuple[str, bytes]] = []
    for position, pair in enumerate((p.strip() for p in raw.split(",")), start=1):
        if not pair:
            continue
        key_id, sep, encoded = pair.partition(":")
        if not sep or not KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(
                f"HUNTZEN_ENCRYPTION_KEYS entry {position} must look like 'id:base64key' "
                "with an id of letters, digits, '-' or '_'."
            )
        try:
            key = base64.urlsafe_b64decode(encoded.encode() + b"=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(
                f"HUNTZEN_ENCRYPTION_KEYS key {key_id!r} is not URL-safe base64."
            ) from None
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"HUNTZEN_ENCRYPTION_KEYS key {key_id!r} must decode to {KEY_BYTES} bytes, "
                f"got {len(key)}. Generate one with: python manage.py generate_encryption_key"
            )
        if any(existing == key_id for existing, _ in keys):
            raise ImproperlyConfigured(f"HUNTZEN_ENCRYPTION_KEYS repeats the id {key_id!r}.")
        keys.append((key_id, key))
    if not keys:
        raise ImproperlyConfigured("HUNTZEN_ENCRYPTION_KEYS is empty.")
    return keys


def dev_encryption_keys(path: Path) -> str:
    """Demo mode only: a key kept in a local file so the demo journal survives restarts."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = f"dev:{generate_key()}"
    path.write_text(value + "\n")
    path.chmod(0o600)
    print(f"HuntZen demo: generated a development encryption key in {path}")  # noqa: T201
    return value

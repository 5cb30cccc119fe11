"""Production settings refuse to start without their secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


def _check(**env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "HUNTZEN_ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL"}
    }
    base.update({"DEBUG": "false", "ALLOWED_HOSTS": "care.example.com", **env})
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_secret_key():
    result = _check(HUNTZEN_ENCRYPTION_KEYS=GOOD_KEY)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_to_start_without_encryption_keys():
    result = _check(SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "HUNTZEN_ENCRYPTION_KEYS is not set" in result.stderr


@pytest.mark.parametrize(
    "keys, message",
    [
        ("k1:c2hvcnQ=", "must decode to 32 bytes"),
        ("nocolon", "must look like 'id:base64key'"),
        ("k1:!!!!", "must decode to 32 bytes"),
        (f"{GOOD_KEY},{GOOD_KEY}", "repeats the id"),
    ],
)
def test_it_refuses_malformed_encryption_keys(keys, message):
    result = _check(SECRET_KEY="x" * 60, HUNTZEN_ENCRYPTION_KEYS=keys)
    assert result.returncode != 0
    assert message in result.stderr


def test_it_starts_with_both_secrets():
    result = _check(SECRET_KEY="x" * 60, HUNTZEN_ENCRYPTION_KEYS=GOOD_KEY)
    assert result.returncode == 0, result.stderr

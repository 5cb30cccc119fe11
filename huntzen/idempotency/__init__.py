"""Idempotency-Key on API writes: a retry answers the first answer (huntzen/idempotency/keys.py)."""

"""Test environment: set before Django reads its settings."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault(
    "HUNTZEN_ENCRYPTION_KEYS",
    "test1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=,"
    "test0:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
)
# A pool per test process would keep connections across test-database teardown.
os.environ.setdefault("DATABASE_POOL", "false")
os.environ.setdefault("HUNTZEN_MFA_REQUIRED_ROLES", "")
# Tasks run in the test process after commit, even where REDIS_URL is set (CI); the
# broker tests switch the Celery app to Redis themselves (tests/outbox).
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

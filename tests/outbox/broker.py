"""The Celery app switched to a real broker for one test, and real worker processes."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings

from huntzen.celery import app as celery_app

PREFIX = "test-outbox"
ROOT = Path(__file__).resolve().parents[2]


def clear_queue() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(f"{PREFIX}:*"):
        client.delete(key)


@contextmanager
def broker(url: str):
    """The Celery app on `url`, not eager, with this test module's own key prefix."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, dict(conf.broker_transport_options))
    conf.broker_url = url
    conf.task_always_eager = False
    conf.broker_transport_options = {**saved[2], "global_keyprefix": f"{PREFIX}:"}
    celery_app._after_fork()  # drop connections made with the previous URL
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager, conf.broker_transport_options = saved
        celery_app._after_fork()


def wait_until(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def start_worker_process(**environment) -> subprocess.Popen:
    """`celery -A huntzen worker` in its own process, on this test's database (the test
    database pytest-django made) and Redis, with `environment` on top."""
    db = settings.DATABASES["default"]
    database_url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "DATABASE_POOL": "false",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_KEY_PREFIX": PREFIX,
        **environment,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "huntzen", "worker", "--pool", "solo"]
        + ["--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

"""Real daphne processes on loopback for the multi-process and browser tests.

They must use the test's own database: a transactional test commits its data, and the
processes get that database's name (pytest-django's test_<name>, read from the live
connection) in DATABASE_URL, with the same SECRET_KEY (sessions) and encryption keys.
"""

import base64
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """A postgres:// URL naming the database this test runs in."""
    params = connection.settings_dict
    assert connection.vendor == "postgresql", "the processes must share the test database"
    user = quote(params.get("USER") or "postgres")
    password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


def _wait_for(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"daphne did not listen on {port} within {timeout}s")


class Ports(list):
    """The ports of the daphne processes, in order; `.processes` are the processes
    (the fault tests kill one)."""

    processes: list


@contextmanager
def daphne_processes(count: int, *, extra_env: dict | None = None):
    """Start `count` daphne processes serving huntzen.asgi on free loopback ports,
    sharing the test database and Redis (or what `extra_env` names instead); yields
    their Ports."""
    env = {
        **os.environ,
        "DEBUG": "true",
        "SECRET_KEY": settings.SECRET_KEY,
        "HUNTZEN_ENCRYPTION_KEYS": ",".join(
            f"{key_id}:{_b64(key)}" for key_id, key in settings.HUNTZEN_ENCRYPTION_KEYS
        ),
        "DATABASE_URL": test_database_url(),
        "DATABASE_POOL": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # A prefix of their own: nothing crosses with another test run on the same Redis.
        "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
        "PYTHONUNBUFFERED": "1",
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    env.update(extra_env or {})
    processes, ports = [], [free_port() for _ in range(count)]
    # Pages and sockets of every process are the site's (huntzen.origins).
    env["CSRF_TRUSTED_ORIGINS"] = ",".join(
        f"http://{host}:{port}" for port in ports for host in ("127.0.0.1", "localhost")
    )
    # DAPHNE_TEST_LOG=<file>: keep the processes' log there, to debug a failure.
    keep = os.environ.get("DAPHNE_TEST_LOG")
    log = open(keep, "ab") if keep else tempfile.TemporaryFile()  # noqa: SIM115
    try:
        for port in ports:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "huntzen.asgi:application",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                # A file, not a pipe nobody reads: a process logging much (the fault
                # tests) would block once a pipe's buffer is full.
                stderr=log,
            )
            processes.append(process)
        for port, process in zip(ports, processes, strict=True):
            _wait_for(port, process)
        yield_ports = Ports(ports)
        yield_ports.processes = processes
        yield yield_ports
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def _b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")

"""Fault injection on loopback for the HTTP fault tests and bench/faults.py: a daphne
process in production mode (DEBUG off, psycopg pool), a TCP proxy in front of
PostgreSQL that can cut every connection and refuse new ones (what a PostgreSQL restart
or outage does to the application, without touching the server others use), a private
redis-server, and raw HTTP requests, including one whose client leaves early."""

import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {timeout}s")


def _b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")


def production_env(*, database_url: str, secret_key: str, encryption_keys, **extra) -> dict:
    """The environment of a daphne process run as in production (DEBUG off, the pool on),
    on plain HTTP over loopback."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "HUNTZEN_ENCRYPTION_KEYS": ",".join(f"{i}:{_b64(k)}" for i, k in encryption_keys),
        "DATABASE_URL": database_url,
        "DATABASE_POOL": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HUNTZEN_HTTPS": "false",
        "HUNTZEN_MFA_REQUIRED_ROLES": "",
        "HUNTZEN_API_DOCS": "public",
        "CHANNEL_LAYER_PREFIX": f"faults-{uuid.uuid4().hex[:12]}",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    env.update({key: str(value) for key, value in extra.items()})
    return env


@dataclass
class Daphne:
    port: int
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def daphne(env: dict, *, application_close_timeout: int = 10):
    """One daphne process serving huntzen.asgi on a free loopback port."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "daphne.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "--application-close-timeout",
                    str(application_close_timeout),
                    "huntzen.asgi:application",
                ],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(port, process)
            yield Daphne(port, process, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    seconds: float


def request(port: int, path: str, *, cookie: str = "", headers=None, timeout=30.0) -> Answer:
    """One HTTP/1.0 GET over a fresh socket; the whole answer and how long it took."""
    lines = [f"GET {path} HTTP/1.0", "Host: 127.0.0.1"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    answer_headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        answer_headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), answer_headers, body, time.monotonic() - started)


def request_and_leave(port: int, path: str, *, cookie: str = "", after: float = 0.3) -> None:
    """A client that sends its request and goes away before the answer (a browser tab
    closed, a proxy's timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if cookie:
            head += f"Cookie: {cookie}\r\n"
        sock.sendall((head + "\r\n").encode())
        time.sleep(after)


class CuttableProxy:
    """A TCP proxy on loopback. `down()` cuts every connection through it and refuses
    new ones (PostgreSQL stopped); `up()` accepts again (PostgreSQL back)."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = None
        self._stopped = threading.Event()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        self._stopped.clear()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        self._stopped.set()
        if self._listener is not None:
            try:  # wakes the thread blocked in accept(); close() alone would not
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets |= {client, server}
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source, target) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@contextmanager
def private_redis():
    """A redis-server of our own on a free port (no disk); yields its port. Stopping it
    is the test's business (`stop_redis`), restarting it `start_redis` on the same port."""
    port = free_port()
    holder = {"process": start_redis(port)}
    try:
        yield port, holder
    finally:
        stop_redis(holder["process"])


def start_redis(port: int) -> subprocess.Popen:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, process, timeout=10)
    return process


def stop_redis(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class SmtpSink:
    """An SMTP server on loopback that `accepts` (stores each message), `refuses` (554 on
    connect) or stays `silent` (takes the connection, never greets)."""

    def __init__(self, mode: str):
        assert mode in ("accepting", "refusing", "silent")
        self.mode = mode
        self.messages: list[bytes] = []
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        for sock in self._held:
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "silent":
                self._held.append(sock)
            elif self.mode == "refusing":
                sock.sendall(b"554 5.3.2 Service not available\r\n")
                sock.close()
            else:
                threading.Thread(target=self._converse, args=(sock,), daemon=True).start()

    def _converse(self, sock) -> None:
        reader = sock.makefile("rb")

        def say(line: bytes) -> None:
            sock.sendall(line + b"\r\n")

        say(b"220 sink ESMTP")
        try:
            while line := reader.readline():
                verb = line.split(b" ", 1)[0].strip().upper()
                if verb in (b"EHLO", b"HELO"):
                    say(b"250 sink")
                elif verb == b"DATA":
                    say(b"354 go ahead")
                    data = []
                    while (chunk := reader.readline()) not in (b".\r\n", b""):
                        data.append(chunk)
                    self.messages.append(b"".join(data))
                    say(b"250 queued")
                elif verb == b"QUIT":
                    say(b"221 bye")
                    return
                else:
                    say(b"250 ok")
        finally:
            sock.close()


@contextmanager
def smtp_sink(mode: str):
    sink = SmtpSink(mode)
    try:
        yield sink
    finally:
        sink.close()

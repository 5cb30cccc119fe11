"""Shared by the chat fault tests: a private redis-server on a free loopback port (so
stopping it disturbs nobody else's Redis), real websocket clients, and frame helpers.
Everything is bounded in time: a hung step fails the test, it never hangs CI."""

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from tests.chat.servers import free_port

STEP = 10.0  # seconds any single step (connect, frame, restart) may take


class PrivateRedis:
    """A redis-server of the test's own, without persistence; `stop` and `start`
    again on the same port, as an outage and its recovery look to clients."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="h-redis-")
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STEP
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STEP)
        self.process = None


@contextmanager
def private_redis():
    redis = PrivateRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()
        shutil.rmtree(redis.dir, ignore_errors=True)


async def open_socket(port, consultation, cookie, **kwargs):
    return await connect(
        f"ws://127.0.0.1:{port}/ws/chat/{consultation.pk}/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=STEP,
        **kwargs,
    )


async def frame(ws, timeout=STEP) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=timeout))


async def next_of(ws, frame_type, *, timeout=STEP, **match) -> dict:
    """The next frame of `frame_type` whose fields equal `match` (skips the others)."""
    deadline = time.monotonic() + timeout
    while True:
        got = await frame(ws, timeout=max(0.01, deadline - time.monotonic()))
        if got["type"] == frame_type and all(got.get(k) == v for k, v in match.items()):
            return got


async def joined(port, consultation, cookie, **kwargs):
    """An open socket past its ready frame; returns (socket, first history frame)."""
    ws = await open_socket(port, consultation, cookie, **kwargs)
    assert (await frame(ws))["type"] == "ready"
    history = await frame(ws)
    assert history["type"] == "history", history
    return ws, history


async def joined_when_back(port, consultation, cookie, *, within=3 * STEP):
    """Reconnect as the page does (retrying what closes 4503 or cannot connect) until
    the socket is ready; bounded by `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            return await joined(port, consultation, cookie)
        except (OSError, TimeoutError, AssertionError, WebSocketException) as error:
            if time.monotonic() > deadline:
                raise AssertionError(f"no socket within {within}s: {error!r}") from error
            await asyncio.sleep(0.3)


def message(body, client_id) -> str:
    return json.dumps({"type": "message", "body": body, "clientMessageId": client_id})

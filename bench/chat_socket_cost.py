"""In-process cost of the chat's websocket path, whole: what one daphne process spends per
connect and per message, less daphne's own framing (Twisted, autobahn), which no chat
change moves. The ASGI application of huntzen.asgi (the guard, the origin check, the
cookie session, the consumer) on the real Redis channel layer and PostgreSQL, driven by
a minimal in-process client (Socket, below): a connect is the handshake to the `history`
frame; a message is one participant's frame until the other participant's socket (same
process) has sent it on, and the sender's own copy too.

Prints, per phase, the CPU ms of this process (every thread: the event loop and the
database threads) per connect and per message, and the wall ms per message (p50/p99)
when messages go one at a time, until both copies (the sender's confirmation too) and
until the other participant's (what the chat's latency goal counts). Under valgrind
(callgrind), `os.getppid()` is called between phases, so that
`--dump-before=os_getppid` dumps one counter per phase:

    .venv/bin/python bench/chat_socket_cost.py [--rooms 50] [--messages 400]
    valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file=/tmp/cg \\
        .venv/bin/python bench/chat_socket_cost.py --rooms 20 --messages 100
    # /tmp/cg.2: the connects, /tmp/cg.3: the messages (summary: instructions)

Uses the database and rooms of bench/chat_load.py (run that once first; `--phases none`
makes them without running anything). The per-socket and per-user flood limits are
raised out of the way (the flood counter's Redis round trip still runs); so are the
time-driven re-checks and pings (see run()). `--profile connect|message` prints
cProfile's top functions of the event loop's thread (its CPU time) over the connects, or
over a second pass of the messages (the database threads are not profiled:
chat_message_cost.py is their part). --offset picks other rooms, so that two runs do not
hear each other's messages.
"""

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from chat_load import ENV  # noqa: E402

ORIGIN = "http://chat-bench.test"
os.environ.update(ENV)
os.environ["CSRF_TRUSTED_ORIGINS"] = ORIGIN
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "30"))  # seconds; valgrind is slow


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Socket:
    """One websocket connection to the ASGI application, as daphne drives it (an input
    queue, `send` the output), without the test communicator's per-event patching of
    close_old_connections (a third of the client side's cost)."""

    def __init__(self, application, path: str, headers):
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "scheme": "ws",
        }
        self.input, self.output = asyncio.Queue(), asyncio.Queue()
        self.task = asyncio.ensure_future(application(scope, self.input.get, self.output.put))

    async def connect(self) -> None:
        await self.input.put({"type": "websocket.connect"})
        event = await asyncio.wait_for(self.output.get(), TIMEOUT)
        assert event["type"] == "websocket.accept", event

    async def send(self, text: str) -> None:
        await self.input.put({"type": "websocket.receive", "text": text})

    async def receive(self) -> str:
        event = await asyncio.wait_for(self.output.get(), TIMEOUT)
        assert event["type"] == "websocket.send", event
        return event["text"]

    async def disconnect(self) -> None:
        await self.input.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self.task, TIMEOUT)


async def receive_type(socket: Socket, kind: str) -> dict:
    """The next frame of type `kind` on `socket` (others are skipped)."""
    while True:
        frame = json.loads(await socket.receive())
        if frame["type"] == kind:
            return frame
        if frame["type"] == "error":
            raise RuntimeError(frame)


async def open_room(application, room) -> list[Socket]:
    sockets = []
    for cookie in room["cookies"]:
        socket = Socket(
            application,
            f"/ws/chat/{room['id']}/",
            [(b"origin", ORIGIN.encode()), (b"cookie", f"sessionid={cookie}".encode())],
        )
        await socket.connect()
        await receive_type(socket, "ready")
        await receive_type(socket, "history")
        sockets.append(socket)
    return sockets


async def one_message(pair, n: int) -> float:
    """Sends one message; returns when the other participant's socket had it
    (perf_counter), having waited for the sender's own copy (its confirmation) too."""
    sender, other = pair
    client_id = uuid.uuid4().hex
    await sender.send(
        json.dumps(
            {"type": "message", "body": f"bench {n} " + "x" * 64, "clientMessageId": client_id}
        )
    )
    received = None
    for socket in (other, sender):  # the other participant's copy, then the sender's own
        while (await receive_type(socket, "message"))["clientMessageId"] != client_id:
            pass  # an earlier run's leftover: run one bench at a time on these rooms
        received = received or time.perf_counter()
    return received


def cpu() -> float:
    return time.process_time()


async def run(args) -> None:
    from chat import consumers, flood, watch
    from huntzen.asgi import application

    flood.USER_MESSAGES_PER_WINDOW = 10**9
    consumers.MESSAGES_PER_WINDOW = consumers.FRAMES_PER_WINDOW = 10**9
    # What runs per second of wall time, not per message: each socket's re-check after
    # RECHECK_DELIVERIES_AFTER and the layer watch's pings. Under valgrind a phase lasts
    # minutes, and they made most of the count (--recheck measures the re-check alone).
    consumers.RECHECK_DELIVERIES_AFTER = 0 if args.recheck else 10**9
    # --recheck: every event waits for its own re-check, and the socket's timer never
    # fires (at 0 s it started background re-checks whose number depended on timing).
    consumers.RECHECK_FROM = consumers.RECHECK_UNTIL = 10**9
    watch.PING_EVERY = 10**6

    saved = sorted((ROOT / "var" / "bench").glob("chat-rooms-*.json"))
    if not saved:
        sys.exit("run bench/chat_load.py first (it makes the rooms)")
    rooms = json.loads(saved[-1].read_text())[args.offset : args.offset + args.rooms + 1]
    # Warm-up: one room, connected and a few messages (imports, pools, prepared SQL).
    warm = await open_room(application, rooms.pop())
    for n in range(5):
        await one_message(warm, n)
    profile = cProfile.Profile(time.thread_time) if args.profile else None

    os.getppid()  # callgrind: dump (everything before the connects)
    started, wall = cpu(), time.perf_counter()
    pairs = []
    if profile and args.profile == "connect":
        profile.enable()
    for start in range(0, len(rooms), args.batch):
        pairs += await asyncio.gather(
            *(open_room(application, room) for room in rooms[start : start + args.batch])
        )
    if profile and args.profile == "connect":
        profile.disable()
    connect_cpu, connect_wall = cpu() - started, time.perf_counter() - wall
    os.getppid()  # callgrind: dump (the connects)

    latencies, delivered = [], []
    started, wall = cpu(), time.perf_counter()
    if args.concurrent:
        for start in range(0, args.messages, len(pairs)):
            count = min(len(pairs), args.messages - start)
            await asyncio.gather(*(one_message(pairs[i], start + i) for i in range(count)))
    else:
        for n in range(args.messages):
            began = time.perf_counter()
            received = await one_message(pairs[n % len(pairs)][:: 1 if n % 2 else -1], n)
            latencies.append((time.perf_counter() - began) * 1000)
            delivered.append((received - began) * 1000)
    message_cpu, message_wall = cpu() - started, time.perf_counter() - wall
    os.getppid()  # callgrind: dump (the messages)

    sockets = len(pairs) * 2
    print(
        f"# {len(pairs)} rooms ({sockets} sockets), {args.messages} messages "
        f"({'concurrent' if args.concurrent else 'one at a time'}); load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"connect: {connect_cpu * 1000 / sockets:.2f} CPU ms per socket "
        f"({connect_wall:.2f} s wall for {sockets})"
    )
    line = f"message: {message_cpu * 1000 / args.messages:.2f} CPU ms per message"
    if latencies:
        line += (
            f", wall p50 {statistics.median(latencies):.2f} ms, "
            f"p99 {percentile(latencies, 99):.2f} ms; to the other participant p50 "
            f"{statistics.median(delivered):.2f} ms, p99 {percentile(delivered, 99):.2f} ms"
        )
    print(line + f" ({message_wall:.2f} s wall)")
    if profile and args.profile == "message":
        profile.enable()
        for n in range(args.messages):
            await one_message(pairs[n % len(pairs)], n)
        profile.disable()
    if profile:
        stats = pstats.Stats(profile)
        stats.sort_stats(args.sort).print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)

    for socket in [s for pair in [*pairs, warm] for s in pair]:
        await socket.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--batch", type=int, default=10, help="rooms connecting together")
    parser.add_argument(
        "--offset", type=int, default=0, help="skip that many rooms (two runs side by side)"
    )
    parser.add_argument(
        "--concurrent", action="store_true", help="one message per room at once, in rounds"
    )
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="every delivery re-checks the session and the join rule (their cost)",
    )
    parser.add_argument("--profile", choices=["connect", "message"])
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--callers", help="--profile: also who calls functions matching this")
    args = parser.parse_args()

    import django

    django.setup()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

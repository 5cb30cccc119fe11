"""Load benchmark of the chat: 200 concurrent rooms (400 websocket clients) on real
daphne processes sharing Redis and PostgreSQL.

Phases, all in one run:
  echo   400 clients on a bare Channels echo consumer (bench/echo_asgi.py): the round
         trip client -> daphne -> client, the floor of any websocket latency here;
  one    the chat on ONE daphne process: both participants of each room on it;
  two    the chat on TWO daphne processes: in each room the employee is on process A and
         the practitioner on process B, so every message crosses Redis between them.
In each chat phase every client sends at `--rate` messages per second (the product
allows 1 per second per connection, 10 per 10 s) for `--duration` seconds; we measure
the latency from send to receipt by the OTHER participant (same client process, one
clock), the messages per second received, and count what was lost.

Each open socket re-checks its session and the join rule in the database at most every
chat.consumers.RECHECK_DELIVERIES_AFTER seconds (30) after its join: a phase shorter
than that (the old 20 s) never meets a re-check. `--duration 45` (or `--with-rechecks`,
which sets the duration to the re-check period + 15 s) makes every socket re-check
inside the measured window; the report then gives the p99 per 5-s slice of the phase
(by the time each message was sent) too, so that a tail made by the re-checks shows
where it sits.

Loopback only; its own database (huntzen_bench_chat, recreated; BENCH_CHAT_DB names
another) and Redis db 7 (BENCH_REDIS_URL names another). Usage:

    .venv/bin/python bench/chat_load.py [--rooms 200] [--rate 0.5] [--duration 20]
    # the one-process goal (40 msg/s) and the two-process one (200 msg/s):
    .venv/bin/python bench/chat_load.py --rate 0.1 --phases echo,one --reuse-rooms
    .venv/bin/python bench/chat_load.py --rate 0.5 --phases echo,two --reuse-rooms

--profile samples the one-daphne phase with py-spy at 100 Hz; BENCH_PYSPY_FLAGS adds
flags (`--gil`: only the thread holding the GIL, i.e. Python's CPU, not its waits).
BENCH_GC=1 has the chat's daphne time each garbage collection (gc.callbacks) and print,
on exit, their count and total / max milliseconds per generation into its log
(var/bench/daphne-<port>.log), which the report repeats.
BENCH_CPROFILE=DIR runs the chat's daphne under cProfile instead (where py-spy is not
installed): DIR/1.prof the connects, DIR/2.prof the messages (bench/profiled_daphne.py).
BENCH_RECHECK_LOG=1 has the chat's daphne log chat.consumers at DEBUG: the report counts
its periodic re-checks by kind while the clients send ("Chat re-check: <kind>" lines:
`waited`, an event that waited for one; `event` / `timer`, one started in the background
by an event / by the socket's timer; `idle`, a timer that found no event since the last
check; each re-check is two statements: tests/chat/test_recheck_cost.py).
"""

import argparse
import asyncio
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = os.environ.get("BENCH_CHAT_DB", "huntzen_bench_chat")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
ENV = {
    "DJANGO_SETTINGS_MODULE": "huntzen.settings",
    # Production settings: DEBUG off (it wraps every cursor to record its statements).
    "DEBUG": "false",
    "HUNTZEN_HTTPS": "false",
    "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "HUNTZEN_ENCRYPTION_KEYS": "bench:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    "DATABASE_URL": f"{PG}/{DB_NAME}",
    "DATABASE_POOL": "true",
    "REDIS_URL": REDIS_URL,
    # Pub/sub channels are not per Redis database: BENCH_CHANNEL_PREFIX keeps runs of
    # several engineers on one Redis apart.
    "CHANNEL_LAYER_PREFIX": os.environ.get("BENCH_CHANNEL_PREFIX", "bench-chat"),
    "HUNTZEN_MFA_REQUIRED_ROLES": "",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "LOG_LEVEL": "ERROR",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
}
os.environ.update(ENV)


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare_database() -> None:
    _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _psql(f"CREATE DATABASE {DB_NAME}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        check=True,
        env={**os.environ},
    )
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, stdout=subprocess.DEVNULL)


def make_rooms(rooms: int) -> list[dict]:
    """`rooms` consultations whose chat is open, each with its two session cookies."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import Role
    from accounts.services import user_create
    from companies.services import company_activate, company_create
    from tests.consultations.factories import book

    def session(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    company = company_activate(
        company=company_create(
            name="Bench",
            siret="73282932000074",
            contact_email="bench@bench.test",
            seats=rooms + 10,
        )
    )
    at = (timezone.now() - timedelta(minutes=10)).replace(second=0, microsecond=0)
    made = []
    for i in range(rooms):
        employee = user_create(
            email=f"e{i}@bench.test",
            role=Role.EMPLOYEE,
            company=company,
            first_name="E",
            last_name=str(i),
            email_verified=True,
        )
        practitioner = user_create(
            email=f"p{i}@bench.test",
            role=Role.PRACTITIONER,
            first_name="P",
            last_name=str(i),
            email_verified=True,
        )
        consultation = book(employee, practitioner, at=at)
        made.append(
            {
                "id": str(consultation.pk),
                "cookies": (session(employee), session(practitioner)),
                "users": (str(employee.pk), str(practitioner.pk)),
            }
        )
    return made


class Daphne:
    def __init__(self, app: str, port: int, profile: Path | None = None):
        self.port, self.profile = port, profile
        log_dir = ROOT / "var" / "bench"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(log_dir / f"daphne-{port}.log", "w")  # noqa: SIM115
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app]
        if CPROFILE and app != ECHO_APP:
            command[1:3] = [str(ROOT / "bench" / "profiled_daphne.py")]
        elif (GC_TIMES or SWITCH_INTERVAL) and app != ECHO_APP:
            command[1:3] = ["-c", GC_TIMER]
        elif RECHECK_LOG and app != ECHO_APP:
            command[1:3] = ["-c", RECHECK_LOGGER]
        if profile is not None:
            # py-spy samples every thread (the event loop and the database threads);
            # --nonblocking: it does not pause daphne to take a sample.
            spy = str(Path(sys.executable).parent / "py-spy")
            command = [
                *(spy, "record", "--format", "raw", "--nonblocking", "--threads"),
                *os.environ.get("BENCH_PYSPY_FLAGS", "").split(),
                *("--rate", "100", "-o", str(profile), "--", *command),
            ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            # The page's origin is this process's (huntzen.origins checks the port).
            env={**os.environ, "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        """daphne's own pid (under py-spy, py-spy's child)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if self.profile and children.exists() and children.read_text().split():
            return int(children.read_text().split()[0])
        return self.process.pid

    def wait(self):
        import socket

        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("daphne did not start")

    def stop(self):
        # Under py-spy, stop daphne itself: py-spy then writes its profile and exits.
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = children.read_text().split() if self.profile and children.exists() else []
        for pid in pids:
            os.kill(int(pid), signal.SIGTERM)
        if not pids:
            self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
        if RECHECK_LOG:
            self.log_text = Path(self.log.name).read_text()
        if GC_TIMES:
            log = Path(self.log.name).read_text()
            self.gc = [line for line in log.splitlines() if line.startswith("GC gen")]
            self.gc_stamps = [
                (float(at), int(gen[3:]), float(ms))
                for _, _, at, gen, ms, _ in (
                    line.split() for line in log.splitlines() if line.startswith("GC at ")
                )
            ]


ECHO_APP = "bench.echo_asgi:application"
GC_TIMES = os.environ.get("BENCH_GC") == "1"
# Seconds: sys.setswitchinterval in the chat's daphne (an A/B of the GIL's hand-over).
SWITCH_INTERVAL = os.environ.get("BENCH_SWITCH_INTERVAL")
# daphne with every collection timed, the figures written to its log when it exits.
GC_TIMER = """
import atexit, gc, os, sys, time
if os.environ.get("BENCH_SWITCH_INTERVAL"):
    sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
times = {0: [], 1: [], 2: []}
started = [0.0]
def timed(phase, info):
    if phase == "start":
        started[0] = time.perf_counter()
    else:
        spent = time.perf_counter() - started[0]
        times[info["generation"]].append(spent)
        if info["generation"] or spent > 0.002:
            stamps.append((time.time(), info["generation"], spent))
stamps = []
gc.callbacks.append(timed)
def report():
    for generation, spent in times.items():
        print(f"GC gen{generation}: {len(spent)} collections, "
              f"{sum(spent) * 1000:.1f} ms total, {max(spent, default=0) * 1000:.2f} ms max",
              flush=True)
    for at, generation, spent in stamps:
        print(f"GC at {at:.3f} gen{generation} {spent * 1000:.2f} ms", flush=True)
atexit.register(report)
sys.argv[0] = "daphne"
from daphne.cli import CommandLineInterface
CommandLineInterface.entrypoint()
"""
RECHECK_LOG = os.environ.get("BENCH_RECHECK_LOG") == "1"
# daphne with chat.consumers at DEBUG (its re-check lines), the rest as configured.
RECHECK_LOGGER = """
import logging, sys
log = logging.getLogger("chat.consumers")
log.setLevel(logging.DEBUG)
handler = logging.StreamHandler()
handler.setFormatter(logging.Formatter("%(created).3f %(levelname)s %(name)s %(message)s"))
log.addHandler(handler)
log.propagate = False
sys.argv[0] = "daphne"
from daphne.cli import CommandLineInterface
CommandLineInterface.entrypoint()
"""
RECHECK_LINE = re.compile(r"^([0-9.]+) \S+ chat\.consumers Chat re-check: (\w+)", re.MULTILINE)


def recheck_counts(log: str, window: tuple[float, float]) -> dict[str, int]:
    """How many re-check lines of each kind the log holds with a time (epoch) inside
    `window` (the sending, not the connects or the drain)."""
    counts: dict[str, int] = {}
    for match in RECHECK_LINE.finditer(log):
        if window[0] <= float(match.group(1)) <= window[1] - 5:  # less the drain
            counts[match.group(2)] = counts.get(match.group(2), 0) + 1
    return counts


# A directory: the chat's daphne runs under cProfile (bench/profiled_daphne.py), one
# slice for the connects (1.prof), one for the messages (2.prof).
CPROFILE = os.environ.get("BENCH_CPROFILE")


def profile_slice(pids) -> None:
    """Have each daphne under cProfile write what it recorded since the last slice."""
    if CPROFILE:
        for pid in pids:
            os.kill(pid, signal.SIGUSR1)


FRAME = re.compile(r"^(\S.*) \((\S+):\d+\)$")


def summarize_profile(path: Path, top: int = 30) -> list[tuple[float, str]]:
    """(share of the busy samples, function) for the functions that appear in most
    samples (inclusive: a function counts once per stack it is on)."""
    totals: dict[str, int] = {}
    samples = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples += int(count)
        seen = set()
        for frame in stack.split(";"):
            match = FRAME.match(frame)
            if match is None:  # py-spy's process and thread labels
                continue
            name, filename = match.group(1), match.group(2)
            for marker in ("site-packages/", str(ROOT) + "/"):
                filename = filename.split(marker)[-1]
            seen.add(f"{filename}:{name}")
        for key in seen:
            totals[key] = totals.get(key, 0) + int(count)
    ranked = sorted(totals.items(), key=lambda item: -item[1])[:top]
    return [(n / samples, key) for key, n in ranked]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes used so far (/proc): a cost that holds on a
    shared machine, where wall-clock latency depends on everyone else's load."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def recheck_period() -> float:
    """chat.consumers.RECHECK_DELIVERIES_AFTER, read from the source (importing the
    consumer would set Django up in this process before the database exists)."""
    source = (ROOT / "chat" / "consumers.py").read_text()
    match = re.search(r"^RECHECK_DELIVERIES_AFTER = ([0-9.]+)", source, re.MULTILINE)
    if match is None:
        raise RuntimeError("chat.consumers.RECHECK_DELIVERIES_AFTER not found")
    return float(match.group(1))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def _connect(url: str, origin: str, cookie: str | None = None):
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake, InvalidMessage

    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    for attempt in range(5):
        try:
            return await connect(
                url, origin=origin, additional_headers=headers, open_timeout=30, max_queue=None
            )
        except (OSError, TimeoutError, InvalidHandshake, InvalidMessage):
            await asyncio.sleep(0.5 * (attempt + 1))
    raise RuntimeError(f"cannot connect to {url}")


async def run_echo(port: int, clients: int, rate: float, duration: float, pids=()) -> dict:
    origin = f"http://127.0.0.1:{port}"
    sockets = [await _connect(f"ws://127.0.0.1:{port}/ws/echo/", origin) for _ in range(clients)]
    cpu_before = cpu_seconds(pids)
    latencies: list[float] = []
    stop_at = time.perf_counter() + duration

    async def client(ws, offset):
        await asyncio.sleep(offset)
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "body": "x" * 80, "t": started}))
            await ws.recv()
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - started)))

    await asyncio.gather(*(client(ws, i / clients / rate) for i, ws in enumerate(sockets)))
    cpu_used = cpu_seconds(pids) - cpu_before
    for ws in sockets:
        await ws.close()
    return {
        "round_trips": len(latencies),
        "cpu_ms_per_round_trip": cpu_used * 1000 / max(1, len(latencies)),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }


async def run_chat(
    rooms: list[dict],
    ports: tuple[int, int],
    rate: float,
    duration: float,
    pids=(),
    batch: int = 0,
) -> dict:
    """Both participants of every room send at `rate`; latency = send -> the other
    participant's receipt."""
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    # (seconds from the start of the sending to the send, latency): the tail per slice.
    timeline: list[tuple[float, float]] = []
    received = 0
    errors: list[str] = []
    measuring = {"start": None, "stop": None, "received": 0}
    began_at = {"t": 0.0}

    async def open_one(room, side):
        """(socket, seconds to accepted, seconds to the ready frame), or None when the
        socket could not be opened (retried: see _connect)."""
        port = ports[side]
        started = time.perf_counter()
        try:
            ws = await _connect(
                f"ws://127.0.0.1:{port}/ws/chat/{room['id']}/",
                f"http://127.0.0.1:{port}",
                room["cookies"][side],
            )
        except RuntimeError:
            return None
        accepted = time.perf_counter() - started
        ready = json.loads(await ws.recv())
        assert ready["type"] == "ready", ready
        ready_s = time.perf_counter() - started
        json.loads(await ws.recv())  # history
        return ws, accepted, ready_s

    # Every client connects at once (the goal: 400 accepted within a second), or
    # `batch` sockets at a time.
    cpu_start = cpu_seconds(pids)
    connect_started = time.perf_counter()
    wanted = [(r, side) for r in rooms for side in (0, 1)]
    step = batch or len(wanted)
    opened = []
    for start in range(0, len(wanted), step):
        opened += await asyncio.gather(*(open_one(r, s) for r, s in wanted[start : start + step]))
    connect_seconds = time.perf_counter() - connect_started
    cpu_connect = cpu_seconds(pids) - cpu_start
    profile_slice(pids)
    accepted_s = [o[1] for o in opened if o is not None]
    ready_s = [o[2] for o in opened if o is not None]
    # Rooms whose two sockets opened take part; a lone socket is closed.
    pairs, kept = [], []
    for i, room in enumerate(rooms):
        pair = opened[2 * i : 2 * i + 2]
        if None in pair:
            for o in pair:
                if o is not None:
                    await o[0].close()
            continue
        pairs.append([pair[0][0], pair[1][0]])
        kept.append(room)
    rooms = kept
    duplicates = 0
    seen: set[str] = set()

    async def reader(ws, me):
        nonlocal received, duplicates
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "message" and frame["sender"] != me:
                if frame["clientMessageId"] in seen:
                    duplicates += 1
                seen.add(frame["clientMessageId"])
                started = sent_at.pop(frame["clientMessageId"], None)
                if started is not None:
                    now = time.perf_counter()
                    latencies.append(now - started)
                    timeline.append((started - began_at["t"], now - started))
                    received += 1
                    if measuring["start"] and measuring["start"] <= now <= measuring["stop"]:
                        measuring["received"] += 1
            elif frame["type"] == "error":
                errors.append(frame["code"])

    async def writer(ws, offset, stop_at):
        await asyncio.sleep(offset)
        n = 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            client_id = uuid.uuid4().hex
            sent_at[client_id] = started
            await ws.send(
                json.dumps(
                    {
                        "type": "message",
                        "body": f"bench {n} " + "x" * 64,
                        "clientMessageId": client_id,
                    }
                )
            )
            n += 1
            await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - started)))

    readers = [
        asyncio.create_task(reader(ws, room["users"][side]))
        for room, pair in zip(rooms, pairs, strict=True)
        for side, ws in enumerate(pair)
    ]
    clients = [ws for pair in pairs for ws in pair]
    began = began_at["t"] = time.perf_counter()
    began_wall = time.time()
    stop_at = began + duration
    # Measure the middle of the run (after 20 % warm-up), in steady state.
    measuring["start"], measuring["stop"] = began + duration * 0.2, stop_at
    await asyncio.gather(
        *(writer(ws, i / len(clients) / rate, stop_at) for i, ws in enumerate(clients))
    )
    sent = received + len(sent_at)
    await asyncio.sleep(5)  # drain
    cpu_messages = cpu_seconds(pids) - cpu_start - cpu_connect
    profile_slice(pids)
    for ws in clients:
        await ws.close()
    for task in readers:
        task.cancel()
    window = measuring["stop"] - measuring["start"]
    return {
        "clients": len(clients),
        "opened": len(accepted_s),
        "cpu_ms_per_connect": cpu_connect * 1000 / max(1, len(accepted_s)),
        "cpu_ms_per_message": cpu_messages * 1000 / max(1, received),
        "connect_s": connect_seconds,
        "accepted_max_s": max(accepted_s, default=0.0),
        "ready_p50_s": percentile(ready_s, 50),
        "ready_max_s": max(ready_s, default=0.0),
        "duplicates": duplicates,
        "sent": sent,
        "received": received,
        "lost": len(sent_at),
        "errors": len(errors),
        "msgs_per_s": measuring["received"] / window,
        "offered_per_s": len(clients) * rate,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        # Seconds from the end of the connects to the start of the sending: the
        # sockets' first re-check falls RECHECK_DELIVERIES_AFTER after their join.
        "joined_before_s": began - connect_started - connect_seconds,
        "slices": slices(timeline, SLICE_S),
        # Wall-clock bounds of the sending (and its drain), for the daphne's GC log.
        "sending_wall": (began_wall, began_wall + duration + 5),
    }


SLICE_S = 5.0


def slices(timeline: list[tuple[float, float]], width: float) -> list[dict]:
    """p50 and p99 (ms) of the messages sent in each `width`-second slice of the phase."""
    by_slice: dict[int, list[float]] = {}
    for sent_s, latency in timeline:
        by_slice.setdefault(int(sent_s // width), []).append(latency)
    return [
        {
            "from_s": index * width,
            "messages": len(values),
            "p50_ms": percentile(values, 50) * 1000,
            "p99_ms": percentile(values, 99) * 1000,
            "max_ms": max(values) * 1000,
        }
        for index, values in sorted(by_slice.items())
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.5, help="messages/s per client")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument(
        "--with-rechecks",
        action="store_true",
        help="phases long enough for every socket's first periodic re-check "
        "(chat.consumers.RECHECK_DELIVERIES_AFTER + 15 s)",
    )
    parser.add_argument("--phases", default="echo,one,two", help="comma-separated: echo, one, two")
    parser.add_argument(
        "--connect-batch",
        type=int,
        default=0,
        help="open the sockets this many at a time (default: all at once)",
    )
    parser.add_argument(
        "--reuse-rooms",
        action="store_true",
        help="reuse the database and rooms of the previous run (their sessions still valid)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the one-daphne phase under py-spy and print where its time goes",
    )
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    if args.with_rechecks:
        args.duration = recheck_period() + 15.0

    print(
        f"# chat load: {args.rooms} rooms, {2 * args.rooms} clients, {args.rate} msg/s "
        f"per client, {args.duration:.0f} s per phase; load average before: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"# {platform.python_version()}, {os.cpu_count()} cores; preparing {DB_NAME}…", flush=True
    )
    saved = ROOT / "var" / "bench" / f"chat-rooms-{args.rooms}.json"
    if args.reuse_rooms and saved.exists():
        rooms = json.loads(saved.read_text())
        subprocess.run(
            ["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, stdout=subprocess.DEVNULL
        )
    else:
        prepare_database()
        rooms = make_rooms(args.rooms)
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(rooms))
    results = {}

    if "echo" in phases:
        echo = Daphne(ECHO_APP, free_port()).wait()
        try:
            results["echo"] = asyncio.run(
                run_echo(echo.port, 2 * args.rooms, args.rate, args.duration, [echo.pid])
            )
        finally:
            echo.stop()

    profile = ROOT / "var" / "bench" / "chat-profile.txt" if args.profile else None
    if "one" in phases:
        one = Daphne("huntzen.asgi:application", free_port(), profile=profile).wait()
        try:
            results["one"] = asyncio.run(
                run_chat(
                    rooms,
                    (one.port, one.port),
                    args.rate,
                    args.duration,
                    [one.pid],
                    args.connect_batch,
                )
            )
        finally:
            one.stop()
            if RECHECK_LOG and "one" in results:
                counts = recheck_counts(one.log_text, results["one"]["sending_wall"])
                results["one"]["rechecks_while_sending"] = counts
                print(f"# one daphne, re-checks while sending: {json.dumps(counts)}")
            if GC_TIMES and "one" in results:
                print("# one daphne: " + "; ".join(one.gc))
                window = results["one"]["sending_wall"]
                inside = [s for s in one.gc_stamps if window[0] <= s[0] <= window[1]]
                for generation in (0, 1, 2):
                    spent = [ms for _, gen, ms in inside if gen == generation]
                    print(
                        f"#   while sending: gen{generation} "
                        + ("(over 2 ms only) " if generation == 0 else "")
                        + f"{len(spent)} collections, {sum(spent):.1f} ms total, "
                        f"{max(spent, default=0):.2f} ms max"
                    )

    if "two" in phases:
        a = Daphne("huntzen.asgi:application", free_port())
        b = Daphne("huntzen.asgi:application", free_port())
        a.wait()
        b.wait()
        try:
            results["two"] = asyncio.run(
                run_chat(
                    rooms,
                    (a.port, b.port),
                    args.rate,
                    args.duration,
                    [a.pid, b.pid],
                    args.connect_batch,
                )
            )
        finally:
            a.stop()
            b.stop()

    print(f"# load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report(results, args.duration)
    if profile is not None and profile.exists():
        print("\n# where the one-daphne process spends its busy samples (inclusive)")
        for share, name in summarize_profile(profile):
            print(f"{share:6.1%}  {name}")


def report(results: dict, duration: float) -> None:
    echo = results.get("echo")
    print()
    print(
        "| setup | msgs/s received (offered) | p50 ms | p99 ms | p99 / echo p50 | "
        "p99 / echo p99 | lost | duplicated | errors | connect (all at once, s) | "
        "ready p50 / max (s) | CPU ms per message (per connect) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    if echo:
        print(
            f"| echo consumer, 1 process | {echo['round_trips'] / duration:.0f}"
            f" round trips/s | {echo['p50_ms']:.1f} | {echo['p99_ms']:.1f} | 1 | 1 "
            f"| – | – | – | – | – | {echo['cpu_ms_per_round_trip']:.2f} (–) |"
        )
    for key, label in (("one", "chat, 1 daphne"), ("two", "chat, 2 daphne (cross-process)")):
        r = results.get(key)
        if r is None:
            continue
        ratios = (
            f"{r['p99_ms'] / echo['p50_ms']:.1f} | {r['p99_ms'] / echo['p99_ms']:.1f}"
            if echo
            else "– | –"
        )
        print(
            f"| {label} | {r['msgs_per_s']:.0f} ({r['offered_per_s']:.0f}) | "
            f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {ratios} | {r['lost']} / {r['sent']} | "
            f"{r['duplicates']} | {r['errors']} | {r['opened']} opened in "
            f"{r['connect_s']:.2f} | "
            f"{r['ready_p50_s']:.2f} / {r['ready_max_s']:.2f} | "
            f"{r['cpu_ms_per_message']:.2f} ({r['cpu_ms_per_connect']:.1f}) |"
        )
    for key in ("one", "two"):
        r = results.get(key)
        if r is None or not r.get("slices"):
            continue
        period = recheck_period()
        print(
            f"\n# {key}: p50 / p99 / max ms by the second the message was sent (every "
            f"socket re-checks within {period:.0f} s of its join; the last join "
            f"{r['joined_before_s']:.1f} s before the sending began)"
        )
        for s in r["slices"]:
            print(
                f"#   {s['from_s']:4.0f}–{s['from_s'] + SLICE_S:.0f} s: {s['messages']:5d} msgs"
                f"  {s['p50_ms']:6.1f} / {s['p99_ms']:6.1f} / {s['max_ms']:6.1f}"
            )
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

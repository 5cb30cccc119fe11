"""What one chat message costs a real daphne process, framing included: instructions
(callgrind) or CPU, counted over messages sent one at a time.

chat_load.py's CPU ms per message is the process's CPU over a 45-s phase divided by
the messages: on this shared machine it moves with everyone else's load (the same
code measured 5.5 and 9.0 ms a message in one evening). chat_socket_cost.py counts the
ASGI application in process, without daphne's framing (Twisted, autobahn). Here a real
daphne process (the chat's application, or the echo consumer of bench/echo_asgi.py for
the floor) serves `--rooms` rooms of chat_load.py's database; `--messages` messages go
one at a time (each waits for the other participant's copy and the sender's own), and
the process is counted from the first to the last:

    .venv/bin/python bench/chat_daphne_cost.py [--rooms 20] [--messages 200] [--echo]
    .venv/bin/python bench/chat_daphne_cost.py --callgrind   # daphne under valgrind

With --callgrind, daphne runs under valgrind's callgrind, its counters zeroed before
the messages and dumped after them (callgrind_control): instructions per message, the
figure that does not depend on the machine's load (`--callgrind-out DIR` keeps the dump
for callgrind_annotate). Without, the user + system CPU of the process per message.
What runs per second of wall time and not per message is held off in both (each
socket's re-check after chat.consumers.RECHECK_DELIVERIES_AFTER, the layer watch's
pings, daphne's pings to quiet clients): a message under valgrind lasts ~50 times as
long, and they would make most of the count. The flood limits are raised out of the way
(the flood count's Redis round trip still runs).

Uses the database and rooms of chat_load.py (run it once first, or `--phases none`),
the same BENCH_* environment.
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import chat_load  # noqa: E402

# daphne, with what runs per wall-clock second held off (module docstring).
DAPHNE = """
import sys
sys.argv[0] = "daphne"
import django
django.setup()
from chat import consumers, flood, watch
flood.USER_MESSAGES_PER_WINDOW = 10**9
consumers.MESSAGES_PER_WINDOW = consumers.FRAMES_PER_WINDOW = 10**9
consumers.RECHECK_DELIVERIES_AFTER = consumers.RECHECK_FROM = consumers.RECHECK_UNTIL = 10**9
watch.PING_EVERY = 10**6
import os
if os.environ.get("BENCH_CPROFILE"):
    sys.path.insert(0, "bench")
    import profiled_daphne
    profiled_daphne.main()
else:
    from daphne.cli import CommandLineInterface
    CommandLineInterface.entrypoint()
"""


def start_daphne(app: str, port: int, callgrind_out: Path | None) -> subprocess.Popen:
    command = [sys.executable, "-c", DAPHNE, "-b", "127.0.0.1", "-p", str(port)]
    # No pings to quiet clients within the run (daphne's --ping-interval, 20 s).
    command += ["--ping-interval", "100000", "--ping-timeout", "100000", app]
    if callgrind_out is not None:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={callgrind_out}",
            *command,
        ]
    log = open(ROOT / "var" / "bench" / f"daphne-cost-{port}.log", "w")  # noqa: SIM115
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_listening(port: int, process: subprocess.Popen, seconds: float = 300) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("daphne exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("daphne did not start")


def callgrind(pid: int, action: str) -> None:
    """`--zero`, or `--dump`, or `--instr=on` the callgrind process `pid`."""
    subprocess.run(["callgrind_control", action, str(pid)], check=True, capture_output=True)


def dumped_instructions(prefix: Path) -> int:
    """Instructions of callgrind_control's last dump of `prefix` (`prefix.N`, the
    highest N; `prefix` alone is what followed it, written at exit)."""
    dumps = [p for p in prefix.parent.glob(prefix.name + ".*") if p.suffix[1:].isdigit()]
    if not dumps:
        raise RuntimeError("no callgrind dump found")
    last = max(dumps, key=lambda p: int(p.suffix[1:]))
    match = re.search(r"^summary: (\d+)", last.read_text(), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no summary in {last}")
    return int(match.group(1))


async def _connect(url: str, origin: str, cookie: str | None = None):
    """A client socket that sends no pings of its own (the `websockets` default is a
    ping every 20 s, which daphne answers: a cost per wall second, not per message)."""
    from websockets.asyncio.client import connect

    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    return await connect(
        url, origin=origin, additional_headers=headers, open_timeout=300, ping_interval=None
    )


async def open_chat(port: int, room: dict, side: int):
    origin = f"http://127.0.0.1:{port}"
    ws = await _connect(
        f"ws://127.0.0.1:{port}/ws/chat/{room['id']}/", origin, room["cookies"][side]
    )
    for kind in ("ready", "history"):
        frame = json.loads(await ws.recv())
        assert frame["type"] == kind, frame
    return ws


async def next_message(ws, client_id: str) -> None:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 300))
        if frame["type"] == "error":
            raise RuntimeError(frame)
        if frame["type"] == "message" and frame["clientMessageId"] == client_id:
            return


async def chat_message(pair, n: int) -> None:
    sender, other = pair
    client_id = uuid.uuid4().hex
    frame = {"type": "message", "body": f"bench {n} " + "x" * 64, "clientMessageId": client_id}
    await sender.send(json.dumps(frame))
    await asyncio.gather(next_message(other, client_id), next_message(sender, client_id))


async def echo_message(ws, body: str) -> None:
    await ws.send(body)
    await ws.recv()


async def run(port: int, args, count) -> None:
    """Open the sockets, warm up, then `count` the messages and, after them, the same
    sockets idle for args.idle seconds."""
    if args.echo:
        url, origin = f"ws://127.0.0.1:{port}/ws/echo/", f"http://127.0.0.1:{port}"
        clients = [await _connect(url, origin) for _ in range(2 * args.rooms)]
        body = json.dumps({"type": "message", "body": "x" * 80})

        def one(n):
            return echo_message(clients[n % len(clients)], body)

    else:
        rooms = json.loads((ROOT / "var" / "bench" / "chat-rooms-200.json").read_text())
        pairs = [
            [await open_chat(port, room, side) for side in (0, 1)] for room in rooms[: args.rooms]
        ]
        clients = [ws for pair in pairs for ws in pair]

        def one(n):
            pair = pairs[n % len(pairs)]
            return chat_message(pair if n % 2 else pair[::-1], n)

    for n in range(3):  # warm-up: imports, pools, prepared statements
        await one(n)
    with count("messages"):
        for n in range(args.messages):
            await one(n)
    if args.idle:
        with count("idle"):
            await asyncio.sleep(args.idle)
    for ws in clients:
        await ws.close()


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=20, help="rooms (sockets: twice that)")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--echo", action="store_true", help="the echo consumer (the floor)")
    parser.add_argument(
        "--idle",
        type=float,
        default=0.0,
        help="seconds counted after the messages, sockets open and quiet: what the process "
        "spends per wall second, taken off the messages' count (`net`)",
    )
    parser.add_argument("--callgrind", action="store_true", help="count instructions")
    parser.add_argument("--callgrind-out", help="directory to keep callgrind's dumps in")
    parser.add_argument(
        "--cprofile",
        help="directory: daphne under cProfile (bench/profiled_daphne.py, each thread's CPU "
        "time); DIR/2.prof holds the messages",
    )
    parser.add_argument(
        "--py-spy",
        help="file: py-spy samples the messages (raw format, --gil: Python's CPU only)",
    )
    args = parser.parse_args()

    out_dir = Path(args.callgrind_out or tempfile.mkdtemp(prefix="chat-daphne-cost-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / "callgrind.out" if args.callgrind else None
    if args.cprofile:
        os.environ["BENCH_CPROFILE"] = args.cprofile
    port = chat_load.free_port()
    app = chat_load.ECHO_APP if args.echo else "huntzen.asgi:application"
    process = start_daphne(app, port, prefix)
    counted = {}

    @contextlib.contextmanager
    def count(phase: str):
        spy = None
        if args.py_spy and phase == "messages":
            command = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw"]
            command += ["--gil", "--threads", "--rate", "250", "--nonblocking"]
            command += ["-o", args.py_spy, "-p", str(process.pid)]
            spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)  # attached (nothing is in flight: the client waits)
        if prefix:
            callgrind(process.pid, "--instr=on")
            callgrind(process.pid, "--zero")
        if args.cprofile:
            os.kill(process.pid, signal.SIGUSR1)  # what came before: 1.prof
        user, system = cpu_split(process.pid)
        wall = time.perf_counter()
        yield
        wall = time.perf_counter() - wall
        user_after, system_after = cpu_split(process.pid)
        if prefix:
            callgrind(process.pid, "--dump")
        if args.cprofile and phase == "messages":
            os.kill(process.pid, signal.SIGUSR1)  # the messages: 2.prof
        counted[phase] = {
            "wall": wall,
            "user": user_after - user,
            "system": system_after - system,
            "instructions": dumped_instructions(prefix) if prefix else None,
        }
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)

    try:
        wait_listening(port, process)
        asyncio.run(run(port, args, count))
    finally:
        process.terminate()
        process.wait(timeout=60)
    report(args, counted)


def report(args, counted: dict) -> None:
    n = args.messages
    messages, idle = counted["messages"], counted.get("idle")
    cpu = messages["user"] + messages["system"]
    print(
        f"# {'echo round trips' if args.echo else 'chat messages'}: {n} one at a time, "
        f"{2 * args.rooms} sockets{' (daphne under valgrind)' if args.callgrind else ''}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    line = (
        f"per message: {cpu * 1000 / n:.3f} CPU ms (user {messages['user'] * 1000 / n:.3f}, "
        f"system {messages['system'] * 1000 / n:.3f}), {messages['wall'] * 1000 / n:.1f} ms wall"
    )
    if args.callgrind:
        line += f", {messages['instructions'] / n / 1e6:.3f} M instructions"
    print(line)
    if idle:
        per_s = (idle["user"] + idle["system"]) / idle["wall"]
        net = f"net of idle: {(cpu - per_s * messages['wall']) * 1000 / n:.3f} CPU ms"
        line = f"idle: {per_s * 1000:.2f} CPU ms per second"
        if args.callgrind:
            rate = idle["instructions"] / idle["wall"]
            line += f", {rate / 1e6:.3f} M instructions per second"
            left = messages["instructions"] - rate * messages["wall"]
            net += f", {left / n / 1e6:.3f} M instructions"
        print(line)
        print(f"per message, {net}")


if __name__ == "__main__":
    main()

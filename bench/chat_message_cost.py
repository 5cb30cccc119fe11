"""In-process cost of one chat message, the part the sender's process spends: what the
socket runs per message (chat.consumers._send: the flood counter, then
chat.services.message_send) with the participant decision asked of guardian on every
message (as before) and with the socket's cached decision (now). Prints statements and
milliseconds per message, wall and CPU of this process (median of --messages, without
the profiler), and cProfile's top functions (over another --messages). Then the
socket's own call (chat.consumers._send, in this thread: the flood count, the
statement, the early delivery's announce, the COMMIT): the wall time until the
announce (when the other participant's delivery starts) and until it returns (the
sender's confirmation), p50 and p99.

Uses the database and rooms of bench/chat_load.py (run that once first):

    .venv/bin/python bench/chat_message_cost.py [--messages 300]

--rechecks N instead runs N of an open socket's periodic re-checks
(chat.consumers._recheck_now: the session, the consultation, the participant rule) and
prints their statements and CPU, counted between two calls of os.getppid so that
callgrind counts their instructions alone, then cProfile's function calls per re-check
and top functions over N more:

    valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file=cg \
      .venv/bin/python bench/chat_message_cost.py --rechecks 100   # cg.2: the N re-checks
"""

import argparse
import cProfile
import inspect
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

os.environ.update(ENV)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rechecks", type=int, default=0)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from chat import flood, services
    from consultations.models import Consultation

    saved = sorted((ROOT / "var" / "bench").glob("chat-rooms-*.json"))
    if not saved:
        sys.exit("run bench/chat_load.py first (it makes the rooms)")
    room = json.loads(saved[-1].read_text())[0]
    consultation = Consultation.objects.get(pk=room["id"])
    sender = User.objects.get(pk=room["users"][0])
    flood.USER_MESSAGES_PER_WINDOW = 10**9  # measure the work, not the limit

    if args.rechecks:
        return rechecks(room, args.rechecks)
    cached = "participant" in inspect.signature(services.message_send).parameters

    def one(participant):
        flood.user_may_send(sender.pk)
        services.message_send(
            sender=sender,
            consultation=Consultation(pk=consultation.pk),
            body="bench " + "x" * 64,
            client_message_id=uuid.uuid4().hex,
            **({"participant": participant} if cached else {}),
        )

    print(f"# {args.messages} messages per variant, one room of the chat_load database")
    print(f"# load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| variant | statements per message | ms per message (median) | CPU ms (median) |")
    print("|---|---|---|---|")
    profiles = {}
    variants = [("guardian asked per message", None)]
    if cached:  # the code before the cache has no such parameter
        variants.append(("cached decision", True))
    for label, participant in variants:
        one(participant)  # warm up
        with CaptureQueriesContext(connection) as queries:
            one(participant)
        timings, cpu = [], []
        for _ in range(args.messages):  # unprofiled: cProfile doubles the CPU
            started, cpu_started = time.perf_counter(), time.process_time()
            one(participant)
            cpu.append((time.process_time() - cpu_started) * 1000)
            timings.append((time.perf_counter() - started) * 1000)
        profile = cProfile.Profile()
        for _ in range(args.messages):
            profile.enable()
            one(participant)
            profile.disable()
        profiles[label] = profile
        print(
            f"| {label} | {len(queries)} | {statistics.median(timings):.2f} "
            f"| {statistics.median(cpu):.2f} |"
        )
    socket_path(sender, consultation, args.messages)
    for label, profile in profiles.items():
        print(f"\n# cProfile, {label}: top 12 by cumulative time")
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(12)


def rechecks(room, count: int) -> None:
    """`count` re-checks of the room's employee socket, after a warm-up (module
    docstring)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chat.consumers import _recheck_now

    args = (uuid.UUID(room["users"][0]), room["id"], room["cookies"][0])
    for _ in range(20):  # warm: the auth cache, the compiled statements
        _recheck_now(*args)
    with CaptureQueriesContext(connection) as queries:
        _recheck_now(*args)
    os.getppid()  # callgrind: the dump before the re-checks
    cpu_started = time.process_time()
    for _ in range(count):
        _recheck_now(*args)
    cpu = (time.process_time() - cpu_started) * 1000 / count
    os.getppid()  # callgrind: the dump of the re-checks
    print(f"# {count} re-checks: {len(queries)} statements each, {cpu:.2f} ms CPU each")
    for query in queries.captured_queries:
        print(query["sql"][:160])
    # Then, out of callgrind's count: Python's steps per re-check (function calls, as
    # cProfile counts them: what holds the GIL) and where its time goes.
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        _recheck_now(*args)
    profile.disable()
    stats = pstats.Stats(profile)
    print(f"\n# cProfile: {stats.total_calls / count:.0f} function calls per re-check")
    stats.sort_stats("cumulative").print_stats(25)


def socket_path(sender, consultation, messages: int) -> None:
    """What an open socket's message waits for in its database thread (_send)."""
    from chat.consumers import _send
    from consultations.models import Consultation

    send = _send.__wrapped__  # the function the socket runs in its database thread
    room = Consultation(pk=consultation.pk)
    announced, returned = [], []
    for n in range(messages + 1):
        times = {}
        started = time.perf_counter()
        send(
            sender,
            room,
            "bench " + "x" * 64,
            uuid.uuid4().hex,
            lambda message, times=times: times.setdefault("announced", time.perf_counter()),
        )
        if n:  # the first one warms up
            returned.append((time.perf_counter() - started) * 1000)
            announced.append((times["announced"] - started) * 1000)

    def p(values, q):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]

    print("\n| socket's call (_send) | p50 ms | p90 ms | p99 ms |")
    print("|---|---|---|---|")
    for label, values in (("until the announce", announced), ("until it returns", returned)):
        print(f"| {label} | {p(values, 50):.2f} | {p(values, 90):.2f} | {p(values, 99):.2f} |")


if __name__ == "__main__":
    main()

"""Bench only: daphne under cProfile, every thread (the event loop and the chat's
database threads), dumped in slices. bench/chat_load.py starts daphne through this
when BENCH_CPROFILE names a directory: it sends SIGUSR1 after the sockets opened and
again after the messages, and each signal writes what was recorded since the previous
one to DIR/<n>.prof (pstats format), then starts over.

    BENCH_CPROFILE=/tmp/prof .venv/bin/python bench/chat_load.py --phases one ...
    .venv/bin/python -c "import pstats; pstats.Stats('/tmp/prof/1.prof').print_stats(30)"

Times are each thread's CPU time (time.thread_time), not wall time; that timer is a
Python call per event and slows daphne several times over (open the sockets in batches:
--connect-batch 20). BENCH_CPROFILE_TIMER=wall keeps cProfile's own clock (lighter, but
a thread waiting on PostgreSQL, Redis or the GIL is counted as busy). Compare shares,
not milliseconds.
"""

import cProfile
import marshal
import os
import signal
import sys
import threading
import time
from pathlib import Path

OUT = Path(os.environ["BENCH_CPROFILE"])
OUT.mkdir(parents=True, exist_ok=True)
_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
_slices = [0]


def _start() -> None:
    # CPU time of the thread, not wall time: a thread blocked on PostgreSQL, Redis or
    # its queue costs nothing here, which is what "CPU per message" asks.
    wall = os.environ.get("BENCH_CPROFILE_TIMER") == "wall"
    profile = cProfile.Profile() if wall else cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(profile)
    profile.enable()


def _thread_boot(frame, event, arg):
    """Installed by threading.setprofile in every new thread: replaced at once by the
    thread's own profiler."""
    sys.setprofile(None)
    _start()


def _dump(signum, frame) -> None:
    """Merge every thread's stats since the last slice, write them, clear them. Runs
    with the GIL held: no thread records meanwhile."""
    merged: dict = {}
    with _lock:
        profiles = list(_profiles)
    for profile in profiles:
        profile.snapshot_stats()
        for func, (cc, nc, tt, ct, callers) in profile.stats.items():
            if func in merged:
                pcc, pnc, ptt, pct, pcallers = merged[func]
                for caller, value in callers.items():
                    if caller in pcallers:
                        old = pcallers[caller]
                        pcallers[caller] = (
                            tuple(a + b for a, b in zip(old, value, strict=True))
                            if isinstance(value, tuple)
                            else old + value
                        )
                    else:
                        pcallers[caller] = value
                merged[func] = (pcc + cc, pnc + nc, ptt + tt, pct + ct, pcallers)
            else:
                merged[func] = (cc, nc, tt, ct, dict(callers))
        profile.clear()
    _slices[0] += 1
    with open(OUT / f"{_slices[0]}.prof", "wb") as file:
        marshal.dump(merged, file)


def main() -> None:
    signal.signal(signal.SIGUSR1, _dump)
    threading.setprofile(_thread_boot)
    _start()
    from daphne.cli import CommandLineInterface

    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    sys.argv[0] = "daphne"
    main()

"""Instructions of one checkout of the database connection and its return, counted by
callgrind (stop 19, slice pa): what every request touching PostgreSQL pays around its
statements, apart from them.

    PYTHONHASHSEED=0 valgrind --tool=callgrind --dump-before=os_getppid \
        --callgrind-out-file=/tmp/cg .venv/bin/python bench/profiles/pa/checkout_cost.py \
        --state /tmp/fc.json [--cycles 200]

Dump 2 holds `--cycles` bare cycles (`ensure_connection`, then the release of
huntzen.middleware's ReleaseConnectionsMiddleware); dump 4 as many cycles with one
`text_row` read (the session read's path) between the two. Without valgrind,
`--profile` prints a cProfile summary of the bare cycles instead.
"""

import argparse
import cProfile
import gc
import json
import os
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.environ.update(json.loads(args.state.read_text())["env"])
    import django

    django.setup()
    from django.db import connection

    from huntzen.middleware import release_connections

    def bare():
        connection.ensure_connection()
        release_connections()

    def with_read():
        connection.text_row("SELECT %s::text", ["x"])
        release_connections()

    for _ in range(20):
        bare()
        with_read()
    gc.collect()
    gc.freeze()
    gc.disable()
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.cycles):
            bare()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return
    for run in (bare, with_read):
        os.getppid()
        for _ in range(args.cycles):
            run()
        os.getppid()


if __name__ == "__main__":
    main()

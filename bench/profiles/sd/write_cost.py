"""CPU per request of this process and of PostgreSQL's backends serving it, per endpoint
(bench/framework_cost.py's state and requests; its `run` measures this process only).

    PYTHONPATH=$PWD python bench/profiles/sd/write_cost.py --state /tmp/sd-fc.json \
        --endpoints hello book cancel start end --requests 100

PostgreSQL's share is read from /proc/PID/schedstat (ns on CPU) of the backends of
this process's pooled connections, before and after each endpoint's requests. On 2
cores the server's CPU is taken from the same cores as the application's.
"""

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())
from bench import framework_cost as fc  # noqa: E402


def backends_ns(dbname):
    """ns on CPU of the backends of this process's pooled connections (not of other
    clients of the same database)."""
    from django.db import connection

    connection.ensure_connection()
    pool = connection.pool
    conns = list(pool._pool) + [connection.connection]
    total = 0
    for conn in conns:
        pid = conn.info.backend_pid
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except OSError:
            pass
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--endpoints", nargs="+", required=True)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    from django.db import connection
    from django.test import Client

    from huntzen.middleware import release_connections

    requests = fc.Requests(args)
    dbname = connection.settings_dict["NAME"]
    print("| endpoint | app CPU ms | PostgreSQL CPU ms | wall ms |")
    for endpoint in args.endpoints:
        client = Client()
        for _ in range(fc.WARM_UP):
            request = requests.next(endpoint)
            fc.warm_sign_in(client, request)
            fc.one_request(client, request)
        batch = [requests.next(endpoint) for _ in range(args.requests)]
        for request in batch:
            fc.warm_sign_in(client, request)
        gc.collect()
        s0 = backends_ns(dbname)
        release_connections()
        c0, t0 = time.process_time(), time.perf_counter()
        for request in batch:
            fc.one_request(client, request)
        c1, t1 = time.process_time(), time.perf_counter()
        s1 = backends_ns(dbname)
        release_connections()
        n = args.requests
        print(
            f"| {endpoint} | {(c1 - c0) * 1000 / n:.3f} | {(s1 - s0) / 1e6 / n:.3f} "
            f"| {(t1 - t0) * 1000 / n:.3f} |"
        )
    requests.save()


if __name__ == "__main__":
    main()

"""A/B of the signed-in floor in process: this process's CPU and PostgreSQL's, per request.

    .venv/bin/python bench/framework_cost.py setup --state /tmp/fc.json   # once
    .venv/bin/python bench/floor_ab.py TREE --state /tmp/fc.json [--endpoints ...] [-n 300]

Runs bench/framework_cost.py's read requests (its state: data, settings, tokens) from
TREE's code (e.g. an unpacked `git archive` of the base commit, then the branch; run
the two alternately, several rounds, in the same minutes) and prints per endpoint the
median CPU ms of this thread per request, and the CPU PostgreSQL's backends of the bench
database spent per request (utime + stime of every backend of that database, from
/proc, around the whole batch: the server's parse, plan and execute included). Both hold
on a loaded machine where wall time does not; PostgreSQL must run on this host.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("tree", type=Path)
parser.add_argument("--state", type=Path, required=True)
parser.add_argument("--endpoints", nargs="+", default=["hello", "me", "practitioners", "slots"])
parser.add_argument("-n", type=int, default=300)
args = parser.parse_args()

sys.path.insert(0, str(args.tree.resolve()))
os.chdir(args.tree)
state = json.loads(args.state.read_text())
os.environ.update(state["env"])

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.framework_cost import _headers  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def backends_cpu() -> float:
    """Seconds of CPU of every backend connected to this database (fresh connection)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICKS


print(f"| endpoint | CPU ms (this thread) | PostgreSQL CPU ms | tree {args.tree} |")
for endpoint in args.endpoints:
    method, path, _body, auth = state["requests"][endpoint]
    client = Client()
    headers = _headers(client, auth)
    for _ in range(20):
        assert client.get(path, headers=headers).status_code == 200
    cpu = []
    pg0 = backends_cpu()
    for _ in range(args.n):
        c0 = time.thread_time()
        response = client.get(path, headers=headers)
        cpu.append(time.thread_time() - c0)
        assert response.status_code == 200
    pg = backends_cpu() - pg0
    print(f"| {endpoint} | {statistics.median(cpu) * 1000:.3f} | {pg * 1000 / args.n:.3f} |")

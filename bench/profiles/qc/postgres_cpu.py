"""PostgreSQL CPU per request: the bench database's backends (by process title) plus the
WAL writer, from /proc, around N requests of each endpoint (framework_cost.py's state)."""
# ruff: noqa: E402 (Django is set up from the state before its imports)

import glob
import os
import sys
import time

sys.path.insert(0, os.getcwd())  # run from the tree measured
sys.argv = [sys.argv[0], "run", "--state", "/tmp/qc-fc.json"] + sys.argv[1:]
from bench import framework_cost as fc

args = fc.parse_args()
req = fc.Requests(args)
from django.test import Client

tick = os.sysconf("SC_CLK_TCK")


def pg_cpu():
    total = 0
    for p in glob.glob("/proc/[0-9]*"):
        try:
            cmd = open(p + "/cmdline", "rb").read()
            if b"huntzen_qc_bench" in cmd or b"walwriter" in cmd:
                f = open(p + "/stat").read().rsplit(")", 1)[1].split()
                total += int(f[11]) + int(f[12])
        except OSError:
            pass
    return total / tick


for ep in args.endpoints:
    c = Client()
    for _ in range(10):
        fc.one_request(c, req.next(ep))
    own0, pg0, t0 = time.process_time(), pg_cpu(), time.perf_counter()
    for _ in range(args.requests):
        fc.one_request(c, req.next(ep))
    n = args.requests
    wall = (time.perf_counter() - t0) / n * 1000
    own = (time.process_time() - own0) / n * 1000
    pg = (pg_cpu() - pg0) / n * 1000
    print(f"{ep}: wall {wall:.3f} ms, python CPU {own:.3f} ms, postgres CPU {pg:.3f} ms")

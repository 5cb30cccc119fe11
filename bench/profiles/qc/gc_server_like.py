"""GC cost per request as a server has it: settle() after setup (as huntzen/wsgi.py),
warm-up, then N requests; time in collections via gc.callbacks (GC_THRESHOLD=a,b,c to
try other thresholds). Run from the tree measured, with the state of bench/framework_cost.py
setup at /tmp/qc-fc.json."""
# ruff: noqa: E402 (Django is set up from the state before its imports)

import gc
import json
import os
import sys
import time

sys.path.insert(0, os.getcwd())  # run from the tree measured
state = json.load(open("/tmp/qc-fc.json"))
os.environ.update(state["env"])
import django

django.setup()
from huntzen.process import settle

settle()
from django.test import Client

from bench import framework_cost as fc

thr = os.environ.get("GC_THRESHOLD")
if thr:
    gc.set_threshold(*map(int, thr.split(",")))
eps = sys.argv[1:]
reqs = {e: state["requests"][e] for e in eps}
clients = {e: Client() for e in eps}
for e in eps:
    for _ in range(20):
        fc.one_request(clients[e], reqs[e])
print("unfrozen gen2 after warm-up:", len(gc.get_objects(2)), "threshold", gc.get_threshold())
stats = {}
cur = {}


def cb(phase, info):
    if phase == "start":
        cur["t"] = time.perf_counter()
    else:
        g = info["generation"]
        s = stats.setdefault(g, [0, 0.0])
        s[0] += 1
        s[1] += time.perf_counter() - cur["t"]


gc.callbacks.append(cb)
for e in eps:
    stats.clear()
    n = 1000
    t0 = time.process_time()
    for _ in range(n):
        fc.one_request(clients[e], reqs[e])
    cpu = time.process_time() - t0
    tot = sum(s[1] for s in stats.values())
    print(
        f"{e}: CPU {cpu / n * 1e3:.3f} ms/req, GC {tot / n * 1e6:.1f} µs/req "
        f"({tot / cpu * 100:.1f} %), by generation:",
        {g: (c, round(t / max(c, 1) * 1e6)) for g, (c, t) in sorted(stats.items())},
        "gen2 now",
        len(gc.get_objects(2)),
    )

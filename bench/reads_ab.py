"""A/B of the read endpoints in process, two source trees on one database (issue 15).

    .venv/bin/python bench/reads_ab.py setup TREE      # bench/api.py's data, once
    .venv/bin/python bench/reads_ab.py measure TREE    # from TREE's code, on that data

`setup` builds bench/api.py's data in huntzen_bench_h4 (dropped first) and keeps its
environment and tokens in /tmp/h4-bench-state.pkl; `measure` runs hello, /auth/me and the
three reads from TREE (e.g. an unpacked `git archive` of the base commit, then the
branch) on that same database, printing per endpoint the median wall and CPU (this
thread's) milliseconds over N requests (env N, default 60), the queries and a hash of
the body (the same hash: the same bytes). CPU time holds on a loaded machine where wall
time does not. `PROFILE=endpoint` also prints a cProfile of 30 more requests."""

import hashlib
import os
import pickle
import statistics
import sys
import time
from types import SimpleNamespace

STATE = "/tmp/h4-bench-state.pkl"
mode, tree = sys.argv[1], sys.argv[2]
sys.path.insert(0, tree)
os.chdir(tree)
import bench.api as b  # noqa: E402

if mode == "setup":
    args = SimpleNamespace(
        database_url="postgres://postgres@127.0.0.1:5432/huntzen_bench_h4",
        redis_url="redis://127.0.0.1:6379/4",
    )
    env = b.bench_env(args)
    os.environ.update(env)
    b.recreate_database(args.database_url)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    data = b.setup_data()
    pickle.dump((env, data), open(STATE, "wb"))
    print("setup done", data["setup_seconds"])
    sys.exit()

env, data = pickle.load(open(STATE, "rb"))
os.environ.update(env)
import django  # noqa: E402

django.setup()
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

targets = b.Targets(data)
N = int(os.environ.get("N", 60))
out = {}
ENDPOINTS = os.environ.get("ENDPOINTS", "me my_consultations practitioners slots").split()
for endpoint in ["hello", *ENDPOINTS]:
    client = Client()
    method, path, body, auth = targets.request(endpoint, 0)
    headers = {"Authorization": f"Bearer {auth[1]['token']}"} if auth and auth[0] == "jwt" else {}
    if auth and auth[0] == "session":
        client.cookies["sessionid"] = auth[1]["session"]
    walls, cpus = [], []
    for n in range(N + 5):
        with CaptureQueriesContext(connection) as q:
            t0, c0 = time.perf_counter(), time.thread_time()
            r = client.get(path, headers=headers)
            t1, c1 = time.perf_counter(), time.thread_time()
        assert r.status_code == 200, (endpoint, r.status_code, r.content[:200])
        if n >= 5:
            walls.append(t1 - t0)
            cpus.append(c1 - c0)
    out[endpoint] = (
        statistics.median(walls) * 1000,
        statistics.median(cpus) * 1000,
        len(q),
        hashlib.sha1(r.content).hexdigest()[:10],
    )
    if os.environ.get("PROFILE") == endpoint:
        import cProfile
        import pstats

        pr = cProfile.Profile()
        pr.enable()
        for _n in range(30):
            client.get(path, headers=headers)
        pr.disable()
        pstats.Stats(pr).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            int(os.environ.get("LINES", 60))
        )
print(f"{tree} load {open('/proc/loadavg').read().split()[:3]}")
for e, (w, c, q, digest) in out.items():
    print(f"  {e:18s} wall {w:7.2f} ms  cpu {c:7.2f} ms  queries {q}  body sha1 {digest}")

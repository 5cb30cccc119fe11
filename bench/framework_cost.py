"""Benchmark: the framework's own cost per request, counted in instructions.

bench/api.py's in-process figures are times, which a shared machine moves by half or
more from one minute to the next. Instructions executed by this process (valgrind's
callgrind) do not move with the load: two runs of the same code count the same within
a fraction of a percent. This script runs hello and a few API endpoints through Django's
test client on bench/api.py's data and settings, in two steps:

    .venv/bin/python bench/framework_cost.py setup --state /tmp/fc.json \
        [--database-url ...] [--redis-url ...]
    .venv/bin/python bench/framework_cost.py run --state /tmp/fc.json \
        [--endpoints hello me ... book cancel start end] [--requests 200]
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python bench/framework_cost.py count --state /tmp/fc.json --requests 100

`setup` (re)creates the database and Redis db as bench/api.py does and writes the
settings' secrets and the signed-in readers to `--state` (the database keeps the
rest). `run` prints, per endpoint, the median wall and CPU ms of `--requests` requests
after a warm-up, and the query count, as bench/api.py's in-process run does. `count`
runs each endpoint `--requests` times after the same warm-up and reads callgrind's
instruction counter around each endpoint's requests (through callgrind's client
request, via ctypes; zero outside valgrind): instructions per request, per endpoint.

The writes (`book`, `cancel`, `start`, `end`) pop bench/api.py's prepared targets, each
another user's: their cached sign-in is warmed before the counted requests (as the long
server phases have it), and what a run used is taken off `--state`, so the next run
(until the targets run out: then `setup` again) writes new rows. `end` ends what `start`
started, in this run or an earlier one.
"""

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENDPOINTS = ["hello", "me", "my_consultations", "practitioners", "slots"]
WARM_UP = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=["setup", "run", "count"])
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--endpoints", nargs="+", default=ENDPOINTS)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", type=Path, help="run: cProfile summaries there")
    parser.add_argument(
        "--cpu-profile",
        action="store_true",
        help="run: profile this process's CPU time, not wall time (waits on PostgreSQL "
        "and Redis, and the other processes of a loaded machine, then count for nothing)",
    )
    parser.add_argument("--measure", help="count: the endpoint whose requests are run")
    parser.add_argument(
        "--sql", type=Path, help="run: each endpoint's statements of its last request there"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/huntzen_bench_api"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    )
    return parser.parse_args()


def setup(args) -> None:
    from bench import api

    env = api.bench_env(args)
    os.environ.update(env)
    api.recreate_database(args.database_url)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    data = api.setup_data()
    targets = api.Targets(data)
    requests = {endpoint: targets.request(endpoint, 0) for endpoint in api.READS}
    writes = {"plans": data["plans"], "cancel": data["cancel"], "run": data["run"]}
    args.state.write_text(
        json.dumps({"env": env, "requests": requests, "writes": {**writes, "started": []}})
    )


class Requests:
    """Each endpoint's next request: a read's is always the same, a write's is popped
    from the state's targets (`save` writes back what is left)."""

    def __init__(self, args):
        from bench import api

        self.path = args.state
        self.state = json.loads(args.state.read_text())
        # The state's targets (tens of thousands of objects, alive all run long) kept out
        # of the cyclic collector's full walks: where one fell among an endpoint's
        # requests it added millions of instructions to them (booking counted 14.2 M in
        # one run, 18.8 M in the next, same code).
        gc.freeze()
        os.environ.update(self.state["env"])
        writes = self.state.get("writes", {"plans": [], "cancel": [], "run": [], "started": []})
        self.targets = api.Targets(
            {"readers": [None], "plans": writes["plans"], "cancel": writes["cancel"]}
            | {"run": writes["run"]}
        )
        self.targets.started = list(writes["started"])
        import django

        django.setup()

    def next(self, endpoint: str):
        if endpoint in self.state["requests"]:
            return self.state["requests"][endpoint]
        request = self.targets.request(endpoint, 0)
        if request is None:
            raise SystemExit(f"{endpoint}: no targets left, run setup again")
        return request

    def save(self) -> None:
        t = self.targets
        self.state["writes"] = {
            "plans": list(reversed(t.plans)),
            "cancel": list(reversed(t.cancel)),
            "run": list(reversed(t.run)),
            "started": t.started,
        }
        self.path.write_text(json.dumps(self.state))


def _headers(client, auth) -> dict:
    if auth and auth[0] == "jwt":
        return {"Authorization": f"Bearer {auth[1]['token']}"}
    if auth:
        client.cookies["sessionid"] = auth[1]["session"]
    return {}


def warm_sign_in(client, request) -> None:
    """A write's user (each target another one) signed in already, as on a server."""
    method, _, _, auth = request
    if method == "POST":
        client.get("/api/v1/auth/me", headers=_headers(client, auth))


def one_request(client, request):
    method, path, body, auth = request
    headers = _headers(client, auth)
    if method == "GET":
        response = client.get(path, headers=headers)
    else:
        response = client.post(path, body or "{}", "application/json", headers=headers)
    expected = 201 if path == "/api/v1/consultations" else 200
    if response.status_code != expected:
        raise SystemExit(f"{method} {path}: {response.status_code} {response.content[:300]}")
    return response


def write_profile(profiler, path: Path) -> None:
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(80)
    stats.sort_stats("tottime").print_stats(40)
    venv = str(Path(sys.executable).parent.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.getvalue().replace(str(ROOT) + "/", "").replace(venv, "venv"))


def run(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    requests = Requests(args)
    print("| endpoint | ms | CPU ms | queries |")
    for endpoint in args.endpoints:
        client = Client()
        for _ in range(WARM_UP):
            request = requests.next(endpoint)
            warm_sign_in(client, request)
            one_request(client, request)
        times, cpu = [], []
        timer = (time.process_time,) if args.cpu_profile else ()
        profiler = cProfile.Profile(*timer) if args.profile else None
        for _ in range(args.requests):
            request = requests.next(endpoint)
            warm_sign_in(client, request)
            if profiler:
                profiler.enable()
            t0, c0 = time.perf_counter(), time.process_time()
            one_request(client, request)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            if profiler:
                profiler.disable()
        if profiler:
            write_profile(profiler, args.profile / f"{endpoint}.txt")
        request = requests.next(endpoint)
        warm_sign_in(client, request)
        with CaptureQueriesContext(connection) as captured:
            one_request(client, request)
        if args.sql:
            args.sql.mkdir(parents=True, exist_ok=True)
            (args.sql / f"{endpoint}.sql.txt").write_text(
                "".join(f"{query['sql']}\n" for query in captured)
            )
        print(
            f"| {endpoint} | {statistics.median(times) * 1000:.3f} "
            f"| {statistics.median(cpu) * 1000:.3f} | {len(captured)} |"
        )
    requests.save()


def count(args) -> None:
    """Every endpoint's warm-up, then `--requests` requests of `--measure` (none without
    it): the caller subtracts the totals of two such runs under callgrind."""
    from django.test import Client

    requests = Requests(args)
    clients = {endpoint: Client() for endpoint in args.endpoints}

    def batch(endpoint, n):
        """n requests of the endpoint, their users' sign-in warmed beforehand."""
        batch = [requests.next(endpoint) for _ in range(n)]
        for request in batch:
            warm_sign_in(clients[endpoint], request)
        return batch

    for endpoint in args.endpoints:
        for request in batch(endpoint, WARM_UP):
            one_request(clients[endpoint], request)
    # What the warm-up loaded (templates, statements, translations: a server's first
    # requests load them too) frozen, as huntzen.process.settle freezes what a server
    # loads: otherwise a full collection walking it (about 60 M instructions) landed in
    # whichever endpoint's batch the allocations of the code under test put it (the
    # journal counted 7.0 M in one tree, 5.5 M without it; bench/profiles/qc).
    gc.collect()
    gc.freeze()
    if args.measure:
        for request in batch(args.measure, args.requests):
            one_request(clients[args.measure], request)
        requests.save()
        return
    # Without --measure: each endpoint's requests between two calls of os.getppid, on
    # which `valgrind --tool=callgrind --dump-before=os_getppid` writes its counters
    # (dumps 2, 4, …: the odd ones hold the warm-up and each batch's sign-ins).
    for endpoint in args.endpoints:
        prepared = batch(endpoint, args.requests)
        os.getppid()
        for request in prepared:
            one_request(clients[endpoint], request)
        os.getppid()
    requests.save()


def main():
    args = parse_args()
    {"setup": setup, "run": run, "count": count}[args.step](args)


if __name__ == "__main__":
    main()

"""Benchmark: every API endpoint of issue 15 (and the HR dashboard page, the journal page,
booking, cancel, start and end) as a ratio to a hello-world JSON view served by the same
server process in the same run, under daphne and under gunicorn; plus, in process, each
endpoint's query count and server time.

    .venv/bin/python bench/api.py [--seconds 2] [--rounds 3] [--connections 16] \
        [--servers daphne gthread] [--half-load [--half-load-seconds 8]] \
        [--profile bench/profiles]

With the defaults (two servers, 12 endpoints, 3 rounds of 2 s) the server phase takes
about 3 minutes and the whole run about 4 on a quiet machine; each phase prints a line
on stderr as it starts.

Production settings (DEBUG off, PostgreSQL through psycopg's pool, the Redis cache and
channel layer, the API rate limits raised out of the way) plus /bench/hello, a bare JSON
view behind the same middleware (bench/api_settings.py). It (re)creates its own database
(`--database-url`, default huntzen_bench_api; the name must contain "bench" or "h4") and
uses Redis db 8 (`--redis-url`), loopback only.

Servers (`--servers`), each started fresh on 127.0.0.1 for its phases:
- `daphne`: one daphne process (`huntzen.asgi:application`);
- `gunicorn`: one gunicorn sync worker (`huntzen.wsgi:application`; gunicorn's sync
  worker answers one request per connection, the client reconnects);
- `gthread` / `gthread2`: one or two gunicorn gthread workers with 4 threads each;
- `daphne2` / `gunicorn2`: the same with two processes (one per core): two daphne on two
  ports (connections alternate between them, as a proxy would spread them), or gunicorn
  `-w 2` on one port.

All the servers run at once, measured in turn phase by phase (a shared machine's load
then weighs on them alike). Each phase runs `--connections` keep-alive client threads as
fast as they go for `--seconds` (closed loop): requests per second, p50 and p99 latency,
non-2xx answers, the server processes' CPU time per request (from /proc, so what other
work on the machine does not count), `--rounds` times (the servers in turn in each
round), keeping the round of median rate. hello runs first and last (the ratio uses
their mean). With `--half-load`, every endpoint is run again (one round) at half its
measured rate (open loop, latency counted from the planned send time, so a stall is not
hidden) for its p99; `--half-load-seconds` makes those phases longer (a p99 over a few
hundred requests is their two or three slowest). Writes use prepared targets: bookings
of distinct free slots (employees who are free then), cancellations of future
consultations, starts then ends of consultations whose start window
(consultations/room.py) is open throughout the run (`run_starts`: the bench's
HUNTZEN_START_GRACE_MINUTES is wide enough for its quarter-hours, as many as every start
phase may use at WRITE_RATE_BOUND). In process,
every answer must be the endpoint's success (201 for a booking, 200 otherwise), or the
run stops.

In process (Django's test client, same database and Redis): each endpoint's median
server time over `--repeat` requests, the median CPU time of this process alone (what
the load of a shared machine changes least), and its SQL query count; `--profile DIR` writes a
cProfile summary per endpoint there (top functions by cumulative time, then by own
time).

Results go to stdout and bench/results/api.json.
"""

import argparse
import base64
import cProfile
import functools
import http.client
import io
import json
import math
import os
import platform
import pstats
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

HOST, PORT = "127.0.0.1", 8790
EMPLOYEES = 200
READERS = 16
PRACTITIONERS = 40
HISTORY_PER_WEEKDAY = 6
JOURNAL_PER_READER = 30
CANCEL_TARGETS = 4000
# The start window of the bench's targets stays open this long after the setup (the
# bench's own HUNTZEN_START_GRACE_MINUTES makes room for `run_targets_per_practitioner`
# quarter-hours in it; the rule itself is the service's).
RUN_WINDOW_HOURS = 1
# At least this many (what a caller that runs no server phase, bench/framework_cost.py,
# gets).
RUN_TARGETS_PER_PRACTITIONER = 60
# A bound on any write's rate on one server, in requests per second, that no machine is
# expected to reach: this machine's hello ran at 700-790 req/s on gthread, its fastest
# write (start) at 0.37 of that, and the start phase at half load once found its targets
# used up by the three full-load rounds.
WRITE_RATE_BOUND = 1000
CSRF = "b" * 32

READS = [
    "hello",
    "me",
    "my_consultations",
    "practitioners",
    "slots",
    "journal",
    "company_metrics",
    "hr_dashboard_page",
    "journal_page",
]
WRITES = ["book", "cancel", "start", "end"]
# What each endpoint answers when it works (the in-process run checks every answer).
EXPECTED_STATUS = {"book": 201}


def progress(message: str) -> None:
    """A line on stderr as the run goes (the results are on stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2, help="per phase and round")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--servers",
        nargs="+",
        default=["daphne", "gthread"],
        help="daphne gunicorn gthread gthread2 daphne2 gunicorn2",
    )
    parser.add_argument("--endpoints", nargs="+", default=READS[1:] + WRITES)
    parser.add_argument("--repeat", type=int, default=30, help="in-process requests")
    parser.add_argument("--rounds", type=int, default=3, help="per phase; the median is kept")
    parser.add_argument("--half-load", action="store_true")
    parser.add_argument(
        "--half-load-seconds",
        type=float,
        help="each half-load phase's length (default --seconds): its p99 is about the "
        "hundredth-worst request, so a 2-s phase at 100 req/s rests on two requests",
    )
    parser.add_argument("--profile", type=Path, help="write cProfile summaries there")
    parser.add_argument(
        "--sql",
        type=Path,
        help="write there each endpoint's statements of its last in-process request, timed",
    )
    parser.add_argument("--no-server", action="store_true", help="in-process figures only")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/huntzen_bench_api"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "api.json")
    return parser.parse_args()


def bench_env(args) -> dict:
    return {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CACHE_KEY_PREFIX": "bench-api",
        "CHANNEL_LAYER_PREFIX": "bench-api",
        "DJANGO_SETTINGS_MODULE": "bench.api_settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HUNTZEN_ENCRYPTION_KEYS": "bench:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": f"{HOST},testserver",
        "HUNTZEN_HTTPS": "false",
        "HUNTZEN_MFA_REQUIRED_ROLES": "",
        "HUNTZEN_API_RATE_LIMIT": "1000000/m",
        "HUNTZEN_API_BOOKING_RATE_LIMIT": "1000000/m",
        # Wide enough for run_starts' quarter-hours (15 minutes each) plus RUN_WINDOW_HOURS.
        "HUNTZEN_START_GRACE_MINUTES": str(
            15 * run_targets_per_practitioner(args) + 60 * RUN_WINDOW_HOURS
        ),
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }


def recreate_database(database_url: str) -> None:
    import psycopg

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    assert "bench" in name or "h4" in name, "the bench drops its database: name it *bench*"
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# --- Data ------------------------------------------------------------------------------


def sign_in(user) -> dict:
    """A portal session (cookie) and an API access token (allauth's JWT, over its own
    token session), as a client would hold after signing in."""
    from allauth.headless.tokens.strategies.jwt import internal
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    keys = []
    for _ in range(2):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store)
    token = internal.create_access_token(user, keys[1], {})
    return {"id": str(user.pk), "session": keys[0].session_key, "token": token}


def _practitioner(email: str, *, hours, length: int, buffer: int):
    from accounts.models import Role
    from accounts.services import user_create
    from companies.models import PractitionerProfile
    from consultations import services

    user = user_create(email=email, role=Role.PRACTITIONER, first_name="P", last_name=email[:8])
    PractitionerProfile.objects.get_or_create(user=user, defaults={"profession": "coach"})
    services.availability_update(actor=user, length_minutes=length, buffer_minutes=buffer)
    services.weekly_hours_set(actor=user, openings=hours)
    return user


def _bulk_consultations(rows) -> None:
    """Consultation rows with their status change and both participants' guardian
    rows, as booking writes them, in bulk."""
    from django.contrib.auth.models import Permission

    from consultations.models import Consultation, ConsultationUserObjectPermission, StatusChange
    from consultations.permissions import EMPLOYEE_PERMS, PRACTITIONER_PERMS

    Consultation.objects.bulk_create(rows, batch_size=2000)
    StatusChange.objects.bulk_create(
        [
            StatusChange(
                consultation=c, actor=None, from_status="", to_status="scheduled", at=c.created_at
            )
            for c in rows
        ],
        batch_size=2000,
    )
    perms = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="consultations",
            codename__in=set(EMPLOYEE_PERMS) | set(PRACTITIONER_PERMS),
        )
    }
    grants = [
        ConsultationUserObjectPermission(
            user_id=user_id, permission=perms[codename], content_object=c
        )
        for c in rows
        for user_id, codenames in (
            (c.employee_id, EMPLOYEE_PERMS),
            (c.practitioner_id, PRACTITIONER_PERMS),
        )
        for codename in codenames
    ]
    ConsultationUserObjectPermission.objects.bulk_create(grants, batch_size=5000)


def start_requests_bound(args) -> int:
    """How many starts a run may send at most: each server's closed-loop rounds and its
    half-load round (counted at the full rate), each `--seconds` long at
    WRITE_RATE_BOUND, and the in-process requests (with their warm-up). Each end ends a
    start, so the ends need no more. 0 server phases for a caller without these
    arguments (bench/framework_cost.py)."""
    servers = 0 if getattr(args, "no_server", False) else len(getattr(args, "servers", ()))
    seconds = getattr(args, "rounds", 0) * getattr(args, "seconds", 0)
    if getattr(args, "half_load", False):
        seconds += half_load_seconds(args)
    per_server = math.ceil(WRITE_RATE_BOUND * seconds)
    return per_server * servers + getattr(args, "repeat", 0) + 3


def half_load_seconds(args) -> float:
    """The length of each half-load phase: `--half-load-seconds`, else `--seconds`."""
    return getattr(args, "half_load_seconds", None) or getattr(args, "seconds", 0)


def run_targets_per_practitioner(args) -> int:
    """Start/end targets of each practitioner (one per quarter-hour of her start
    window): enough for `start_requests_bound` on any machine, RUN_TARGETS_PER_PRACTITIONER
    at least."""
    return max(RUN_TARGETS_PER_PRACTITIONER, math.ceil(start_requests_bound(args) / PRACTITIONERS))


def run_starts(now: datetime) -> list[datetime]:
    """Planned starts of the start/end targets: quarter-hours (15-minute consultations)
    whose start window (consultations/room.py: from 15 minutes before the planned start
    to the planned end plus HUNTZEN_START_GRACE_MINUTES) is open now and stays open for
    RUN_WINDOW_HOURS, so that every start of the run is allowed."""
    from django.conf import settings

    from consultations import room

    quarter = timedelta(minutes=15)
    grace = timedelta(minutes=settings.HUNTZEN_START_GRACE_MINUTES)
    first = now - grace - quarter + timedelta(hours=RUN_WINDOW_HOURS)  # still open then
    last = now + room.OPENS_BEFORE - timedelta(minutes=1)  # already open now
    start = first.replace(second=0, microsecond=0) + timedelta(minutes=1)
    starts = []
    while start <= last:
        starts.append(start)
        start += quarter
    return starts


def setup_data() -> dict:
    import django

    django.setup()
    from datetime import time as clock

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Role
    from accounts.services import user_create
    from companies.services import company_activate, company_create
    from consultations import selectors
    from consultations.models import Consultation
    from medical import services as medical_services

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    company = company_activate(
        company=company_create(
            name="Bench",
            siret="73282932000074",
            contact_email="bench@bench.test",
            seats=EMPLOYEES + 10,
        )
    )
    hr = user_create(email="hr@bench.test", role=Role.COMPANY_RH, company=company)
    employees = [
        user_create(
            email=f"e{i}@bench.test",
            role=Role.EMPLOYEE,
            company=company,
            first_name="E",
            last_name=str(i),
        )
        for i in range(EMPLOYEES)
    ]
    readers = employees[:READERS]
    others = employees[READERS:]
    every_day = [(d, clock(0), clock(23, 59)) for d in range(7)]
    practitioners = [
        _practitioner(f"p{i}@bench.test", hours=every_day, length=15, buffer=0)
        for i in range(PRACTITIONERS)
    ]
    history = _practitioner(
        "history@bench.test",
        hours=[(d, clock(9), clock(19)) for d in range(5)],
        length=50,
        buffer=10,
    )

    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)

    def row(employee, practitioner, start, minutes, status="scheduled", **more):
        return Consultation(
            employee=employee,
            practitioner=practitioner,
            company=company,
            kind="video",
            status=status,
            scheduled_at=start,
            scheduled_end=start + timedelta(minutes=minutes),
            created_at=start - timedelta(days=3) if start < now else now,
            **more,
        )

    # A year of history for "history" (six a weekday), all with the readers: their
    # "my consultations" page is full (about 100 each).
    rows = []
    for back in range(1, 366):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for n in range(HISTORY_PER_WEEKDAY):
            start = day.replace(hour=9 + n)
            rows.append(
                row(
                    readers[(back * HISTORY_PER_WEEKDAY + n) % READERS],
                    history,
                    start,
                    50,
                    status="completed",
                    started_at=start,
                    ended_at=start + timedelta(minutes=50),
                    duration_seconds=3000,
                )
            )
    _bulk_consultations(rows)
    call_command("rebuild_counters", verbosity=0)

    # Cancel targets: days 20 to 40 ahead. Start/end targets: every quarter-hour of the
    # start window (run_starts). Booking: days 1 to 14 ahead.
    cancel_rows, run_rows = [], []
    for p_index, practitioner in enumerate(practitioners):
        for k in range(CANCEL_TARGETS // PRACTITIONERS):
            start = today + timedelta(days=20 + k // 48, hours=(k % 48) / 2)
            cancel_rows.append(row(others[p_index], practitioner, start, 15))
        for start in run_starts(now):
            run_rows.append(row(others[PRACTITIONERS + p_index], practitioner, start, 15))
    _bulk_consultations(cancel_rows + run_rows)

    for reader in readers:
        for n in range(JOURNAL_PER_READER):
            medical_services.journal_entry_create(
                owner=reader,
                mood=1 + n % 5,
                text=f"Entrée {n}: une journée comme une autre, écrite pour le banc d'essai.",
                entry_date=timezone.localdate() - timedelta(days=n),
            )

    signed = {str(u.pk): sign_in(u) for u in [hr, *employees, *practitioners]}
    tomorrow = today + timedelta(days=1)
    slots = selectors.opening_slots(
        availability=selectors.availability_for(practitioners[0]),
        start=tomorrow,
        end=tomorrow + timedelta(days=14),
    )
    # Late in the UTC day, tomorrow's first hours in the practitioner's zone are within
    # the booking notice: only slots bookable for the whole run.
    bookable_from = timezone.now() + selectors.booking_notice() + timedelta(hours=2)
    slots = [slot for slot in slots if slot.start >= bookable_from]
    booking_employees = others[2 * PRACTITIONERS :]
    plans = [
        (
            signed[str(booking_employees[i % len(booking_employees)].pk)],
            json.dumps(
                {
                    "practitionerId": str(practitioners[i % PRACTITIONERS].pk),
                    "scheduledAt": slots[i // PRACTITIONERS].start.isoformat(),
                    "type": "video",
                }
            ),
        )
        for i in range(len(slots) * PRACTITIONERS)
    ]
    # Interleave so that consecutive targets belong to different users.
    cancel_rows.sort(key=lambda c: (c.scheduled_at, c.practitioner_id))
    run_rows.sort(key=lambda c: (c.scheduled_at, c.practitioner_id))
    months_back = date.today().replace(day=1)
    first = (months_back - timedelta(days=1)).replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return {
        "setup_seconds": round(time.perf_counter() - started, 1),
        "readers": [signed[str(u.pk)] for u in readers],
        "hr": signed[str(hr.pk)],
        "company_id": str(company.pk),
        "history_id": str(history.pk),
        "year": {"from": first.isoformat(), "to": (months_back - timedelta(days=1)).isoformat()},
        "plans": plans,
        "cancel": [(signed[str(c.employee_id)], str(c.pk)) for c in cancel_rows],
        "run": [(signed[str(c.practitioner_id)], str(c.pk)) for c in run_rows],
        "history_rows": len(rows),
    }


# --- Requests --------------------------------------------------------------------------


class Targets:
    """The requests of each endpoint: reads cycle through the readers (one per
    connection), writes pop prepared targets (None once they run out)."""

    def __init__(self, data: dict):
        self.data = data
        self.lock = threading.Lock()
        self.plans = list(reversed(data["plans"]))
        self.cancel = list(reversed(data["cancel"]))
        self.run = list(reversed(data["run"]))
        self.started: list = []

    def _pop(self, queue):
        with self.lock:
            return queue.pop() if queue else None

    def request(self, endpoint: str, worker: int):
        """(method, path, body, auth) with auth ("jwt"|"session", signed) or None."""
        d = self.data
        reader = d["readers"][worker % len(d["readers"])]
        today = date.today()
        if endpoint == "hello":
            return "GET", "/bench/hello", None, None
        if endpoint == "me":
            return "GET", "/api/v1/auth/me", None, ("jwt", reader)
        if endpoint == "my_consultations":
            return "GET", "/api/v1/consultations/my", None, ("jwt", reader)
        if endpoint == "practitioners":
            return "GET", "/api/v1/practitioners", None, ("jwt", reader)
        if endpoint == "slots":
            span = f"from={today}&to={today + timedelta(days=27)}"
            return (
                "GET",
                f"/api/v1/practitioners/{d['history_id']}/slots?{span}",
                None,
                (
                    "jwt",
                    reader,
                ),
            )
        if endpoint == "journal":
            return "GET", "/api/v1/medical/journal", None, ("jwt", reader)
        if endpoint == "company_metrics":
            year = f"from={d['year']['from']}&to={d['year']['to']}"
            return (
                "GET",
                f"/api/v1/metrics/companies/{d['company_id']}?{year}",
                None,
                (
                    "jwt",
                    d["hr"],
                ),
            )
        if endpoint == "hr_dashboard_page":
            return "GET", "/metrics/company/", None, ("session", d["hr"])
        if endpoint == "journal_page":
            return "GET", "/journal/", None, ("session", reader)
        if endpoint == "book":
            plan = self._pop(self.plans)
            return plan and ("POST", "/api/v1/consultations", plan[1], ("jwt", plan[0]))
        if endpoint == "cancel":
            target = self._pop(self.cancel)
            return target and (
                "POST",
                f"/api/v1/consultations/{target[1]}/cancel",
                json.dumps({"reason": "Un empêchement."}),
                ("jwt", target[0]),
            )
        if endpoint == "start":
            target = self._pop(self.run)
            if target is None:
                return None
            with self.lock:
                self.started.append(target)
            return "POST", f"/api/v1/consultations/{target[1]}/start", "{}", ("jwt", target[0])
        if endpoint == "end":
            target = self._pop(self.started)
            return target and (
                "POST",
                f"/api/v1/consultations/{target[1]}/end",
                "{}",
                ("jwt", target[0]),
            )
        raise ValueError(endpoint)


def _headers(body, auth) -> dict:
    headers = {"Host": HOST}
    if auth:
        kind, signed = auth
        if kind == "jwt":
            headers["Authorization"] = f"Bearer {signed['token']}"
        else:
            headers["Cookie"] = f"sessionid={signed['session']}; csrftoken={CSRF}"
            headers["X-CSRFToken"] = CSRF
    if body is not None:
        headers["Content-Type"] = "application/json"
    return headers


def _send(conn, request):
    method, path, body, auth = request
    conn.request(method, path, body=body, headers=_headers(body, auth))
    response = conn.getresponse()
    payload = response.read()
    return response.status, payload


def _percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def group_cpu_seconds(pgids) -> float:
    """User + system CPU time of every process in these process groups (a server and its
    workers): what a request costs the server, whatever else the machine runs."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) in pgids:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def run_phase(ports, targets, endpoint, *, seconds, connections, rate=None, pgids=()):
    """Closed loop (as fast as each connection goes), or open loop at `rate` req/s in
    all (each request planned at a fixed time; latency counts from that time)."""
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    results = {"ok": 0, "errors": 0, "latencies": [], "samples": []}
    cpu_before = group_cpu_seconds(pgids) if pgids else None
    start_all = time.perf_counter()

    def worker(index):
        conn = http.client.HTTPConnection(HOST, ports[index % len(ports)], timeout=15)
        ok = errors = 0
        latencies, samples = [], []
        n = 0
        while True:
            planned = None
            if rate:
                planned = start_all + (n * connections + index) / rate
                if planned >= deadline:
                    break
                pause = planned - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                n += 1
            elif time.perf_counter() >= deadline:
                break
            request = targets.request(endpoint, index)
            if request is None:
                break
            t0 = time.perf_counter()
            try:
                status, payload = _send(conn, request)
            except (OSError, http.client.HTTPException) as error:
                status, payload = 599, repr(error).encode()
                conn.close()
            latencies.append(time.perf_counter() - (planned or t0))
            if 200 <= status < 300:
                ok += 1
            else:
                errors += 1
                if len(samples) < 3:
                    samples.append(f"{status} {payload[:200].decode(errors='replace')}")
        conn.close()
        with lock:
            results["ok"] += ok
            results["errors"] += errors
            results["latencies"].extend(latencies)
            results["samples"].extend(samples)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start_all
    lat = results["latencies"]
    served = results["ok"] + results["errors"]
    cpu = (
        round((group_cpu_seconds(pgids) - cpu_before) * 1000 / served, 2)
        if pgids and served
        else None
    )
    return {
        "server_cpu_ms_per_request": cpu,
        "rps": round(results["ok"] / elapsed, 1),
        "ok": results["ok"],
        "errors": results["errors"],
        "p50_ms": round(_percentile(lat, 0.5) * 1000, 1) if lat else None,
        "p99_ms": round(_percentile(lat, 0.99) * 1000, 1) if lat else None,
        "error_samples": results["samples"][:3],
    }


# --- Servers ---------------------------------------------------------------------------


def start_server(kind: str, env: dict, port: int):
    """Start `kind` on `port` (and `port + 1`); returns (processes, ports)."""
    env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    if kind in ("daphne", "daphne2"):
        ports = [port] if kind == "daphne" else [port, port + 1]
        commands = [
            [str(BIN / "daphne"), "-b", HOST, "-p", str(p), "huntzen.asgi:application"]
            for p in ports
        ]
    elif kind in ("gunicorn", "gunicorn2", "gthread", "gthread2"):
        ports = [port]
        extra = {
            "gunicorn": ["-w", "1", "-k", "sync"],
            "gunicorn2": ["-w", "2", "-k", "sync"],
            "gthread": ["-w", "1", "-k", "gthread", "--threads", "4"],
            "gthread2": ["-w", "2", "-k", "gthread", "--threads", "4"],
        }[kind]
        commands = [
            [str(BIN / "gunicorn"), "-b", f"{HOST}:{port}", *extra, "--backlog", "2048"]
            + ["--access-logfile", "/dev/null", "huntzen.wsgi:application"]
        ]
    else:
        raise SystemExit(f"unknown server {kind!r}")
    processes = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for command in commands
    ]
    for port, process in zip(ports, processes, strict=False):
        for _ in range(300):
            try:
                socket.create_connection((HOST, port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None:
                    output = process.stderr.read().decode()[-2000:]
                    raise SystemExit(f"{kind} died: {output}") from None
                time.sleep(0.1)
    return processes, ports


def stop_server(processes) -> None:
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def bench_servers(kinds, env, targets, args) -> dict:
    """Every server started at once (idle ones cost nothing) and measured phase by phase
    in turn, so that a machine whose load changes treats them alike."""
    started = {kind: start_server(kind, env, PORT + 10 * n) for n, kind in enumerate(kinds)}
    out = {kind: {} for kind in kinds}

    def each(endpoint, seconds, key=None, rate_of=None):
        """`--rounds` rounds, each server in turn in every round; keeps the round of
        median rate (its latencies too) and every round's rate."""
        rounds = {kind: [] for kind in started}
        for _round in range(args.rounds if key and not rate_of else 1):
            for kind, (_processes, ports) in started.items():
                rate = rate_of(kind) if rate_of else None
                if rate_of and not rate:
                    continue
                progress(
                    f"{kind}: {endpoint}"
                    + (f" at {rate:.0f} req/s" if rate else "")
                    + (f", round {_round + 1}" if key and not rate_of else "")
                )
                rounds[kind].append(
                    run_phase(
                        ports,
                        targets,
                        endpoint,
                        seconds=seconds,
                        connections=args.connections,
                        rate=rate,
                        pgids={p.pid for p in started[kind][0]},
                    )
                )
        for kind, results in rounds.items():
            if key and results:
                results.sort(key=lambda r: r["rps"])
                median = dict(results[len(results) // 2])
                median["rps_rounds"] = [r["rps"] for r in results]
                rate = rate_of(kind) if rate_of else None
                out[kind][key] = median if not rate else {"rate": round(rate, 1), **median}

    try:
        for endpoint in ["hello", *[e for e in args.endpoints if e in READS]]:
            each(endpoint, 1)  # warm-up: pools, imports, caches
        each("hello", args.seconds, "hello_before")
        for endpoint in args.endpoints:
            each(endpoint, args.seconds, endpoint)
        each("hello", args.seconds, "hello_after")
        for kind in kinds:
            hello = (out[kind]["hello_before"]["rps"] + out[kind]["hello_after"]["rps"]) / 2
            out[kind]["hello"] = {"rps": round(hello, 1)}
            for endpoint in args.endpoints:
                out[kind][endpoint]["ratio"] = round(out[kind][endpoint]["rps"] / hello, 3)
        if args.half_load:
            for endpoint in ["hello", *args.endpoints]:
                each(
                    endpoint,
                    half_load_seconds(args),
                    "half_load",
                    rate_of=lambda kind, e=endpoint: out[kind][e]["rps"] / 2,
                )
                for kind in kinds:
                    if "half_load" in out[kind]:
                        out[kind][endpoint]["half_load"] = out[kind].pop("half_load")
    finally:
        for processes, _ports in started.values():
            stop_server(processes)
    return out


# --- In process ------------------------------------------------------------------------


def _timed_statement(timed, execute, sql, params, many, context):
    """An execute wrapper: each statement's own wall time (Django's capture rounds to ms)."""
    t0 = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        timed.append(((time.perf_counter() - t0) * 1000, sql))


def in_process(targets, args) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    out, wrong = {}, []
    for endpoint in ["hello", *args.endpoints]:
        progress(f"in process: {endpoint}")
        client = Client()
        times, cpu, queries, statuses = [], [], [], set()
        profiler = cProfile.Profile() if args.profile else None
        for n in range(args.repeat + 3):
            request = targets.request(endpoint, 0)
            if request is None:
                break
            method, path, body, auth = request
            headers = {}
            if auth and auth[0] == "jwt":
                headers["Authorization"] = f"Bearer {auth[1]['token']}"
            elif auth:
                client.cookies["sessionid"] = auth[1]["session"]
            if method == "POST" and auth:
                # Each write target is another user: warm their cached sign-in first, as
                # the long server phases do, so that the write itself is measured.
                client.get("/api/v1/auth/me", headers=headers)
            call = client.get if method == "GET" else client.post
            kwargs = {"data": body, "content_type": "application/json"} if body else {}
            if method == "POST" and not body:
                kwargs = {"data": "{}", "content_type": "application/json"}
            if profiler and n >= 3:
                profiler.enable()
            timed = []
            with (
                CaptureQueriesContext(connection) as captured,
                connection.execute_wrapper(functools.partial(_timed_statement, timed)),
            ):
                t0, c0 = time.perf_counter(), time.process_time()
                response = call(path, headers=headers, **kwargs)
                elapsed, used = time.perf_counter() - t0, time.process_time() - c0
            if profiler and n >= 3:
                profiler.disable()
            statuses.add(response.status_code)
            if n >= 3:  # warm-up
                times.append(elapsed)
                cpu.append(used)
                queries.append(len(captured))
        if not times:
            continue
        out[endpoint] = {
            "median_ms": round(statistics.median(times) * 1000, 2),
            # This process's CPU time only (not PostgreSQL's, nor other tenants' work):
            # steadier than the wall time on a shared machine.
            "median_cpu_ms": round(statistics.median(cpu) * 1000, 2),
            "queries": statistics.median(queries),
            "statuses": sorted(statuses),
        }
        expected = EXPECTED_STATUS.get(endpoint, 200)
        if statuses != {expected}:
            wrong.append(f"{endpoint}: {sorted(statuses)} (expected {expected})")
        if args.sql:
            args.sql.mkdir(parents=True, exist_ok=True)
            total = sum(ms for ms, _ in timed)
            lines = [f"# {endpoint}: the last request's {len(timed)} statements, ms each"]
            lines += [f"{ms:8.3f}  {sql}" for ms, sql in timed]
            lines.append(f"{total:8.3f}  (in statements, of {elapsed * 1000:.3f} ms)")
            (args.sql / f"{endpoint}.sql.txt").write_text("\n".join(lines) + "\n")
        if profiler:
            args.profile.mkdir(parents=True, exist_ok=True)
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
            summary = text.getvalue().replace(str(ROOT) + "/", "").replace(str(BIN.parent), "venv")
            header = (
                f"# {endpoint}: {len(times)} requests in process, median "
                f"{out[endpoint]['median_ms']} ms, {out[endpoint]['queries']} queries\n"
            )
            (args.profile / f"{endpoint}.txt").write_text(header + summary)
    if wrong:
        print(json.dumps(out, indent=1))
        raise SystemExit("unexpected statuses in process: " + "; ".join(wrong))
    return out


def main():
    args = parse_args()
    env = bench_env(args)
    os.environ.update(env)
    recreate_database(args.database_url)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    data = setup_data()
    targets = Targets(data)
    result = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        },
        "connections": args.connections,
        "seconds": args.seconds,
        "half_load_seconds": half_load_seconds(args) if args.half_load else None,
        "setup_seconds": data["setup_seconds"],
        "history_consultations": data["history_rows"],
        "in_process": in_process(targets, args),
    }
    print(json.dumps(result["in_process"], indent=1), flush=True)
    if not args.no_server:
        from django.db import connections

        connections.close_all()
        result.update(bench_servers(args.servers, env, targets, args))
    result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print_table(result, args)


def print_table(result, args) -> None:
    servers = [s for s in args.servers if s in result]
    head = "| endpoint | in-process ms | in-process CPU ms | queries |"
    for s in servers:
        head += f" {s} req/s | ratio | p99 ms |"
        if args.half_load:
            head += " p99 at half load |"
    print(head)
    for endpoint in ["hello", *args.endpoints]:
        ip = result["in_process"].get(endpoint, {})
        line = (
            f"| {endpoint} | {ip.get('median_ms', '–')} | {ip.get('median_cpu_ms', '–')} "
            f"| {ip.get('queries', '–')} |"
        )
        for s in servers:
            r = result[s].get(endpoint, {})
            ratio = 1 if endpoint == "hello" else r.get("ratio", "–")
            p99 = result[s]["hello_before"]["p99_ms"] if endpoint == "hello" else r.get("p99_ms")
            line += f" {r.get('rps', '–')} | {ratio} | {p99} |"
            if args.half_load:
                line += f" {r.get('half_load', {}).get('p99_ms', '–')} |"
        print(line)


if __name__ == "__main__":
    main()

"""Benchmark: bookings per second through the API (POST /api/v1/consultations) under
daphne on PostgreSQL, as a ratio to a hello-world JSON view served by the same daphne
in the same run; and the slot computation for a practitioner with a year of history.

    .venv/bin/python bench/booking.py [--seconds 10] [--connections 16]

It (re)creates its own database huntzen_bench_consultations on 127.0.0.1 (the name
must contain "bench"), migrates it, creates an active company with 400 employees and
20 practitioners open every day (15-minute consultations, no buffer), and gives the
practitioner "history" a year of past consultations (six per weekday). daphne listens on
127.0.0.1 only, with bench/booking_settings.py (the real settings plus /bench/hello).

Phases: hello-world for --seconds; bookings (each request books a distinct free slot,
with an employee who is free then; every answer must be 201) until --seconds or the
prepared bookings run out; hello-world again. The ratio uses the mean of both hello
phases. The client is Python threads with keep-alive connections, sharing the 2 cores
with daphne and PostgreSQL. Sessions authenticate the client (cookie + CSRF header).
Results go to stdout and bench/results/booking.json.
"""

import argparse
import base64
import http.client
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/huntzen_bench_consultations"
HOST, PORT = "127.0.0.1", 8765
ENV = {
    "DATABASE_URL": DATABASE_URL,
    "DJANGO_SETTINGS_MODULE": "bench.booking_settings",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "HUNTZEN_ENCRYPTION_KEYS": "bench:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "ALLOWED_HOSTS": HOST,
    "HUNTZEN_HTTPS": "false",
    "HUNTZEN_MFA_REQUIRED_ROLES": "",
    "LOG_LEVEL": "WARNING",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
}
os.environ.update(ENV)

EMPLOYEES = 400
PRACTITIONERS = 20
HISTORY_PER_WEEKDAY = 6
CSRF = "b" * 32


def recreate_database():
    import psycopg

    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    assert "bench" in name
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_data():
    """Migrate and seed; returns (session keys per employee, booking plans, history id)."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Role
    from accounts.services import user_create
    from companies.models import PractitionerProfile
    from companies.services import company_activate, company_create
    from consultations import selectors, services
    from consultations.models import Consultation, StatusChange

    call_command("migrate", verbosity=0)
    company = company_activate(
        company=company_create(
            name="Bench",
            siret="73282932000074",
            contact_email="bench@bench.test",
            seats=EMPLOYEES + 10,
        )
    )
    employees = [
        user_create(email=f"e{i}@bench.test", role=Role.EMPLOYEE, company=company)
        for i in range(EMPLOYEES)
    ]
    practitioners = [
        user_create(email=f"p{i}@bench.test", role=Role.PRACTITIONER) for i in range(PRACTITIONERS)
    ]
    history = user_create(email="history@bench.test", role=Role.PRACTITIONER)
    from datetime import time as clock

    for practitioner in [*practitioners, history]:
        PractitionerProfile.objects.get_or_create(
            user=practitioner, defaults={"profession": "coach"}
        )
        services.availability_update(actor=practitioner, length_minutes=15, buffer_minutes=0)
        services.weekly_hours_set(
            actor=practitioner, openings=[(d, clock(0), clock(23, 59)) for d in range(7)]
        )
    services.weekly_hours_set(actor=history, openings=[(d, clock(9), clock(19)) for d in range(5)])
    services.availability_update(actor=history, length_minutes=50, buffer_minutes=10)

    # A year of history for "history": six consultations a weekday, through bulk rows
    # (the read is what is measured), plus the booking's status change.
    now = timezone.now()
    tz = timezone.get_current_timezone()
    day = timezone.localtime(now, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for back in range(1, 366):
        date = day - timedelta(days=back)
        if date.weekday() >= 5:
            continue
        for n in range(HISTORY_PER_WEEKDAY):
            start = date.replace(hour=9 + n)
            rows.append(
                Consultation(
                    employee=employees[(back * HISTORY_PER_WEEKDAY + n) % EMPLOYEES],
                    practitioner=history,
                    company=company,
                    kind="video",
                    status="completed",
                    scheduled_at=start,
                    scheduled_end=start + timedelta(minutes=50),
                    started_at=start,
                    ended_at=start + timedelta(minutes=50),
                    duration_seconds=3000,
                    created_at=start - timedelta(days=3),
                )
            )
    Consultation.objects.bulk_create(rows, batch_size=1000)
    StatusChange.objects.bulk_create(
        [
            StatusChange(
                consultation=c, actor=None, from_status="", to_status="scheduled", at=c.created_at
            )
            for c in rows
        ],
        batch_size=1000,
    )

    sessions = []
    for employee in employees:
        store = SessionStore()
        store[SESSION_KEY] = str(employee.pk)
        store[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
        store[HASH_SESSION_KEY] = employee.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)

    # Booking i: practitioner i % P at the (i // P)-th free slot from tomorrow, employee
    # i % E: an employee's bookings are 20 slots apart, never overlapping.
    tomorrow = day + timedelta(days=1)
    slots = selectors.opening_slots(
        availability=selectors.availability_for(practitioners[0]),
        start=tomorrow,
        end=tomorrow + timedelta(days=14),
    )
    plans = []
    for i in range(len(slots) * PRACTITIONERS):
        plans.append(
            (
                sessions[i % EMPLOYEES],
                json.dumps(
                    {
                        "practitionerId": str(practitioners[i % PRACTITIONERS].pk),
                        "scheduledAt": slots[i // PRACTITIONERS].start.isoformat(),
                        "kind": "video",
                    }
                ),
            )
        )
    return sessions, plans, history


def time_slot_selector(history, repeat=50):
    from django.utils import timezone

    from consultations import selectors

    durations, counts = [], []
    for _ in range(repeat):
        start = timezone.now()
        t0 = time.perf_counter()
        slots = selectors.practitioner_slots(
            practitioner=history, start=start, end=start + timedelta(weeks=8)
        )
        durations.append(time.perf_counter() - t0)
        counts.append(len(slots))
    return statistics.median(durations), counts[0]


def start_daphne():
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/daphne"), "-b", HOST, "-p", str(PORT), "huntzen.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for _ in range(200):
        try:
            socket.create_connection((HOST, PORT), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit("daphne did not start: " + process.stderr.read().decode()[-2000:])


def _request(conn, method, path, body=None, session=None):
    headers = {"Host": HOST}
    if session:
        headers["Cookie"] = f"sessionid={session}; csrftoken={CSRF}"
        headers["X-CSRFToken"] = CSRF
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    return response.status, payload


def load(seconds, connections, work):
    """Run `work(conn)` in a loop on each connection for `seconds`; `work` returns the
    status, or None when it has nothing left. Returns (ok, errors, elapsed)."""
    deadline = time.perf_counter() + seconds
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()
    latencies = []

    def worker():
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        ok = errors = 0
        local_latencies = []
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            status = work(conn)
            if status is None:
                break
            local_latencies.append(time.perf_counter() - t0)
            if status in (200, 201):
                ok += 1
            else:
                errors += 1
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["errors"] += errors
            latencies.extend(local_latencies)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0
    return counts["ok"], counts["errors"], elapsed, latencies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    recreate_database()
    sessions, plans, history = setup_data()
    selector_median, slot_count = time_slot_selector(history)
    history_rows = history.consultations_as_practitioner.count()

    daphne = start_daphne()
    try:

        def hello(conn):
            return _request(conn, "GET", "/bench/hello")[0]

        queue = iter(plans)
        queue_lock = threading.Lock()
        failures = []

        def booking(conn):
            with queue_lock:
                plan = next(queue, None)
            if plan is None:
                return None
            status, payload = _request(conn, "POST", "/api/v1/consultations", plan[1], plan[0])
            if status != 201 and len(failures) < 5:
                failures.append((status, payload[:300]))
            return status

        load(2, args.connections, hello)  # warm-up (pool, imports)
        hello1 = load(args.seconds, args.connections, hello)
        booked = load(args.seconds, args.connections, booking)
        hello2 = load(args.seconds, args.connections, hello)

        slots_path = (
            f"/api/v1/practitioners/{history.pk}/slots?"
            f"from={datetime.now().date()}&to={datetime.now().date() + timedelta(days=27)}"
        )
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        api_slots, api_hello = [], []
        for _ in range(50):
            t0 = time.perf_counter()
            status, _payload = _request(conn, "GET", slots_path, session=sessions[0])
            assert status == 200, _payload[:300]
            api_slots.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _request(conn, "GET", "/bench/hello")
            api_hello.append(time.perf_counter() - t0)
        conn.close()
    finally:
        daphne.terminate()
        daphne.wait(timeout=10)

    hello_rps = (hello1[0] / hello1[2] + hello2[0] / hello2[2]) / 2
    booking_rps = booked[0] / booked[2]
    result = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "connections": args.connections,
        "seconds": args.seconds,
        "hello_rps": round(hello_rps, 1),
        "hello_rps_before_after": [
            round(hello1[0] / hello1[2], 1),
            round(hello2[0] / hello2[2], 1),
        ],
        "bookings_per_second": round(booking_rps, 1),
        "bookings_made": booked[0],
        "booking_errors": booked[1],
        "booking_failures_sample": [(s, p.decode(errors="replace")) for s, p in failures],
        "booking_median_latency_ms": round(statistics.median(booked[3]) * 1000, 1),
        "ratio_bookings_to_hello": round(booking_rps / hello_rps, 3),
        "history_consultations": history_rows,
        "slot_selector_8_weeks_median_ms": round(selector_median * 1000, 2),
        "slot_selector_slots": slot_count,
        "slots_api_4_weeks_median_ms": round(statistics.median(api_slots) * 1000, 2),
        "hello_sequential_median_ms": round(statistics.median(api_hello) * 1000, 2),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "booking.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Benchmark: what a booking request costs with its emails in the outbox, by where the
delivery happens, measured in process (Django's test client, no server) on PostgreSQL.

    .venv/bin/python bench/outbox.py [--rounds 15] [--passes 3]

Modes, in blocks of --rounds bookings, the four blocks repeated --passes times:
  no-email   the booking with its notification turned off (the floor);
  broker     production: two outbox rows in the transaction, two tasks published to
             Redis after commit (no worker runs: delivery is not in the request);
  eager      the embedded default: same rows, delivered in the request after commit
             (locmem email backend: rendering and SMTP excluded, only the outbox's work);
  broker-down  the broker refusing connections: the rows commit, publishing fails fast.
It (re)creates its own database huntzen_h1_bench_outbox and uses Redis db 1 with its
own key prefix. Prints medians (ms) and ratios to no-email.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "huntzen_h1_bench_outbox"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.update(
    {
        "DEBUG": "true",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "DATABASE_POOL": "false",
        "REDIS_URL": REDIS,
        "CACHE_KEY_PREFIX": "bench-outbox",
        "CELERY_KEY_PREFIX": "bench-outbox",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "HUNTZEN_API_RATE_LIMIT": "100000/m",
        "HUNTZEN_API_BOOKING_RATE_LIMIT": "100000/m",
        "HUNTZEN_MFA_REQUIRED_ROLES": "",
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "huntzen.settings",
    }
)


def recreate_database():
    for sql in (f'DROP DATABASE IF EXISTS "{DB}"', f'CREATE DATABASE "{DB}"'):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15, help="bookings per mode and pass")
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    recreate_database()
    import django

    django.setup()
    from django.core import mail
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from datetime import time as clock

    from rest_framework.test import APIClient

    from accounts.models import Role
    from companies.services import company_activate, company_create, practitioner_create
    from consultations import notifications, services
    from huntzen.celery import app as celery_app
    from tests.conftest import _user
    from tests.outbox.broker import broker

    mail.outbox = []
    staff = _user("admin@bench.test", Role.HUNTZEN_ADMIN)
    company = company_activate(
        company=company_create(
            name="Bench", siret="73282932000074", contact_email="c@bench.test", seats=50
        )
    )
    employee = _user("e@bench.test", Role.EMPLOYEE, company)
    psy = _user("p@bench.test", Role.PRACTITIONER)
    practitioner_create(
        actor=staff,
        email=psy.email,
        profession="psychologist",
        registration_number="759300001",
        specialties=["stress"],
        languages=["fr"],
    )
    services.availability_update(actor=psy, length_minutes=15, buffer_minutes=0)
    services.weekly_hours_set(actor=psy, openings=[(d, clock(8), clock(20)) for d in range(7)])
    paris = ZoneInfo("Europe/Paris")
    start = datetime.now(paris).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    slots = (start + timedelta(minutes=15 * i) for i in range(10_000))
    client = APIClient()
    client.force_authenticate(employee)
    real_send_booked = notifications.send_booked

    def book():
        while True:
            at = next(slots)
            if 8 <= at.astimezone(paris).hour < 20:
                break
        began = time.perf_counter()
        response = client.post(
            "/api/v1/consultations",
            {"practitionerId": str(psy.pk), "scheduledAt": at.isoformat(), "kind": "video"},
            format="json",
        )
        took = (time.perf_counter() - began) * 1000
        assert response.status_code == 201, response.content[:300]
        return took

    def no_email():
        notifications.send_booked = lambda pk: None
        try:
            return book()
        finally:
            notifications.send_booked = real_send_booked

    def in_mode(name, count):
        if name == "no-email":
            return [no_email() for _ in range(count)]
        if name == "eager":
            return [book() for _ in range(count)]
        url = REDIS if name == "broker" else "redis://127.0.0.1:1/0"
        with broker(url):  # one connection pool for the whole block
            return [book() for _ in range(count)]

    modes = ["no-email", "broker", "eager", "broker-down"]
    times = {name: [] for name in modes}
    load = []
    for name in modes:  # warm-up
        in_mode(name, 2)
    for _ in range(args.passes):
        for name in modes:
            times[name].extend(in_mode(name, args.rounds))
            load.append(os.getloadavg()[0])
    floor = statistics.median(times["no-email"])
    print(
        f"{args.passes} passes × {args.rounds} bookings per mode; load average during the "
        f"run: {min(load):.1f}–{max(load):.1f}"
    )
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:12s} median {median:7.1f} ms   ratio to no-email {median / floor:5.2f}")
    celery_app.conf.task_always_eager = True
    from tests.outbox.broker import clear_queue

    clear_queue()


if __name__ == "__main__":
    main()

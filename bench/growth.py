"""Benchmark: do the slots, my-consultations and journal endpoints keep their latency
when the tables grow from a thousand to a million rows?

    .venv/bin/python bench/growth.py [--sizes 1000 1000000] [--repeat 40]

It (re)creates its own PostgreSQL database (`--database-url`, default
huntzen_bench_growth; the name must contain "bench" or "h4"), migrates it and makes,
through the real services, a target employee with 60 consultations (past and future) and
60 journal entries, and a target practitioner open on weekdays. Then, for each size, it
tops the consultations and the journal entries up to that many rows with INSERT ...
SELECT generate_series (200 other practitioners and 200 other employees, one hour apart,
never overlapping: the exclusion constraints are dropped for the load and created again,
which checks every row; one practitioner in 200 of the filler is the target
practitioner, so her own history grows too; each filler consultation gets its two
participants' view_consultation rows in guardian's direct-FK table; filler journal
entries hold placeholder ciphertext, never read; foreign-key triggers are skipped during
the load, every id coming from existing rows), runs VACUUM ANALYZE, and times the three
endpoints as the target employee through Django's test client (session cookie, Redis
cache, production settings otherwise): medians of `--repeat` requests after 5 warm-ups,
and each one's SQL query count. Each request is followed by one to /api/v1/auth/me (same
stack, no table read): on a shared machine the ratio of the two medians divides the
machine's load out. Results go to stdout and bench/results/growth.json.
"""

import argparse
import base64
import importlib
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILLER_PEOPLE = 200
REFERENCE = "/api/v1/auth/me"
TARGET_ROWS = 60


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 1000000])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/huntzen_bench_growth"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "growth.json")
    return parser.parse_args()


def setup_people():
    from datetime import time as clock

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Role
    from accounts.services import user_create
    from companies.models import PractitionerProfile
    from companies.services import company_activate, company_create
    from consultations import services
    from medical import services as medical_services
    from tests.consultations.factories import book, completed

    call_command("migrate", verbosity=0)
    company = company_activate(
        company=company_create(
            name="Growth",
            siret="73282932000074",
            contact_email="growth@bench.test",
            seats=FILLER_PEOPLE + 10,
        )
    )
    employee = user_create(email="target@bench.test", role=Role.EMPLOYEE, company=company)
    practitioner = user_create(email="p-target@bench.test", role=Role.PRACTITIONER)
    PractitionerProfile.objects.create(user=practitioner, profession="coach")
    services.availability_update(actor=practitioner, length_minutes=50, buffer_minutes=10)
    services.weekly_hours_set(
        actor=practitioner, openings=[(d, clock(9), clock(19)) for d in range(5)]
    )
    others = [
        user_create(email=f"e{i}@bench.test", role=Role.EMPLOYEE, company=company)
        for i in range(FILLER_PEOPLE)
    ]
    practitioners = [practitioner] + [
        user_create(email=f"p{i}@bench.test", role=Role.PRACTITIONER)
        for i in range(FILLER_PEOPLE - 1)
    ]
    # The target employee's own 60: 45 held in the past weeks, 15 to come (days 3 to 30).
    now = timezone.localtime()
    held = 0
    day = 1
    while held < 45:
        at = (now - timedelta(days=day)).replace(hour=11, minute=0, second=0, microsecond=0)
        if at.weekday() < 5:
            completed(employee, practitioner, at=at)
            held += 1
        day += 1
    to_come = 0
    day = 3
    while to_come < TARGET_ROWS - 45:
        at = (now + timedelta(days=day)).replace(hour=9, minute=0, second=0, microsecond=0)
        if at.weekday() < 5:
            book(employee, practitioner, at=at)
            to_come += 1
        day += 1
    for n in range(TARGET_ROWS):
        medical_services.journal_entry_create(
            owner=employee,
            mood=1 + n % 5,
            text=f"Entrée {n} du banc d'essai.",
            entry_date=timezone.localdate() - timedelta(days=n),
        )
    return company, employee, practitioner, others, practitioners


def top_up(*, size, company, others, practitioners) -> float:
    """Consultations and journal entries up to `size` rows each."""
    from django.contrib.auth.models import Permission
    from django.db import connection

    from consultations.models import Consultation
    from medical.models import JournalEntry

    started = time.perf_counter()
    have = Consultation.objects.count()
    view = Permission.objects.get(
        content_type__app_label="consultations", codename="view_consultation"
    )
    if size > have:
        # The exclusion constraints (migration 0002) are dropped for the load and created
        # again after it, which checks every row (one GiST build is far faster than a
        # million inserts into it).
        exclusion = importlib.import_module("consultations.migrations.0002_no_overlap_postgres")
        with connection.cursor() as cursor:
            cursor.execute(exclusion.DROP)
        with connection.cursor() as cursor:
            # Filler k: practitioner k % 200 with employee k % 200, at hour k // 200 before
            # a fixed start two years back: never overlapping, one hour each.
            # Every id comes from rows that exist: skip the foreign-key triggers (millions
            # of deferred checks), as bench/metrics_dashboard.py does.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                """
                CREATE TEMP TABLE filler AS
                SELECT gen_random_uuid() AS id, k,
                       (%(employees)s::uuid[])[k %% %(n)s + 1] AS employee_id,
                       (%(practitioners)s::uuid[])[k %% %(n)s + 1] AS practitioner_id,
                       TIMESTAMPTZ '2024-01-01 00:00+00' + (k / %(n)s) * INTERVAL '1 hour' AS at
                FROM generate_series(%(low)s, %(high)s - 1) AS k;
                INSERT INTO consultations_consultation
                    (id, kind, status, scheduled_at, scheduled_end, started_at, ended_at,
                     duration_seconds, created_at, company_id, employee_id, practitioner_id,
                     cancel_reason_sealed, cancelled_late, late_cancellation_paid, ics_sequence)
                SELECT id, 'video', CASE WHEN k %% 10 = 0 THEN 'cancelled' ELSE 'completed' END,
                       at, at + INTERVAL '50 minutes', at, at + INTERVAL '50 minutes', 3000,
                       at - INTERVAL '3 days', %(company)s, employee_id, practitioner_id, '',
                       false, false, 0
                FROM filler;
                INSERT INTO consultations_consultationuserobjectpermission
                    (content_object_id, permission_id, user_id)
                SELECT id, %(view)s, employee_id FROM filler
                UNION ALL SELECT id, %(view)s, practitioner_id FROM filler;
                DROP TABLE filler;
                """,
                {
                    "employees": [str(u.pk) for u in others],
                    "practitioners": [str(u.pk) for u in practitioners],
                    "n": FILLER_PEOPLE,
                    "low": have,
                    "high": size,
                    "company": str(company.pk),
                    "view": view.pk,
                },
            )
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute(exclusion.CREATE)
    have = JournalEntry.objects.count()
    if size > have:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                """
                INSERT INTO medical_journalentry
                    (id, entry_date, mood_sealed, text_sealed, created_at, updated_at, owner_id)
                SELECT gen_random_uuid(), DATE '2026-01-01' - (k / %(n)s)::int,
                       'placeholder', 'placeholder', now(), now(),
                       (%(owners)s::uuid[])[k %% %(n)s + 1]
                FROM generate_series(%(low)s, %(high)s - 1) AS k
                """,
                {
                    "owners": [str(u.pk) for u in others],
                    "n": FILLER_PEOPLE,
                    "low": have,
                    "high": size,
                },
            )
            cursor.execute("SET session_replication_role = DEFAULT")
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE consultations_consultation, "
            "consultations_consultationuserobjectpermission, medical_journalentry"
        )
    return time.perf_counter() - started


def time_endpoints(employee, practitioner, repeat) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    client = Client()
    client.force_login(employee)
    today = timezone.localdate()
    paths = {
        "slots_4_weeks": f"/api/v1/practitioners/{practitioner.pk}/slots"
        f"?from={today}&to={today + timedelta(days=27)}",
        "my_consultations": "/api/v1/consultations/my",
        "journal": "/api/v1/medical/journal",
    }
    out = {}
    for name, path in paths.items():
        for _ in range(5):
            response = client.get(path)
            assert response.status_code == 200, response.content[:300]
        samples, reference = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - t0)
            # The same stack with no table read, right after: what the machine's load
            # alone does to a request at this moment.
            t0 = time.perf_counter()
            client.get(REFERENCE)
            reference.append(time.perf_counter() - t0)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(path).json()
        out[name] = {
            "median_ms": round(statistics.median(samples) * 1000, 2),
            "reference_median_ms": round(statistics.median(reference) * 1000, 2),
            "queries": len(queries),
            "rows": body.get("count", len(body.get("slots", []))),
        }
    return out


def main():
    args = parse_args()
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "CACHE_KEY_PREFIX": "bench-growth",
            "CHANNEL_LAYER_PREFIX": "bench-growth",
            "DJANGO_SETTINGS_MODULE": "huntzen.settings",
            "DEBUG": "false",
            "SECRET_KEY": base64.urlsafe_b64encode(os.urandom(40)).decode(),
            "HUNTZEN_ENCRYPTION_KEYS": "g:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "ALLOWED_HOSTS": "testserver",
            "HUNTZEN_HTTPS": "false",
            "HUNTZEN_MFA_REQUIRED_ROLES": "",
            "HUNTZEN_API_RATE_LIMIT": "1000000/m",
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            # Loading a million rows and recreating the exclusion constraints take
            # minutes: the production statement timeout (30 s) would cancel them.
            "DATABASE_STATEMENT_TIMEOUT_MS": "0",
        }
    )
    from bench.api import recreate_database

    recreate_database(args.database_url)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    import django

    django.setup()
    company, employee, practitioner, others, practitioners = setup_people()
    result = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "sizes": {},
    }
    for size in sorted(args.sizes):
        load = top_up(size=size, company=company, others=others, practitioners=practitioners)
        loadavg = [round(x, 2) for x in os.getloadavg()]
        timings = time_endpoints(employee, practitioner, args.repeat)
        result["sizes"][size] = {"load_seconds": round(load, 1), "loadavg": loadavg, **timings}
        print(size, json.dumps(result["sizes"][size]), flush=True)
    sizes = sorted(args.sizes)
    if len(sizes) > 1:
        small, large = result["sizes"][sizes[0]], result["sizes"][sizes[-1]]
        names = ("slots_4_weeks", "my_consultations", "journal")
        result["ratios"] = {
            name: round(large[name]["median_ms"] / small[name]["median_ms"], 2) for name in names
        }
        # Each endpoint over the reference request timed beside it: the machine's load
        # divides out.
        result["ratios_over_reference"] = {
            name: round(
                (large[name]["median_ms"] / large[name]["reference_median_ms"])
                / (small[name]["median_ms"] / small[name]["reference_median_ms"]),
                2,
            )
            for name in names
        }
        print("ratios", result["ratios"], "over reference", result["ratios_over_reference"])
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Benchmark: company dashboard and export latency with 10 thousand and 1 million
consultations, and the cost the metrics signal adds to ending one consultation.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huntzen_bench_metrics \
        .venv/bin/python bench/metrics_dashboard.py [--sizes 10000 1000000] [--repeat 30]

It (re)creates its own PostgreSQL database (the name must contain "bench"), migrates it,
generates consultations straight into the consultations table with generate_series and
the rollups from them with INSERT ... SELECT (what the signal would have written), then
times the HR company dashboard page, the company API and the company CSV export over one
year through Django's test client. Results go to stdout and bench/results/.

Loading 1M rows takes a few minutes: plain indexes are dropped during the load and built
once after it, foreign-key triggers are skipped (session_replication_role) since every id
comes from a join on existing rows, and the rollups are aggregated from a temporary table
holding each completed consultation's Paris day.

Data shape: 200 practitioners, a target company of 1,000 employees that receives one
consultation in ten (all completed), and 99 other companies of 100 employees; at every
size the consultations are spread over every day of 2025 (07:00-20:00, Paris time),
90 % completed and 10 % cancelled; they never overlap for a practitioner or an employee
(the exclusion constraints are rebuilt, so validated, after each load).
"""

import argparse
import importlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/huntzen_bench_metrics")
os.environ.setdefault("DEBUG", "true")  # static files without a collected manifest
os.environ.setdefault("DATABASE_POOL", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("HUNTZEN_MFA_REQUIRED_ROLES", "")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huntzen.settings")

PRACTITIONERS = 200
TARGET_EMPLOYEES = 1000
OTHER_COMPANIES = 99
OTHER_EMPLOYEES_EACH = 100
HOURS_PER_DAY = 14  # slots from 07:00 to 20:00, Paris time
YEAR_SLOTS = 365 * HOURS_PER_DAY


def ensure_database(*, fresh: bool):
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to run on database {name!r}: its name must contain 'bench'.")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Generic INSERT ... SELECT that follows the models as they are ---------------------


def insert_select(model, exprs: dict, from_sql: str, params=()):
    """INSERT INTO <model> (every concrete column) SELECT ... FROM from_sql: columns not in
    `exprs` get NULL when nullable, else their model default, else now() for automatic
    timestamps; so the bench keeps working while other apps add columns. `params` fill
    the %s of `exprs`, in field order; from_sql takes none."""
    from django.db import connection

    columns, values, args = [], [], []
    params = list(params)
    for field in model._meta.concrete_fields:
        columns.append(connection.ops.quote_name(field.column))
        if field.name in exprs:
            values.append(exprs[field.name])
            if "%s" in exprs[field.name]:
                args.append(params.pop(0))
        elif field.null:
            values.append("NULL")
        elif field.has_default():
            values.append("%s")
            args.append(field.get_db_prep_save(field.get_default(), connection))
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append("now()")
        elif field.get_internal_type() in ("CharField", "TextField"):
            values.append("''")
        else:
            raise RuntimeError(f"No value for {model.__name__}.{field.name}")
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "
        f"({', '.join(columns)}) SELECT {', '.join(values)} FROM {from_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, args)  # always with parameters: write modulo as mod(a, b)
        return cursor.rowcount


def seed_people():
    """Companies, employees, practitioners (once, in one transaction), and an HR user, an
    employee and a practitioner through the services so that they hold their role
    permissions."""
    from django.db import transaction

    with transaction.atomic():
        _seed_people()


def _seed_people():
    from accounts.models import Role, User
    from accounts.services import user_create
    from companies.models import Company
    from companies.services import company_activate, company_create

    if Company.objects.filter(name="Bench Target").exists():
        return
    target = company_activate(
        company=company_create(
            name="Bench Target",
            siret="73282932000074",
            contact_email="rh@target.bench",
            seats=TARGET_EMPLOYEES,
            yearly_allowance_per_employee=12,
        )
    )
    insert_select(
        Company,
        {
            "id": "gen_random_uuid()",
            "name": "'Bench ' || n",
            "siret": "lpad(n::text, 14, '0')",
            "contact_email": "'rh' || n || '@other.bench'",
            "seats": str(OTHER_EMPLOYEES_EACH),
            "is_active": "true",
        },
        f"generate_series(1, {OTHER_COMPANIES}) n",
    )
    user_exprs = {
        "id": "gen_random_uuid()",
        "password": "'!'",
        "is_superuser": "false",
        "first_name": "'Bench'",
        "language": "'fr'",
        "is_active": "true",
        "is_staff": "false",
        "date_joined": "now()",
    }
    insert_select(
        User,
        {
            **user_exprs,
            "email": "'e' || n || '@target.bench'",
            "last_name": "'T' || n",
            "role": f"'{Role.EMPLOYEE}'",
            "company": "%s",
        },
        f"generate_series(0, {TARGET_EMPLOYEES - 1}) n",
        [target.pk],
    )
    insert_select(
        User,
        {
            **user_exprs,
            "email": "'e' || n || '@other.bench'",
            "last_name": "'O' || n",
            "role": f"'{Role.EMPLOYEE}'",
            "company": f"(SELECT id FROM companies_company WHERE name = 'Bench ' || "
            f"(1 + n / {OTHER_EMPLOYEES_EACH}))",
        },
        f"generate_series(0, {OTHER_COMPANIES * OTHER_EMPLOYEES_EACH - 1}) n",
    )
    insert_select(
        User,
        {
            **user_exprs,
            "email": "'p' || n || '@huntzen.bench'",
            "last_name": "'P' || n",
            "role": f"'{Role.PRACTITIONER}'",
        },
        f"generate_series(0, {PRACTITIONERS - 1}) n",
    )
    user_create(
        email="hr@target.bench",
        role=Role.COMPANY_RH,
        company=target,
        password="bench-password-2026",
        email_verified=True,
    )
    user_create(
        email="ended@target.bench",
        role=Role.EMPLOYEE,
        company=target,
        password="bench-password-2026",
        email_verified=True,
    )
    user_create(
        email="ender@huntzen.bench",
        role=Role.PRACTITIONER,
        password="bench-password-2026",
        email_verified=True,
    )


def _exclusion_sql():
    module = importlib.import_module("consultations.migrations.0002_no_overlap_postgres")
    return module.DROP, module.CREATE


def load_consultations(size: int) -> dict:
    """Empty the consultations and rollups, then generate `size` consultations and the
    rollups they imply. Returns timings in seconds."""
    from django.db import connection, transaction

    from consultations.models import Consultation

    timings = {}
    drop, create = _exclusion_sql()
    # A slot (one hour of the year) holds per_slot consecutive consultations: distinct
    # practitioners (i mod 200) and distinct employees (consecutive counters), so nobody
    # is ever booked twice at once; the slots are spread over the whole year at any size.
    per_slot = -(-size // YEAR_SLOTS)
    if per_slot > PRACTITIONERS:
        raise SystemExit(f"At most {PRACTITIONERS * YEAR_SLOTS:,} consultations.")
    slots = -(-size // per_slot)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE consultations_consultation, metrics_countedconsultation, "
            "metrics_practitionerday, metrics_employeeday, metrics_companyday CASCADE"
        )
        # Bulk-load settings: big sort/hash memory, foreign keys not re-checked row by row
        # (every id below comes from a join on existing rows), and the plain indexes
        # built once after the load rather than row by row.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(drop)
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
              JOIN pg_class i ON i.oid = x.indexrelid
             WHERE x.indrelid = 'consultations_consultation'::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            """
        )
        plain_indexes = cursor.fetchall()
        for name, _ in plain_indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("DROP TABLE IF EXISTS bench_people")
        cursor.execute(
            """
            CREATE TEMP TABLE bench_people ON COMMIT DROP AS
            SELECT 'p' AS kind, (row_number() OVER (ORDER BY email)) - 1 AS n, id, company_id
              FROM accounts_user WHERE email LIKE 'p%@huntzen.bench'
            UNION ALL
            SELECT 't', (row_number() OVER (ORDER BY email)) - 1, id, company_id
              FROM accounts_user WHERE email LIKE 'e%@target.bench'
            UNION ALL
            SELECT 'o', (row_number() OVER (ORDER BY email)) - 1, id, company_id
              FROM accounts_user WHERE email LIKE 'e%@other.bench'
            """
        )
        cursor.execute("CREATE INDEX ON bench_people (kind, n)")
        cursor.execute("ANALYZE bench_people")
        others = OTHER_COMPANIES * OTHER_EMPLOYEES_EACH
        source = f"""
            (SELECT i, mod(i, {PRACTITIONERS}) AS r, (i / {per_slot}) * {YEAR_SLOTS} / {slots} AS h,
                    CASE WHEN mod(i, 10) = 0 THEN 't' ELSE 'o' END AS ekind,
                    CASE WHEN mod(i, 10) = 0 THEN mod(i / 10, {TARGET_EMPLOYEES})
                         ELSE mod(i - i / 10 - 1, {others}) END AS en
               FROM generate_series(0, {size - 1}) i) g
            JOIN bench_people p ON p.kind = 'p' AND p.n = g.r
            JOIN bench_people e ON e.kind = g.ekind AND e.n = g.en
            CROSS JOIN LATERAL (SELECT
                ((DATE '2025-01-01' + (g.h / {HOURS_PER_DAY})::int)
                  + make_interval(hours => 7 + mod(g.h, {HOURS_PER_DAY})::int))
                  AT TIME ZONE 'Europe/Paris' AS at,
                mod(g.i, 10) = 9 AS cancelled,
                1200 + mod(g.i * 37, 2401) AS seconds) t
        """
        insert_select(
            Consultation,
            {
                "id": "gen_random_uuid()",
                "employee": "e.id",
                "practitioner": "p.id",
                "company": "e.company_id",
                "kind": "'video'",
                "status": "CASE WHEN t.cancelled THEN 'cancelled' ELSE 'completed' END",
                "scheduled_at": "t.at",
                "scheduled_end": "t.at + interval '50 minutes'",
                "started_at": "CASE WHEN t.cancelled THEN NULL ELSE t.at END",
                "ended_at": "CASE WHEN t.cancelled THEN NULL "
                "ELSE t.at + make_interval(secs => t.seconds) END",
                "duration_seconds": "CASE WHEN t.cancelled THEN NULL ELSE t.seconds END",
                "cancelled_at": "CASE WHEN t.cancelled THEN t.at - interval '1 day' END",
                "cancel_reason_sealed": "''",
                "created_at": "t.at - interval '7 days'",
            },
            source,
        )
        timings["consultations_s"] = time.perf_counter() - started
        step = time.perf_counter()
        for _, definition in plain_indexes:
            cursor.execute(definition)
        timings["indexes_s"] = time.perf_counter() - step
        step = time.perf_counter()
        cursor.execute(create)
        timings["exclusion_constraints_s"] = time.perf_counter() - step
        step = time.perf_counter()
        cursor.execute(
            "CREATE TEMP TABLE bench_done ON COMMIT DROP AS SELECT id, practitioner_id, "
            "employee_id, company_id, duration_seconds, "
            "(scheduled_at AT TIME ZONE 'Europe/Paris')::date AS day "
            "FROM consultations_consultation WHERE status = 'completed'"
        )
        day = "day"
        done = "FROM bench_done"
        cursor.execute(
            "INSERT INTO metrics_countedconsultation (consultation_id, day) "
            f"SELECT id, {day} {done}"
        )
        cursor.execute(
            "INSERT INTO metrics_practitionerday (practitioner_id, day, consultations, "
            f"total_duration_seconds) SELECT practitioner_id, {day}, count(*), "
            f"sum(duration_seconds) {done} GROUP BY 1, 2"
        )
        cursor.execute(
            "INSERT INTO metrics_employeeday (company_id, day, employee_id, consultations, "
            f"total_duration_seconds) SELECT company_id, {day}, employee_id, count(*), "
            f"sum(duration_seconds) {done} GROUP BY 1, 2, 3"
        )
        cursor.execute(
            "INSERT INTO metrics_companyday (company_id, day, consultations, "
            "total_duration_seconds, active_employees) SELECT company_id, "
            f"{day}, count(*), sum(duration_seconds), count(DISTINCT employee_id) {done} "
            "GROUP BY 1, 2"
        )
        timings["rollups_s"] = time.perf_counter() - step
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE consultations_consultation, metrics_countedconsultation, "
            "metrics_practitionerday, metrics_employeeday, metrics_companyday"
        )
    timings["vacuum_analyze_s"] = time.perf_counter() - step
    timings["total_load_s"] = time.perf_counter() - started
    return timings


def _time(client, url, params, repeat):
    for _ in range(3):
        assert client.get(url, params).status_code == 200
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2),
    }


def time_reads(repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from companies.models import Company

    target = Company.objects.get(name="Bench Target")
    client = Client()
    client.force_login(User.objects.get(email="hr@target.bench"))
    year = {"from": "2025-01-01", "to": "2025-12-31"}
    pages = {
        "dashboard_page": reverse("metrics:company", args=[target.pk]),
        "company_api": reverse("api-metrics-company", args=[target.pk]),
        "company_csv_export": reverse("api-metrics-company-export", args=[target.pk]),
    }
    out = {}
    for name, url in pages.items():
        out[name] = _time(client, url, year, repeat)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, year)
        out[name]["queries"] = len(queries)
    return out


def time_signal(count: int) -> dict:
    """consultation_end with the metrics receiver connected vs disconnected, alternated
    call by call (so drift hits both arms alike)."""
    from django.db.models.signals import post_save

    from accounts.models import User
    from consultations import services as lifecycle
    from consultations.models import Consultation
    from consultations.permissions import grant_participants
    from metrics.apps import DISPATCH_UID
    from metrics.receivers import consultation_saved

    employee = User.objects.get(email="ended@target.bench")
    practitioner = User.objects.get(email="ender@huntzen.bench")
    Consultation.objects.filter(practitioner=practitioner).delete()
    insert_select(
        Consultation,
        {
            "id": "gen_random_uuid()",
            "employee": "%s",
            "practitioner": "%s",
            "company": "%s",
            "kind": "'video'",
            "status": "'in_progress'",
            "scheduled_at": "TIMESTAMPTZ '2026-02-02 08:00+01' + n * interval '1 hour'",
            "scheduled_end": "TIMESTAMPTZ '2026-02-02 08:50+01' + n * interval '1 hour'",
            "started_at": "TIMESTAMPTZ '2026-02-02 08:00+01' + n * interval '1 hour'",
            "cancel_reason_sealed": "''",
            "created_at": "now()",
        },
        f"generate_series(0, {count - 1}) n",
        [employee.pk, practitioner.pk, employee.company_id],
    )
    consultations = list(Consultation.objects.filter(practitioner=practitioner).order_by("pk"))
    for c in consultations:
        grant_participants(c)
    samples = {"connected": [], "disconnected": []}
    try:
        for i, c in enumerate(consultations):
            arm = "connected" if i % 2 == 0 else "disconnected"
            if arm == "disconnected":
                post_save.disconnect(
                    consultation_saved, sender=Consultation, dispatch_uid=DISPATCH_UID
                )
            else:
                post_save.connect(
                    consultation_saved, sender=Consultation, dispatch_uid=DISPATCH_UID
                )
            practitioner = User.objects.get(pk=practitioner.pk)  # no permission cache
            start = time.perf_counter()
            lifecycle.consultation_end(actor=practitioner, consultation=c)
            samples[arm].append((time.perf_counter() - start) * 1000)
    finally:
        post_save.connect(consultation_saved, sender=Consultation, dispatch_uid=DISPATCH_UID)
    connected = statistics.median(samples["connected"])
    disconnected = statistics.median(samples["disconnected"])
    return {
        "ends_per_arm": count // 2,
        "connected_median_ms": round(connected, 3),
        "disconnected_median_ms": round(disconnected, 3),
        "ratio": round(connected / disconnected, 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--ends", type=int, default=400, help="ends timed for the signal")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    args = parser.parse_args()

    ensure_database(fresh=args.fresh)
    setup_django()
    seed_people()
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "sizes": {},
    }
    for size in args.sizes:
        print(f"loading {size:,} consultations ...", flush=True)
        load = load_consultations(size)
        print(f"  loaded in {load['total_load_s']:.1f} s", flush=True)
        reads = time_reads(args.repeat)
        report["sizes"][str(size)] = {"load": load, "reads": reads}
        for name, figures in reads.items():
            print(
                f"  {name}: median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms, "
                f"{figures['queries']} queries",
                flush=True,
            )
    if len(args.sizes) >= 2:
        small, large = (report["sizes"][str(s)]["reads"] for s in (args.sizes[0], args.sizes[-1]))
        report["ratios"] = {
            name: round(large[name]["median_ms"] / small[name]["median_ms"], 3) for name in small
        }
        print(f"ratio {args.sizes[-1]:,} / {args.sizes[0]:,} (medians): {report['ratios']}")
    report["signal"] = time_signal(args.ends)
    print(f"signal: {report['signal']}")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "metrics_dashboard.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Fault bench: what a PostgreSQL restart or outage, a client leaving early, SMTP and
Redis down cost an HTTP client of a real daphne process (issue 16: F1, F4, F9, item 4).

    .venv/bin/python bench/faults.py [--no-restart]

Loopback only. It (re)creates its own database huntzen_bench_faults on 127.0.0.1,
migrates it and creates one employee with a session. daphne runs in production mode
(DEBUG off, the psycopg pool with its defaults: 2 to 20 connections, 3 s timeout), one
process per scenario, on a free port:

1. restart: load from 4 client threads while `pg_ctlcluster <version> main restart`
   restarts the real PostgreSQL (every database of the machine: never run it in CI;
   --no-restart skips it), then 40 requests on the idle process (F4, F9).
2. outage: PostgreSQL unreachable for 6 s (a proxy between daphne and the server cuts
   every connection and refuses new ones): the API's and a portal's answers, and how
   long they take; then 20 requests after it is back (item 3, F9).
3. leaving: a lock on the session table held 14 s (past daphne's 10 s close timeout,
   with the lock timeout off) while 25 clients send a request and leave; then 20
   requests, and the connections daphne holds (F1).
4. smtp: a password reset (allauth headless) against a refusing and a silent SMTP
   server, EMAIL_TIMEOUT at its default (10 s).
5. redis: sign-in (allauth headless) with a private redis-server stopped: the right
   password, then the failed-sign-in limit ("10/m/ip").

Bounded: about two minutes. Results go to stdout and bench/results/faults.json.
"""

import argparse
import base64
import json
import os
import platform
import re
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults.support import (  # noqa: E402
    Answer,
    CuttableProxy,
    daphne,
    private_redis,
    production_env,
    request,
    request_and_leave,
    smtp_sink,
    stop_redis,
)

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/huntzen_bench_faults"
SECRET_KEY = secrets.token_urlsafe(50)
KEYS = [("bench", os.urandom(32))]
PASSWORD = "correct-horse-battery-staple-2026"
EMAIL = "alice@bench.test"
API = "/api/v1/consultations/my"
PORTAL = "/consultations/"

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "huntzen.settings",
        "DATABASE_URL": DATABASE_URL,
        "DATABASE_POOL": "false",
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "HUNTZEN_ENCRYPTION_KEYS": ",".join(
            f"{i}:{base64.urlsafe_b64encode(k).decode()}" for i, k in KEYS
        ),
        "ALLOWED_HOSTS": "127.0.0.1",
        "HUNTZEN_HTTPS": "false",
        "HUNTZEN_MFA_REQUIRED_ROLES": "",
        "LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("REDIS_URL", None)


def recreate_database() -> None:
    import psycopg

    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    assert "bench" in name
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_data() -> str:
    """Migrate, create one employee; returns the Cookie header of her session."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import Role
    from accounts.services import user_create
    from companies.services import company_activate, company_create

    call_command("migrate", verbosity=0)
    company = company_activate(
        company=company_create(
            name="Bench", siret="73282932000074", contact_email="b@bench.test", seats=10
        )
    )
    employee = user_create(
        email=EMAIL, role=Role.EMPLOYEE, company=company, password=PASSWORD, email_verified=True
    )
    store = SessionStore()
    store[SESSION_KEY] = str(employee.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = employee.get_session_auth_hash()
    store.create()
    from django.db import connections

    connections.close_all()
    return f"sessionid={store.session_key}"


def env(**extra) -> dict:
    return production_env(
        database_url=extra.pop("database_url", DATABASE_URL),
        secret_key=SECRET_KEY,
        encryption_keys=KEYS,
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        # The load is one user's: the per-user API limit (100/m) would answer it 429.
        HUNTZEN_API_RATE_LIMIT="100000/m",
        **extra,
    )


def statuses(answers) -> dict:
    return dict(sorted(Counter(str(a.status) for a in answers).items()))


def safe_request(port, path, **kwargs):
    """An answer the client never got (connection reset, timeout) counts as status 0."""
    try:
        return request(port, path, **kwargs)
    except OSError:
        return Answer(0, {}, b"", 0.0)


# --- 1. PostgreSQL restart ------------------------------------------------------------


def scenario_restart(cookie: str) -> dict:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    with daphne(env()) as server:
        warm = [
            threading.Thread(target=request, args=(server.port, API), kwargs={"cookie": cookie})
            for _ in range(20)
        ]
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
        during, stop = [], threading.Event()

        def load():
            while not stop.is_set():
                during.append(safe_request(server.port, API, cookie=cookie, timeout=15))

        clients = [threading.Thread(target=load) for _ in range(4)]
        for thread in clients:
            thread.start()
        time.sleep(1)
        started = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            check=True,
            capture_output=True,
        )
        restart_seconds = time.monotonic() - started
        time.sleep(3)
        stop.set()
        for thread in clients:
            thread.join()
        time.sleep(2)  # idle
        after = [safe_request(server.port, API, cookie=cookie) for _ in range(40)]
        log = server.log_text()
    return {
        "restart_seconds": round(restart_seconds, 2),
        "during_restart": statuses(during),
        "slowest_answer_during_s": round(max(a.seconds for a in during), 2),
        "idle_process_after_restart": statuses(after),
        "tracebacks_in_log": log.count("Traceback"),
    }


# --- 2. PostgreSQL unreachable ---------------------------------------------------------


def scenario_outage(cookie: str) -> dict:
    proxy = CuttableProxy(5432)
    proxy.up()
    url = DATABASE_URL.replace(":5432/", f":{proxy.port}/")
    try:
        with daphne(env(database_url=url)) as server:
            before = [request(server.port, API, cookie=cookie) for _ in range(10)]
            proxy.down()
            down_at = time.monotonic()
            api = request(server.port, API, cookie=cookie)
            portal = request(server.port, PORTAL, cookie=cookie)
            time.sleep(max(0.0, 6 - (time.monotonic() - down_at)))
            proxy.up()
            after = [request(server.port, API, cookie=cookie) for _ in range(20)]
    finally:
        proxy.down()
    return {
        "before": statuses(before),
        "api_during": {
            "status": api.status,
            "seconds": round(api.seconds, 2),
            "retry_after": api.headers.get("retry-after"),
            "body": json.loads(api.body) if api.status == 503 else api.body[:80].decode(),
        },
        "portal_during": {
            "status": portal.status,
            "seconds": round(portal.seconds, 2),
            "retry_after": portal.headers.get("retry-after"),
            "our_page": "Service momentanément indisponible" in portal.body.decode(),
        },
        "after_it_is_back": statuses(after),
    }


# --- 3. Clients leaving while their requests wait ------------------------------------


def scenario_leaving(cookie: str) -> dict:
    import psycopg

    app = f"bench-faults-{secrets.token_hex(4)}"
    with daphne(env(DATABASE_LOCK_TIMEOUT_MS=0, PGAPPNAME=app)) as server:
        assert request(server.port, API, cookie=cookie).status == 200
        with psycopg.connect(DATABASE_URL) as locker:
            locker.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
            leavers = [
                threading.Thread(
                    target=request_and_leave, args=(server.port, API), kwargs={"cookie": cookie}
                )
                for _ in range(25)
            ]
            for thread in leavers:
                thread.start()
            for thread in leavers:
                thread.join()
            time.sleep(14)  # past daphne's application close timeout (10 s)
            locker.rollback()
        time.sleep(1)
        after = [safe_request(server.port, API, cookie=cookie) for _ in range(20)]
        with psycopg.connect(DATABASE_URL) as conn:
            held = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [app]
            ).fetchone()[0]
        log = server.log_text()
    return {
        "clients_left": 25,
        "then": statuses(after),
        "connections_open_after_pool_max_20": held,
        "requests_daphne_gave_up_on": len(
            set(re.findall(r"name='(Task-\d+)'[^\n]*took too long to shut down", log))
        ),
    }


# --- 4. SMTP refusing or silent --------------------------------------------------------


def scenario_smtp(cookie: str) -> dict:
    results = {}
    for mode in ("refusing", "silent"):
        with smtp_sink(mode) as sink:
            extra = {
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": sink.port,
            }
            with daphne({**env(), **{k: str(v) for k, v in extra.items()}}) as server:
                answer = post_json(
                    server.port, "/_allauth/app/v1/auth/password/request", {"email": EMAIL}
                )
                check = request(server.port, API, cookie=cookie)
        results[mode] = {
            "password_reset": {"status": answer.status, "seconds": round(answer.seconds, 2)},
            "next_request": check.status,
        }
    return results


# --- 5. Redis down at sign-in -----------------------------------------------------------


def scenario_redis() -> dict:
    with private_redis() as (port, holder):
        with daphne(env(REDIS_URL=f"redis://127.0.0.1:{port}/0")) as server:
            up = login(server.port, PASSWORD)
            stop_redis(holder["process"])
            right = login(server.port, PASSWORD)
            wrong = [login(server.port, "wrong") for _ in range(11)]
            after_limit = login(server.port, PASSWORD)
            log = server.log_text()
    return {
        "sign_in_redis_up": up.status,
        "sign_in_redis_down": {"status": right.status, "seconds": round(right.seconds, 2)},
        "failed_sign_ins_redis_down": [a.status for a in wrong],
        "right_password_after_10_failures": after_limit.status,
        "cache_log_lines": log.count("Redis cache unavailable"),
        "tracebacks_in_log": log.count("Traceback"),
    }


def login(port, password):
    return post_json(port, "/_allauth/app/v1/auth/login", {"email": EMAIL, "password": password})


def post_json(port, path, body):
    import socket

    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    status = int(raw.split(b" ", 2)[1])
    return Answer(status, {}, raw.partition(b"\r\n\r\n")[2], time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-restart", action="store_true", help="skip the real restart")
    parser.add_argument(
        "--only", default="", help="comma-separated: restart,outage,leaving,smtp,redis"
    )
    args = parser.parse_args()
    started = time.monotonic()
    recreate_database()
    cookie = setup_data()
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_before": os.getloadavg(),
    }
    scenarios = {
        "restart": lambda: scenario_restart(cookie),
        "outage": lambda: scenario_outage(cookie),
        "leaving": lambda: scenario_leaving(cookie),
        "smtp": lambda: scenario_smtp(cookie),
        "redis": scenario_redis,
    }
    chosen = args.only.split(",") if args.only else list(scenarios)
    if args.no_restart and "restart" in chosen:
        chosen.remove("restart")
    for name in chosen:
        results[name] = scenarios[name]()
        print(name, json.dumps(results[name], indent=2), flush=True)
    results["load_average_after"] = os.getloadavg()
    results["seconds"] = round(time.monotonic() - started, 1)
    out = ROOT / "bench" / "results" / "faults.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

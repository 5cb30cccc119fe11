"""Benchmark of the medical secret's cost.

1. Seal / unseal throughput: clinical notes of 2 KB (three fields: reason, observations,
   plan, each sealed under its own associated data), in notes per second.
2. The employee's journal page with 100 entries (and the 90-day mood chart), rendered
   through the full Django stack, against the same page with decryption bypassed (in
   this benchmark only: `medical.crypto.unseal` replaced by a lookup of precomputed
   plaintexts). Target: overhead under 10 %.
3. Listing one employee's entries: owner filter vs guardian's get_objects_for_user.

Runs on a throw-away test database (SQLite in memory, or test_<name> on PostgreSQL
when DATABASE_URL is set). Usage:

    .venv/bin/python bench/medical_crypto.py [--notes 3000] [--renders 40]
"""

import argparse
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huntzen.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault(
    "HUNTZEN_ENCRYPTION_KEYS", "bench:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
)
os.environ.setdefault("DATABASE_POOL", "false")
os.environ.setdefault("HUNTZEN_MFA_REQUIRED_ROLES", "")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

NOTE_FIELDS = {"reason": 256, "observations": 1408, "plan": 384}  # 2048 characters


def _text(size: int, seed: int) -> str:
    words = "patient sommeil stress travail anxiété séance suivi respiration humeur".split()
    out, i = [], seed
    while sum(len(w) + 1 for w in out) < size:
        out.append(words[i % len(words)])
        i = i * 7 + 3
    return " ".join(out)[:size]


def bench_crypto(count: int) -> dict:
    import uuid

    from medical import crypto

    notes = []
    for n in range(count):
        row, owner = uuid.uuid4(), uuid.uuid4()
        notes.append(
            [
                (
                    _text(size, n),
                    crypto.associated_data(
                        table="medical_clinicalnote", row_id=row, owner_id=owner, field=field
                    ),
                )
                for field, size in NOTE_FIELDS.items()
            ]
        )
    start = time.perf_counter()
    sealed = [[(crypto.seal(text, aad=aad), aad) for text, aad in note] for note in notes]
    seal_s = time.perf_counter() - start
    start = time.perf_counter()
    for note in sealed:
        for value, aad in note:
            crypto.unseal(value, aad=aad)
    unseal_s = time.perf_counter() - start
    return {
        "seal_notes_per_s": count / seal_s,
        "unseal_notes_per_s": count / unseal_s,
        "seal_us_per_note": seal_s / count * 1e6,
        "unseal_us_per_note": unseal_s / count * 1e6,
    }


def _journal_owner(entries: int, others: int):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Role
    from accounts.services import user_create
    from companies.services import company_activate, company_create
    from medical import services

    company = company_activate(
        company=company_create(
            name="Bench", siret="73282932000074", contact_email="c@bench.test", seats=500
        )
    )
    today = timezone.localdate()
    users = [
        user_create(email=f"e{i}@bench.test", role=Role.EMPLOYEE, company=company)
        for i in range(others + 1)
    ]
    for user in users:
        for day in range(entries):
            services.journal_entry_create(
                owner=user,
                mood=1 + day % 5,
                text=_text(600, day),
                entry_date=today - timedelta(days=day),
            )
    return users[0]


def _render(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200
    return elapsed


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def bench_journal_page(owner, renders: int) -> dict:
    """Real and bypassed renders alternate, so load from other processes on the machine
    hits both alike; the medians are compared."""
    from django.test import Client

    from medical import crypto, views
    from medical.models import JournalEntry

    views.JOURNAL_PAGE_SIZE = 100
    client = Client()
    client.force_login(owner)
    url = "/journal/"
    html_real = _without_csrf(client.get(url).content)
    assert html_real.count(b'class="card journal-entry"') == 100

    plaintexts = {}
    for entry in JournalEntry.objects.filter(owner=owner):
        for column, field in entry.SEALED.items():
            value = getattr(entry, column)
            plaintexts[value] = crypto.unseal(value, aad=entry.aad(field))
    original = crypto.unseal

    def bypass(sealed, *, aad):  # the decryption bypass, in this benchmark only
        return plaintexts[sealed]

    real, bypassed = [], []
    try:
        crypto.unseal = bypass
        assert _without_csrf(client.get(url).content) == html_real  # same page, no crypto
        for i in range(5 + renders):
            for patched, times in ((False, real), (True, bypassed)):
                crypto.unseal = bypass if patched else original
                elapsed = _render(client, url)
                if i >= 5:
                    times.append(elapsed)
    finally:
        crypto.unseal = original
    real_ms = statistics.median(real) * 1000
    bypassed_ms = statistics.median(bypassed) * 1000
    return {
        "page_ms": real_ms,
        "page_bypassed_ms": bypassed_ms,
        "overhead_pct": (real_ms / bypassed_ms - 1) * 100,
    }


def bench_list_filter(owner, repeat: int = 200) -> dict:
    from guardian.shortcuts import get_objects_for_user

    from medical.models import JournalEntry

    def by_owner():
        return list(JournalEntry.objects.filter(owner=owner)[:100])

    def by_guardian():
        return list(
            get_objects_for_user(
                owner,
                "medical.view_journalentry",
                klass=JournalEntry,
                with_superuser=False,
                accept_global_perms=False,
            )[:100]
        )

    assert {e.pk for e in by_owner()} == {e.pk for e in by_guardian()}
    out = {}
    for name, fn in (("owner_filter_ms", by_owner), ("get_objects_for_user_ms", by_guardian)):
        fn()
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        out[name] = (time.perf_counter() - start) / repeat * 1000
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=3000)
    parser.add_argument("--renders", type=int, default=60)
    parser.add_argument(
        "--other-employees",
        type=int,
        default=9,
        help="other journals in the table (100 entries each)",
    )
    args = parser.parse_args()

    from django.db import connection

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, database {connection.vendor}"
    )
    crypto_figures = bench_crypto(args.notes)
    print(
        f"seal   {crypto_figures['seal_notes_per_s']:>9.0f} notes/s "
        f"({crypto_figures['seal_us_per_note']:.1f} µs per 2 KB note, 3 fields)"
    )
    print(
        f"unseal {crypto_figures['unseal_notes_per_s']:>9.0f} notes/s "
        f"({crypto_figures['unseal_us_per_note']:.1f} µs per 2 KB note, 3 fields)"
    )

    setup_test_environment(debug=False)
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        owner = _journal_owner(100, args.other_employees)
        page = bench_journal_page(owner, args.renders)
        print(
            f"journal page, 100 entries + chart: {page['page_ms']:.1f} ms with decryption, "
            f"{page['page_bypassed_ms']:.1f} ms bypassed (median of {args.renders}): "
            f"overhead {page['overhead_pct']:+.1f} %"
        )
        lists = bench_list_filter(owner)
        print(
            f"list 100 own entries of {100 * (args.other_employees + 1)}: owner filter "
            f"{lists['owner_filter_ms']:.2f} ms, get_objects_for_user "
            f"{lists['get_objects_for_user_ms']:.2f} ms"
        )
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()

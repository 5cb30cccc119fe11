# ruff: noqa: E501, B007 (a log-reading script run by hand on PostgreSQL's log)
import collections
import re
import statistics
import sys

LABELS = [
    ("session read", 'FROM "django_session"'),
    ("lock both users (booking)", "FOR UPDATE OF u"),
    ("availability + hours + busy (booking)", '"consultations_availability" a'),
    ("insert consultation+grants+status+outbox (booking)", "WITH booked AS"),
    ("consultation read FOR UPDATE (transitions)", 'FOR UPDATE OF "consultations_consultation"'),
    ("update + status change [+ outbox] (transitions)", "WITH changed AS"),
    ("counting (end)", "metrics_countedconsultation"),
    ("BEGIN", None),
    ("COMMIT", None),
]


def label(sql):
    s = sql.strip()
    if s == "BEGIN":
        return "BEGIN"
    if s == "COMMIT":
        return "COMMIT"
    for name, needle in LABELS:
        if needle and needle in sql:
            return name
    return None


for f in sys.argv[1:]:
    text = open(f).read()
    entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ UTC)", text)
    per = collections.defaultdict(list)
    for e in entries:
        m = re.search(
            r"\[(\d+)\] .*duration: ([\d.]+) ms  (statement|parse [^:]*|bind [^:]*|execute [^:]*): (.*)",
            e,
            re.S,
        )
        if not m:
            continue
        name = label(m[4])
        if name:
            per[(name, m[3].split()[0], m[1])].append(float(m[2]))
    agg = collections.defaultdict(list)
    for (name, kind, pid), ds in per.items():
        agg[(name, kind)] += ds[6:]
    print(f"# {f} (median ms past each connection's first 6 runs of the statement)")
    for (name, kind), ds in sorted(agg.items()):
        if ds:
            print(f"| {name} | {kind} | {len(ds)} | {statistics.median(ds):.3f} |")

# ruff: noqa: E501, B007 (a log-reading script run by hand on PostgreSQL's log)
import collections
import re
import statistics
import sys

for f in sys.argv[1:]:
    text = open(f).read()
    entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ UTC)", text)
    per = collections.defaultdict(list)  # (pid, kind) -> durations
    for e in entries:
        m = re.search(
            r"\[(\d+)\] .*duration: ([\d.]+) ms  (statement|parse [^:]*|bind [^:]*|execute [^:]*): (.*)",
            e,
            re.S,
        )
        if not m or '"metrics_countedconsultation' not in m[4]:
            continue
        per[(m[1], m[3].split()[0])].append(float(m[2]))
    agg = collections.defaultdict(list)
    for (pid, kind), ds in per.items():
        agg[kind] += ds[6:]  # steady state: past the first 6 runs on a connection
    for kind, ds in agg.items():
        if not ds:
            continue
        print(
            f"{f}: {kind:9s} n={len(ds):4d} median {statistics.median(ds):.3f} ms mean {statistics.mean(ds):.3f} ms"
        )

"""Median PostgreSQL duration per statement and protocol step (statement = simple
query, or parse / bind / execute of a prepared one), from PostgreSQL's log with
log_min_duration_statement = 0 on one database: bench/profiles/sd's reader, limited to
the entries of `--database` (the log is shared with other databases), past each
connection's first six runs of a statement (PostgreSQL's generic plan comes from the
sixth run on).

    python3 bench/profiles/ta/pglog_statements.py --database huntzen_ta_bench LOG...
"""

# ruff: noqa: E501 (a log-reading script run by hand)
import argparse
import collections
import re
import statistics
import sys
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--database", required=True)
parser.add_argument("logs", nargs="+")
args = parser.parse_args()

# sd's statement labels (its script reads the logs named on its command line when
# imported: none here).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sd"))
sys.argv[1:] = []
from pglog_statements import label  # noqa: E402

for f in args.logs:
    text = Path(f).read_text()
    entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ UTC)", text)
    per = collections.defaultdict(list)
    for e in entries:
        m = re.search(
            rf"\[(\d+)\] \S+@{re.escape(args.database)} .*?duration: ([\d.]+) ms  (statement|parse [^:]*|bind [^:]*|execute [^:]*): (.*)",
            e,
            re.S,
        )
        if not m:
            continue
        name = label(m[4])
        if name:
            per[(name, m[3].split()[0], m[1])].append(float(m[2]))
    agg = collections.defaultdict(list)
    for (name, kind, _pid), ds in per.items():
        agg[(name, kind)] += ds[6:]
    print(f"# {f} (median ms past each connection's first 6 runs of the statement)")
    print("| statement | step | n | median ms |")
    for (name, kind), ds in sorted(agg.items()):
        if ds:
            print(f"| {name} | {kind} | {len(ds)} | {statistics.median(ds):.3f} |")

#!/bin/sh
# Instructions per page request of each template node (page_nodes.py).
#   STATE=/tmp/rb-fc.json N=30 PYTHON=/work/main/.venv/bin/python sh bench/profiles/rb/page_split.sh OUT
set -eu
out=$1
mkdir -p "$out"
valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    "${PYTHON:-.venv/bin/python}" bench/profiles/sb/page_nodes.py > "$out/log" 2>&1
python3 - "$out" "${N:-30}" <<'PY'
import collections, json, re, sys
out, n = sys.argv[1], int(sys.argv[2])
labels = json.loads([l for l in open(f"{out}/log") if l.startswith("[")][-1])
first = None
sums = collections.Counter()
import glob
numbers = sorted(int(p.rsplit(".", 1)[1]) for p in glob.glob(f"{out}/cg.*"))
# The last len(labels) dumps are the measured getppid calls; segment after call i is dump i+1.
start = numbers[-1] - len(labels) + 1
for i, label in enumerate(labels[:-1]):
    text = open(f"{out}/cg.{start + i + 1}").read()
    sums[label] += int(re.search(r"^summary: *(\d+)", text, re.M)[1])
total = sum(sums.values())
for label, value in sums.most_common():
    print(f"{label}: {value / n / 1000:.0f} K")
print(f"total: {total / n / 1000:.0f} K per request")
PY

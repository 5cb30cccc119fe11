#!/bin/sh
# Instructions of each piece in pieces.py ($SC_N runs each, default 30), from the tree in $PWD.
#   SC_STATE=/tmp/sc-fc.json PYTHON=/work/main/.venv/bin/python sh bench/profiles/sc/pieces.sh
set -eu
out=$(mktemp -d)
valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    "${PYTHON:-.venv/bin/python}" "$(dirname "$0")/pieces.py" > "$out/log" 2>&1
python3 - "$out" "${SC_N:-30}" <<'PY'
import json, re, sys
out, n = sys.argv[1], int(sys.argv[2])
labels = json.loads([l for l in open(f"{out}/log") if l.startswith("[")][-1])
for i, label in enumerate(labels):
    total = int(re.search(r"^summary: *(\d+)", open(f"{out}/cg.{2 * i + 2}").read(), re.M)[1])
    print(f"{label}: {total / n / 1000:.1f} K instructions")
PY
rm -rf "$out"

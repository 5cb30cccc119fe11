#!/bin/sh
# Instructions of each piece in pool_pieces.py (200 runs each), from the tree in $PWD.
#   SD_STATE=/tmp/sd-fc.json PYTHONHASHSEED=0 PYTHON=/work/main/.venv/bin/python sh bench/profiles/sd/pool_pieces.sh
set -eu
out=$(mktemp -d)
valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    "${PYTHON:-.venv/bin/python}" bench/profiles/sd/pool_pieces.py > "$out/log" 2>&1
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
labels = json.loads([l for l in open(f"{out}/log") if l.startswith("[")][-1])
for i, label in enumerate(labels):
    total = int(re.search(r"^summary: *(\d+)", open(f"{out}/cg.{2 * i + 2}").read(), re.M)[1])
    print(f"{label}: {total / 200 / 1000:.1f} K instructions")
PY
rm -rf "$out"

#!/bin/sh
# Instructions of each piece in pieces_callgrind.py (50 runs each), from the tree in $PWD;
# callgrind's dumps kept in OUT (piece N is OUT/cg.2N) for callgrind_annotate.
#   STATE=/tmp/rb-fc.json PYTHON=/work/main/.venv/bin/python sh bench/profiles/rb/pieces_callgrind.sh OUT
set -eu
out=$1
mkdir -p "$out"
valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    "${PYTHON:-.venv/bin/python}" bench/profiles/rb/pieces_callgrind.py > "$out/log" 2>&1
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
labels = json.loads([l for l in open(f"{out}/log") if l.startswith("[")][-1])
for i, label in enumerate(labels):
    total = int(re.search(r"^summary: *(\d+)", open(f"{out}/cg.{2 * i + 2}").read(), re.M)[1])
    print(f"{label}: {total / 50 / 1000:.1f} K instructions")
PY

#!/bin/sh
# cgsplit.sh OUTDIR N endpoint...  (run from a tree) keeps callgrind dumps
set -eu
out=$1; n=$2; shift 2
mkdir -p "$out"
PYTHONHASHSEED=0 PYTHONPATH=$PWD valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    /work/main/.venv/bin/python bench/framework_cost.py count --state /tmp/td-fc.json --endpoints "$@" \
    --requests "$n" > "$out/log" 2>&1
i=0
for endpoint in "$@"; do
    i=$((i + 1))
    total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out/cg.$((2 * i))")
    echo "$endpoint $((total / n)) instructions per request"
    ln -sf cg.$((2 * i)) "$out/$endpoint.cg"
done

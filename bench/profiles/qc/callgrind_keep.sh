#!/bin/sh
# framework_cost.sh, keeping callgrind's dumps in $OUT (for callgrind_annotate).
set -eu
state=$1; n=$2; out=$3; shift 3
endpoints=$*
python=${PYTHON:-.venv/bin/python}
mkdir -p "$out"
valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    "$python" bench/framework_cost.py count --state "$state" --endpoints $endpoints \
    --requests "$n" > "$out/log" 2>&1
i=0
for endpoint in $endpoints; do
    i=$((i + 1))
    total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out/cg.$((2 * i))")
    cp "$out/cg.$((2 * i))" "$out/$endpoint.cg"
    echo "$endpoint $((total / n)) instructions per request"
done

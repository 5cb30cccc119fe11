#!/bin/sh
# like bench/framework_cost.sh but keeps the dumps in $OUT
set -eu
state=$1; n=$2; out=$3; shift 3
endpoints=$*
mkdir -p "$out"
valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    "$PYTHON" bench/framework_cost.py count --state "$state" --endpoints $endpoints \
    --requests "$n" > "$out/log" 2>&1
i=0
for endpoint in $endpoints; do
    i=$((i + 1))
    total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out/cg.$((2 * i))")
    echo "$endpoint $((total / n)) instructions per request"
done

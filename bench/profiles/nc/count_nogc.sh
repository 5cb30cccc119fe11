#!/bin/sh
# bench/profiles/nc/count_nogc.sh STATE N ENDPOINT... (run from the tree to count)
set -eu
state=$1; n=$2; shift 2
python=${PYTHON:-.venv/bin/python}
out=$(mktemp -d)
valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    "$python" bench/profiles/nc/count_nogc.py "$state" "$n" "$@" > "$out/log" 2>&1
i=0
for endpoint in "$@"; do
    i=$((i + 1))
    total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out/cg.$((2 * i))")
    echo "$endpoint $((total / n)) instructions per request"
done
rm -rf "$out"

#!/bin/sh
# Instructions per call of each piece of pieces.py.txt: sh bench/profiles/nd/pieces.sh [PIECE...]
set -eu
out=$(mktemp -d)
ND_NAMES="$out/names" valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    "${PYTHON:-.venv/bin/python}" bench/profiles/nd/pieces.py.txt "$@" > "$out/log" 2>&1
names=$(cat "$out/names")
i=0
for name in $names; do
    i=$((i + 1))
    total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out/cg.$((2 * i))")
    echo "$name $((total / 50))"
done
rm -rf "$out"

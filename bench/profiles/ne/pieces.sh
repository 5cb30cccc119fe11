#!/bin/sh
# Instructions per call of each piece of bench/profiles/ne/pieces.py (callgrind dumps).
#   PYTHONPATH=TREE bench/profiles/ne/pieces.sh STATE [TREE]
set -eu
state=$1; tree=${2:-.}
python=${PYTHON:-/work/main/.venv/bin/python}
out=$(mktemp -d)
here=$(cd "$(dirname "$0")" && pwd)
(cd "$tree" && valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    "$python" "$here/pieces.py" "$state" > "$out/log" 2>&1) || { cat "$out/log"; exit 1; }
i=0
for piece in $(grep "^request_me" "$out/log"); do
    i=$((i + 1))
    total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out/cg.$((2 * i))")
    echo "$piece $((total / 40))"
done
[ -n "${KEEP:-}" ] && cp -r "$out" "$KEEP"
rm -rf "$out"

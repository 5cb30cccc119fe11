#!/bin/sh
# rows_json_count.sh TREE [N]: instructions a page of my consultations' rows as JSON, with
# TREE's code (main's, or this branch's), and the md5 of the page's texts.
micro=$(cd "$(dirname "$0")" && pwd)/rows_json_micro.py
tree=$1; n=${2:-20}
out=$(mktemp -d)
cd "$tree" && PYTHONHASHSEED=0 PYTHONPATH=$tree valgrind --tool=callgrind \
    --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    /work/main/.venv/bin/python "$micro" "$n" "$out/text" >/dev/null 2>&1
total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out/cg.2")
echo "$tree rows JSON: $((total / n)) per page; $(md5sum < "$out/text")"
rm -rf "$out"

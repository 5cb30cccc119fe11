#!/bin/sh
# CPU ms in process, main's tree (/tmp/ic-main: git archive main, var/ copied) and this
# branch's, alternating processes on the same data (bench/framework_cost.py run), 3 rounds;
# one file per tree and round in OUT (ab/ holds the run quoted in README.md).
#   sh bench/profiles/ic/ab.sh OUT
out=$1; mkdir -p "$out"; out=$(cd "$out" && pwd)
for round in 1 2 3; do
  for tree in /tmp/ic-main /work/wt/ic; do
    (cd "$tree" && /work/main/.venv/bin/python bench/framework_cost.py run --state /tmp/ic-fc.json \
      --endpoints hello my_consultations journal journal_page hr_dashboard_page --requests 200 \
      > "$out/$(basename "$tree")-$round.txt" 2>/dev/null)
  done
done

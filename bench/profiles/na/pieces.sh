#!/bin/sh
# pieces.sh OUTDIR : counts per piece
out=$1; mkdir -p $out; N=${N:-200}
export N
valgrind --tool=callgrind --dump-instr=no --dump-before=os_getppid --callgrind-out-file=$out/cg /work/main/.venv/bin/python /tmp/na-tools/pieces.py > $out/log 2>&1
names=$(sed -n "s/^done \[\(.*\)\]/\1/p" $out/log | tr -d "',")
i=0; for n in $names; do i=$((i+1)); t=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' $out/cg.$((2*i))); echo "$n $((t / N))"; done

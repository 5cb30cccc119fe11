#!/bin/sh
# fc_keep.sh TREE OUTDIR N endpoints... : framework_cost counts, dumps kept, with gc share
tree=$1; out=$2; n=$3; shift 3; mkdir -p $out
cd $tree
valgrind --tool=callgrind --dump-instr=no --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    /work/main/.venv/bin/python bench/framework_cost.py count --state /tmp/na-fc.json --endpoints "$@" --requests "$n" > "$out/log" 2>&1
i=0
for endpoint in "$@"; do
    i=$((i + 1))
    f=$out/cg.$((2 * i))
    total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' $f)
    gc=$(callgrind_annotate --inclusive=yes $f 2>/dev/null | grep "gcmodule.c:gc_collect_main \[" | awk '{gsub(",","",$1); print $1}')
    echo "$endpoint $((total / n)) per request; gc $(( ${gc:-0} / n )); without gc $(( (total - ${gc:-0}) / n ))"
done

#!/bin/sh
# Instructions per request of each endpoint, counted by callgrind in one run
# (bench/framework_cost.py count): callgrind dumps its counters each time the script
# calls os.getppid, between one endpoint's requests and the next's.
#   bench/framework_cost.sh STATE [N] [ENDPOINT...]
set -eu
state=$1; n=${2:-100}; shift 2 || shift $#
endpoints=${*:-hello me my_consultations practitioners}
python=${PYTHON:-.venv/bin/python}
out=$(mktemp -d)
valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" \
    "$python" bench/framework_cost.py count --state "$state" --endpoints $endpoints \
    --requests "$n" > "$out/log" 2>&1
# Dumps 1, 3, … are the warm-up and each batch's preparation; 2, 4, … the endpoints'.
i=0
for endpoint in $endpoints; do
    i=$((i + 1))
    total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out/cg.$((2 * i))")
    echo "$endpoint $((total / n)) instructions per request"
done
rm -rf "$out"

#!/bin/sh
# Instructions per request of each endpoint, counted by callgrind (bench/framework_cost.py):
# the total of a run with N requests of the endpoint minus that of a run with none, over N.
#   bench/framework_cost.sh STATE [N] [ENDPOINT...]
set -eu
state=$1; n=${2:-100}; shift 2 || shift $#
endpoints=${*:-hello me my_consultations practitioners}
python=${PYTHON:-.venv/bin/python}
total() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$python" \
        bench/framework_cost.py count --state "$state" --endpoints $endpoints "$@" 2>&1 \
        | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
base=$(total)
for endpoint in $endpoints; do
    with=$(total --measure "$endpoint" --requests "$n")
    echo "$endpoint $(( (with - base) / n )) instructions per request"
done

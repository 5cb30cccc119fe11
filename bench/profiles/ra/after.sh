#!/bin/bash
. /tmp/ra-env.sh
while pgrep -f /tmp/ra/bench.sh >/dev/null; do sleep 5; done
OUT=/work/wt/ra/bench/profiles/ra
run() { tree=$1; label=$2; shift 2; cd $tree
  { date -u; cat /proc/loadavg; PYTHONPATH=$PWD /work/main/.venv/bin/python bench/chat_load.py --rate 0.1 --phases echo,one --reuse-rooms "$@"; date -u; cat /proc/loadavg; } > $OUT/$label.txt 2>&1; }
run /work/wt/ra chat-20s-ra-4
run /work/wt/ra-base chat-20s-base-4
cd /work/wt/ra
timeout 1500 env PYTHONPATH=$PWD /work/main/.venv/bin/python -m pytest -q tests/chat -p no:cacheprovider > /tmp/ra/tests-chat.txt 2>&1; echo "rc=$?" >> /tmp/ra/tests-chat.txt

#!/bin/bash
. /tmp/ra-env.sh
OUT=/work/wt/ra/bench/profiles/ra
run() { # tree label extra
  tree=$1; label=$2; shift 2
  cd $tree
  { date -u; cat /proc/loadavg; PYTHONPATH=$PWD /work/main/.venv/bin/python bench/chat_load.py --rate 0.1 --phases echo,one --reuse-rooms "$@"; date -u; cat /proc/loadavg; } > $OUT/$label.txt 2>&1
}
for i in 1 2 3; do
  run /work/wt/ra-base chat-20s-base-$i
  run /work/wt/ra chat-20s-ra-$i
done
for i in 1 2; do
  run /work/wt/ra chat-45s-ra-$i --with-rechecks
  run /work/wt/ra-base chat-45s-base-$i --with-rechecks
done

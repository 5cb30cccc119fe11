set -eu
out=$(mktemp -d)
valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file="$out/cg" /work/main/.venv/bin/python "$1" > "$out/log" 2>&1 || { cat $out/log; exit 1; }
python3 - "$out" "$2" <<'PY'
import json, re, sys
out, n = sys.argv[1], int(sys.argv[2])
labels = json.loads([l for l in open(f"{out}/log") if l.startswith("[")][-1])
for i, label in enumerate(labels):
    total = int(re.search(r"^summary: *(\d+)", open(f"{out}/cg.{2 * i + 2}").read(), re.M)[1])
    print(f"{label}: {total / n / 1000:.2f} K instructions")
PY
rm -rf "$out"

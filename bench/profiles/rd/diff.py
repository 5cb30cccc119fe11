"""Per function, what endpoint B spends beyond endpoint A (prof.py's stats), per request:

python bench/profiles/rd/diff.py DIR A B [N_REQUESTS] [ROWS]"""

import pstats
import sys

VENV = "/work/main/.venv/lib/python3.11/site-packages/"


def main() -> None:
    folder, a, b = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 300
    shown = int(sys.argv[5]) if len(sys.argv) > 5 else 70
    before = pstats.Stats(f"{folder}/{a}.prof").stats
    after = pstats.Stats(f"{folder}/{b}.prof").stats
    rows = []
    for key, (_cc, calls, own, cumulative, _callers) in after.items():
        old = before.get(key, (0, 0, 0, 0, None))
        rows.append((cumulative - old[3], own - old[2], calls - old[1], key))
    rows.sort(key=lambda row: -abs(row[0]))
    for cumulative, own, calls, (path, line, name) in rows[:shown]:
        print(
            f"{cumulative * 1e6 / n:9.1f}us cum {own * 1e6 / n:8.1f}us tot "
            f"{calls / n:7.1f} calls  {path.replace(VENV, '')}:{line}({name})"
        )


if __name__ == "__main__":
    main()

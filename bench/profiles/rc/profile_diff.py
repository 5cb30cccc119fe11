"""cProfile of two endpoints (framework_cost's requests, after its warm-up), and the
difference of their own time per function, per request: where one goes beyond the other.
    python bench/profiles/rc/profile_diff.py STATE N BASE OTHER"""

import cProfile
import gc
import pstats
import sys
import time
from argparse import Namespace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from bench import framework_cost as fc  # noqa: E402


def profile(requests, endpoint, n):
    from django.test import Client

    client = Client()
    for _ in range(fc.WARM_UP):
        fc.one_request(client, requests.next(endpoint))
    gc.collect()
    gc.freeze()
    profiler = cProfile.Profile(time.process_time)
    for _ in range(n):
        request = requests.next(endpoint)
        profiler.enable()
        fc.one_request(client, request)
        profiler.disable()
    return pstats.Stats(profiler).stats


LIMIT = 120


def main():
    state, n, base, other = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    requests = fc.Requests(Namespace(state=Path(state)))
    a, b = profile(requests, base, n), profile(requests, other, n)
    rows = []
    for func in set(a) | set(b):
        ta = a.get(func, (0, 0, 0, 0))
        tb = b.get(func, (0, 0, 0, 0))
        rows.append((tb[2] - ta[2], tb[1] - ta[1], tb[3], func))
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    print(f"own time beyond {base}: {total / n * 1e6:.0f} us per request")
    for own, calls, cum, func in rows[:LIMIT]:
        name = f"{func[0].split('site-packages/')[-1]}:{func[1]}({func[2]})"
        print(f"{own / n * 1e6:8.1f} us {calls / n:6.1f} calls  cum {cum / n * 1e6:8.1f}  {name}")
    by_file = {}
    for own, _, _, func in rows:
        key = func[0].split("site-packages/")[-1].split("/work/wt/")[-1]
        by_file[key] = by_file.get(key, 0) + own
    print("\nby file:")
    for key, own in sorted(by_file.items(), key=lambda item: -item[1])[:40]:
        print(f"{own / n * 1e6:8.1f} us  {key}")


main()

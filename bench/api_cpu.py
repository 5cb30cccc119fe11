"""bench/api.py's in-process figures with each request's CPU time beside its wall time.

On a machine shared by several engineers (a load of 6 to 10 on 2 cores), wall time in
process is mostly waiting for a core; the CPU time this process spends per request
(`time.process_time`, median over `--repeat`) is what one request costs, and what the
throughput of one server process follows. PostgreSQL's and Redis's own time is not in
it: the query counts are, and round trips show in the wall time on a quiet machine.
Profile summaries (`--profile DIR`) hold the top functions by own time after the top by
cumulative time.

    .venv/bin/python bench/api_cpu.py --no-server --endpoints me journal ... \
        --database-url postgres://.../huntzen_bench_x --redis-url redis://127.0.0.1:6379/N

Takes bench/api.py's options; in-process only (the server phases are bench/api.py's).
"""

import pstats
import statistics
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.argv = [str(Path(__file__).with_name("api.py")), *sys.argv[1:]]

import api as bench  # noqa: E402

_cpu_marks: list[float] = []


def _perf_counter() -> float:
    _cpu_marks.append(time.process_time())
    return time.perf_counter()


class _Stats(pstats.Stats):
    def print_stats(self, *amount):
        super().print_stats(40)
        self.sort_stats("tottime")
        super().print_stats(25)
        return self


_clock = types.SimpleNamespace(**{k: getattr(time, k) for k in dir(time) if not k[:2] == "__"})
_clock.perf_counter = _perf_counter
bench.time = _clock
bench.pstats = types.SimpleNamespace(Stats=_Stats)
_in_process = bench.in_process


def in_process(targets, args) -> dict:
    """bench.in_process one endpoint at a time (hello runs first each time), each
    request's CPU time read from the marks taken with its two clock reads."""
    out = {}
    per_endpoint = args.repeat + 3  # 3 warm-up requests
    for endpoint in args.endpoints:
        one = types.SimpleNamespace(**vars(args))
        one.endpoints = [endpoint]
        _cpu_marks.clear()
        result = _in_process(targets, one)
        marks = _cpu_marks[:]
        spent = [marks[i + 1] - marks[i] for i in range(0, len(marks) - 1, 2)]
        hello, own = spent[3:per_endpoint], spent[per_endpoint + 3 : 2 * per_endpoint]
        if "hello" not in out:
            out["hello"] = {**result["hello"], "cpu_ms": round(statistics.median(hello) * 1000, 2)}
        if endpoint in result:
            out[endpoint] = {
                **result[endpoint],
                "cpu_ms": round(statistics.median(own) * 1000, 2),
            }
    for endpoint, figures in out.items():
        print(
            f"| {endpoint} | {figures['median_ms']} | {figures['cpu_ms']} | {figures['queries']} |"
        )
    return out


bench.in_process = in_process

if __name__ == "__main__":
    print("| endpoint | wall ms | CPU ms | queries |")
    bench.main()

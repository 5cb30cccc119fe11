"""Raw cProfile stats (CPU timer) per endpoint, with bench/framework_cost.py's requests:

    PYTHONPATH=$PWD python bench/profiles/rd/prof.py STATE N OUT_DIR ENDPOINT...

writes OUT_DIR/ENDPOINT.prof (N requests after the warm-up; diff.py compares two)."""

import cProfile
import sys
import time
from argparse import Namespace
from pathlib import Path


def main() -> None:
    state, n, out, *endpoints = sys.argv[1:]
    sys.path.insert(0, ".")
    from bench import framework_cost as fc

    requests = fc.Requests(Namespace(state=Path(state), endpoints=endpoints, requests=int(n)))
    from django.test import Client

    for endpoint in endpoints:
        client = Client()
        for _ in range(fc.WARM_UP):
            request = requests.next(endpoint)
            fc.warm_sign_in(client, request)
            fc.one_request(client, request)
        profiler = cProfile.Profile(time.process_time)
        for _ in range(int(n)):
            request = requests.next(endpoint)
            fc.warm_sign_in(client, request)
            profiler.enable()
            fc.one_request(client, request)
            profiler.disable()
        profiler.dump_stats(f"{out}/{endpoint}.prof")


if __name__ == "__main__":
    main()

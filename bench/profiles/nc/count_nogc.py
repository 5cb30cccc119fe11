"""Instructions per request of a few endpoints with the cyclic collector held off during
each counted batch (collected just before it), so that where a full collection happens to
fall does not move one endpoint's count by hundreds of thousands of instructions between
runs of unchanged code. Run from the tree to count, under
`valgrind --tool=callgrind --dump-before=os_getppid`; dump 2k holds endpoint k's batch:

    PYTHONPATH=. valgrind --tool=callgrind --dump-before=os_getppid \
        --callgrind-out-file=/tmp/cg .venv/bin/python bench/profiles/nc/count_nogc.py \
        /tmp/nc-fc.json 200 hello me company_metrics hr_dashboard_page
"""

import gc
import os
import sys
from pathlib import Path

sys.path.insert(0, os.getcwd())

from bench import framework_cost as fc  # noqa: E402


class _Args:
    def __init__(self, state):
        self.state = Path(state)


def main():
    state, n, *endpoints = sys.argv[1:]
    requests = fc.Requests(_Args(state))
    from django.test import Client

    clients = {endpoint: Client() for endpoint in endpoints}
    for endpoint in endpoints:
        for _ in range(fc.WARM_UP * 2):
            fc.one_request(clients[endpoint], requests.next(endpoint))
    for endpoint in endpoints:
        request = requests.next(endpoint)
        gc.collect()
        gc.disable()
        os.getppid()
        for _ in range(int(n)):
            fc.one_request(clients[endpoint], request)
        os.getppid()
        gc.enable()


if __name__ == "__main__":
    main()

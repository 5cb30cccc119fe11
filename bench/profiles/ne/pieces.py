"""My consultations, piece by piece, in one process (the bench's page of 50 rows, a
signed-in employee's): each piece's CALLS calls between two os.getppid calls, for
callgrind's dumps:

    valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file=/tmp/ne_pc/cg \\
        .venv/bin/python bench/profiles/ne/pieces.py STATE   # framework_cost.py setup's

dumps 2, 4, … (their `summary:` / CALLS) are the pieces, in the order printed."""

import gc
import os
import sys
from pathlib import Path

sys.path.insert(0, os.getcwd())  # the tree counted (run from its root)
CALLS = 40


def main() -> None:
    from bench import framework_cost

    class Args:
        state = Path(sys.argv[1])

    requests = framework_cost.Requests(Args())
    from django.test import Client
    from django.utils import timezone

    from consultations.api import MY_CONSULTATIONS
    from consultations.serializers import ConsultationSerializer

    client = Client()
    mine_request = requests.next("my_consultations")
    me_request = requests.next("me")
    method, path, body, auth = mine_request
    one_row_request = (method, f"{path}?pageSize=1", body, auth)
    for _ in range(5):
        mine = framework_cost.one_request(client, mine_request).json()
        framework_cost.one_request(client, me_request)
    now = timezone.now()
    timezone.activate("Europe/Paris")
    user_id = mine["results"][0]["employee"]["id"]

    def statement():
        return MY_CONSULTATIONS["all"].rows(limit=50, offset=0, user_id=user_id, now=now)

    rows = statement()
    page = [row[:-1] for row in rows]

    pieces = {
        "request_me": lambda: framework_cost.one_request(client, me_request),
        "request_mine": lambda: framework_cost.one_request(client, mine_request),
        "request_mine_one_row": lambda: framework_cost.one_request(client, one_row_request),
        "statement": statement,
        "slices": lambda: [row[:-1] for row in rows],
        "json_rows": lambda: ConsultationSerializer.represent_rows_json(page),
    }
    for name in ("slices", "json_rows"):
        pieces[name]()
    gc.collect()
    gc.freeze()  # what the warm-up left, out of the collector's full walks
    for piece in pieces.values():
        os.getppid()
        for _ in range(CALLS):
            piece()
        os.getppid()
    print(" ".join(pieces))


if __name__ == "__main__":
    main()

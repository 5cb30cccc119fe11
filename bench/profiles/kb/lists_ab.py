"""A/B of the list bodies, in one process: the dict path (represent + DRF's renderer)
against the JSON-text path (represent_*_json + the splice), on the bench's pages (a page
of 50 consultations, 30 journal entries), both asserted byte-equal first. Each piece's
20 calls between two os.getppid calls, for callgrind's dumps:

    valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file=/tmp/ab/cg \\
        .venv/bin/python bench/profiles/kb/lists_ab.py STATE   # framework_cost.py setup's

dumps 2, 4, 6, 8 (their `summary:` / 20) are the pieces, in the order printed."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
CALLS = 20


def main() -> None:
    from bench import framework_cost

    class Args:
        state = Path(sys.argv[1])

    requests = framework_cost.Requests(Args())
    from django.test import Client
    from django.utils import timezone
    from rest_framework.renderers import JSONRenderer

    from consultations.api import MY_CONSULTATIONS
    from consultations.serializers import ConsultationSerializer
    from medical import selectors
    from medical.models import JournalEntry
    from medical.serializers import JournalEntrySerializer

    client = Client()
    mine = framework_cost.one_request(client, requests.next("my_consultations")).json()
    journal = framework_cost.one_request(client, requests.next("journal")).json()
    now = timezone.now()
    timezone.activate("Europe/Paris")
    user_id = mine["results"][0]["employee"]["id"]
    rows = [
        row[:-1]
        for row in MY_CONSULTATIONS["all"].rows(limit=50, offset=0, user_id=user_id, now=now)
    ]
    owner_id = JournalEntry.objects.get(pk=journal["results"][0]["id"]).owner_id
    entries = [
        row[:-1] for row in selectors.OWN_ENTRIES.rows(limit=30, offset=0, owner_id=owner_id)
    ]
    renderer = JSONRenderer()
    envelope = {"count": 97, "next": "http://testserver/api/v1/x?page=2", "previous": None}

    def dicts(results) -> bytes:
        return renderer.render({**envelope, "results": results}, "application/json", {})

    def texts(results) -> bytes:
        head = renderer.render({**envelope, "results": []}, "application/json", {})
        text = ",".join(results).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        return b"%b[%b]}" % (head[:-3], text.encode())

    pieces = {
        "mc_dicts_and_renderer": lambda: dicts(ConsultationSerializer.represent_rows(rows)),
        "mc_json_rows": lambda: texts(ConsultationSerializer.represent_rows_json(rows)),
        "journal_dicts_and_renderer": lambda: dicts(
            JournalEntrySerializer.represent_many(selectors.entry_rows_content(entries))
        ),
        "journal_json_rows": lambda: texts(
            JournalEntrySerializer.represent_many_json(selectors.entry_rows_content(entries))
        ),
    }
    bodies = {name: piece() for name, piece in pieces.items()}
    assert bodies["mc_dicts_and_renderer"] == bodies["mc_json_rows"]
    assert bodies["journal_dicts_and_renderer"] == bodies["journal_json_rows"]
    for piece in pieces.values():
        os.getppid()
        for _ in range(CALLS):
            piece()
        os.getppid()
    print(" ".join(pieces))


if __name__ == "__main__":
    main()

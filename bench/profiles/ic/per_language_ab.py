"""In-process A/B of `{% per_language %}` (huntzen.nav): each endpoint's page with the
kept blocks and rendered in full, alternating request by request in one process; the
median CPU ms of each.

    .venv/bin/python bench/profiles/ic/per_language_ab.py journal_page hr_dashboard_page

Reads bench/framework_cost.py's state in /tmp/ic-fc.json (its `setup` step)."""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
state = json.loads(Path("/tmp/ic-fc.json").read_text())
os.environ.update(state["env"])

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from huntzen import nav  # noqa: E402

kept = nav.PerLanguageNode.render


def full(node, context):
    return node.nodelist.render(context)


for endpoint in sys.argv[1:]:
    _method, path, _body, auth = state["requests"][endpoint]
    client = Client()
    headers = {}
    if auth[0] == "jwt":
        headers = {"Authorization": f"Bearer {auth[1]['token']}"}
    else:
        client.cookies["sessionid"] = auth[1]["session"]
    spent = {"kept": [], "full": []}
    for _ in range(10):
        client.get(path, headers=headers)
    for i in range(300):
        mode = "kept" if i % 2 else "full"
        nav.PerLanguageNode.render = kept if mode == "kept" else full
        started = time.process_time()
        response = client.get(path, headers=headers)
        spent[mode].append(time.process_time() - started)
        assert response.status_code == 200
    nav.PerLanguageNode.render = kept
    print(endpoint, {mode: round(statistics.median(v) * 1000, 3) for mode, v in spent.items()})

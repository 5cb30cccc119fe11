"""The answers (status, headers, body) of the bench state's reads (bench/framework_cost.py
setup), fetched in-process from the tree in $PWD, as JSON: two trees' files must be equal
byte for byte (run both with PYTHONHASHSEED=0: the CSP header's order follows the seed).

    python bench/profiles/td/bench_bytes.py STATE.json OUT.json
"""
# ruff: noqa: E402

import json
import os
import sys

sys.path.insert(0, os.getcwd())
state = json.load(open(sys.argv[1]))
os.environ.update(state["env"])
import django

django.setup()
from django.test import Client

from bench.framework_cost import _headers

client = Client()
answers = {}
for endpoint in ("my_consultations", "journal", "company_metrics"):
    method, path, body, auth = state["requests"][endpoint]
    for suffix in ("", "?page=2", "?pageSize=7&page=3", "?scope=past", "?scope=upcoming"):
        if endpoint == "company_metrics" and suffix:
            continue
        full = path + (suffix if "?" not in path else suffix.replace("?", "&"))
        response = client.get(full, headers=_headers(client, auth))
        headers = [
            # Expires is the instant of the answer, X-Request-ID drawn per request.
            [name, "…" if name in ("Expires", "X-Request-ID") else value]
            for name, value in response.headers.items()
        ]
        answers[f"{endpoint} {full}"] = [response.status_code, headers, response.content.decode()]
with open(sys.argv[2], "w") as out:
    json.dump(answers, out, indent=1, sort_keys=True, ensure_ascii=False)
print(len(answers), "answers")

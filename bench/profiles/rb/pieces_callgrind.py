"""Instructions of the journal's decryption and of the journal page's parts, 50 runs
each between os.getppid dumps (pieces_callgrind.sh). State: $STATE (framework_cost.py
setup)."""
# ruff: noqa: E402 (Django is set up from the state before its imports)

import gc
import json
import os
import sys

sys.path.insert(0, os.getcwd())  # run from the tree measured
state = json.load(open(os.environ["STATE"]))
os.environ.update(state["env"])
import django

django.setup()
from django.test import Client

from accounts.models import User
from medical import crypto, selectors
from medical.models import JournalEntry

jr = User.objects.get(pk=state["requests"]["journal"][3][1]["id"])
rows = [r[:-1] for r in selectors.OWN_ENTRIES.rows(limit=50, offset=0, owner_id=jr.pk)]
values = []
for pk, *_ in rows:
    entry = JournalEntry.objects.get(pk=pk)
    values += [(entry.mood_sealed, entry.aad("mood")), (entry.text_sealed, entry.aad("text"))]
client = Client()
client.force_login(jr)


def unsealer_values():
    unseal = crypto.unsealer()
    return [unseal(sealed, aad=aad) for sealed, aad in values]


def unseal_values():
    return [crypto.unseal(sealed, aad=aad) for sealed, aad in values]


pieces = [
    (f"crypto.unsealer(), {len(values)} values", unsealer_values),
    (f"crypto.unseal, {len(values)} values", unseal_values),
    (f"entry_rows_content, {len(rows)} rows", lambda: selectors.entry_rows_content(rows)),
    ("journal page (test client, forced login)", lambda: client.get("/journal/")),
]
N = 50
for _, f in pieces:
    for _ in range(5):
        f()
gc.collect()
gc.freeze()
for _label, f in pieces:
    os.getppid()
    for _ in range(N):
        f()
    os.getppid()
print(json.dumps([label for label, _ in pieces]))

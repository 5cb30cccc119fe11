# ruff: noqa  -- a measuring script kept as run (bench/profiles/sc/SUMMARY.md)
"""Callgrind counts of pieces (micro.sh SCRIPT N, from the tree measured; state /tmp/sc-fc.json)."""

import os, json, gc, sys

sys.path.insert(0, os.getcwd())
state = json.load(open("/tmp/sc-fc.json"))
os.environ.update(state["env"])
import django

django.setup()
from medical import selectors as ms, crypto
from medical.models import JournalEntry
from huntzen.middleware import release_connections

writer = state["requests"]["journal"][3][1]["id"]
rows = [r[:-1] for r in ms.OWN_ENTRIES.rows(limit=50, offset=0, owner_id=writer)]
release_connections()
row = rows[0]
print(row, file=sys.stderr)
unseal = crypto.unsealer()
pk, owner_id, entry_date, mood_sealed, text_sealed, created_at, updated_at = row
aads = ms._ENTRY_AADS(pk.replace("-", ""), owner_id.replace("-", ""))


def whole():
    ms.entry_row_content(row, unseal)


def aad():
    ms._ENTRY_AADS(pk.replace("-", ""), owner_id.replace("-", ""))


def u_mood():
    unseal(mood_sealed, aad=aads[0])


def u_text():
    unseal(text_sealed, aad=aads[1])


def view():
    ms.EntryView(pk, entry_date, 5, "x", created_at, updated_at, False)


def noop():
    pass


N = 200
pieces = [
    ("entry_row_content", whole),
    ("aads", aad),
    ("unseal mood", u_mood),
    ("unseal text", u_text),
    ("EntryView", view),
    ("noop", noop),
]
for _, f in pieces:
    for _ in range(5):
        f()
gc.collect()
gc.freeze()
for _, f in pieces:
    os.getppid()
    for _ in range(N):
        f()
    os.getppid()
print(json.dumps([l for l, _ in pieces]))

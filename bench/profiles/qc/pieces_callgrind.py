"""Instructions of each piece of the journal's and my consultations' views, 50 runs
each between os.getppid dumps (pieces_callgrind.sh). State at /tmp/qc-fc.json."""
# ruff: noqa: E402 (Django is set up from the state before its imports)

import gc
import json
import os
import sys

sys.path.insert(0, os.getcwd())  # run from the tree measured
state = json.load(open("/tmp/qc-fc.json"))
os.environ.update(state["env"])
import django

django.setup()
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.request import Request

from accounts.models import User
from consultations.api import MY_CONSULTATIONS
from consultations.serializers import ConsultationSerializer
from medical import access, crypto, selectors
from medical.models import AccessLogEntry
from medical.serializers import JournalEntrySerializer

jr = User.objects.get(pk=state["requests"]["journal"][3][1]["id"])
me = User.objects.get(pk=state["requests"]["my_consultations"][3][1]["id"])
rows = [r[:-1] for r in selectors.OWN_ENTRIES.rows(limit=50, offset=0, owner_id=jr.pk)]
entries = selectors.entry_rows_content(rows)
req = Request(RequestFactory().get("/api/v1/consultations/my", HTTP_HOST="127.0.0.1"))
now = timezone.now()
crows = [r[:-1] for r in MY_CONSULTATIONS["all"].rows(limit=50, offset=0, user_id=me.pk, now=now)]


def old_rows_content(rows):
    unseal = crypto.unsealer()
    return [selectors.entry_row_content(row, unseal) for row in rows]


pieces = [
    (
        "journal: access log row (require_journal)",
        lambda: access.require_journal(jr, action=AccessLogEntry.Action.READ),
    ),
    (
        "journal: OWN_ENTRIES.rows (30 rows)",
        lambda: selectors.OWN_ENTRIES.rows(limit=50, offset=0, owner_id=jr.pk),
    ),
    ("journal: decryption, main's per-row path", lambda: old_rows_content(rows)),
    ("journal: decryption, entry_rows_content", lambda: selectors.entry_rows_content(rows)),
    ("journal: represent_many_json", lambda: JournalEntrySerializer.represent_many_json(entries)),
    (
        "my: MY_CONSULTATIONS rows (50 rows)",
        lambda: MY_CONSULTATIONS["all"].rows(limit=50, offset=0, user_id=me.pk, now=now),
    ),
    (
        "my: represent_rows_json",
        lambda: ConsultationSerializer.represent_rows_json(crows, request=req),
    ),
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

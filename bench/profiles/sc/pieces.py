"""Instructions of the pieces of my consultations, the journal and company metrics
(GET, bench/framework_cost.py's readers), N runs each between os.getppid dumps
(pieces.sh). State: $SC_STATE."""
# ruff: noqa: E402 (Django is set up from the state before its imports)

import gc
import json
import os
import sys

sys.path.insert(0, os.getcwd())  # run from the tree measured
state = json.load(open(os.environ.get("SC_STATE", "/tmp/sc-fc.json")))
os.environ.update(state["env"])
import django

django.setup()
from django.test import Client
from django.utils import timezone

from consultations.api import MY_CONSULTATIONS
from consultations.serializers import ConsultationSerializer
from huntzen.middleware import release_connections
from medical import selectors as medical_selectors
from medical.serializers import JournalEntrySerializer

requests = state["requests"]


def client_get(name):
    _, path, _, auth = requests[name]
    headers = {"Authorization": f"Bearer {auth[1]['token']}"} if auth else {}
    client = Client()
    return lambda: client.get(path, headers=headers)


class FakeRequest:
    def __init__(self, user):
        self.user = user


from accounts.models import User

reader = User.objects.get(pk=requests["my_consultations"][3][1]["id"])
writer = requests["journal"][3][1]["id"]
release_connections()
now = timezone.now()
c_rows = [
    r[:-1] for r in MY_CONSULTATIONS["all"].rows(limit=50, offset=0, user_id=reader.pk, now=now)
]
j_rows = [r[:-1] for r in medical_selectors.OWN_ENTRIES.rows(limit=50, offset=0, owner_id=writer)]
release_connections()
entries = medical_selectors.entry_rows_content(j_rows)
fake = FakeRequest(reader)


def c_statement():
    MY_CONSULTATIONS["all"].rows(limit=50, offset=0, user_id=reader.pk, now=now)
    release_connections()


def j_statement():
    medical_selectors.OWN_ENTRIES.rows(limit=50, offset=0, owner_id=writer)
    release_connections()


pieces = [
    ("hello", client_get("hello") if "hello" in requests else None),
    ("me", client_get("me")),
    ("my_consultations", client_get("my_consultations")),
    ("journal", client_get("journal")),
    ("company_metrics", client_get("company_metrics")),
    (f"consultations statement ({len(c_rows)} rows, + release)", c_statement),
    (
        "consultations represent_rows_json",
        lambda: ConsultationSerializer.represent_rows_json(c_rows, request=fake),
    ),
    (f"journal statement ({len(j_rows)} rows, + release)", j_statement),
    ("journal entry_rows_content", lambda: medical_selectors.entry_rows_content(j_rows)),
    ("journal represent_many_json", lambda: JournalEntrySerializer.represent_many_json(entries)),
]
pieces = [(label, f) for label, f in pieces if f is not None]
N = int(os.environ.get("SC_N", "30"))
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

# ruff: noqa  -- a measuring script kept as run (bench/profiles/td/SUMMARY.md)
import os, json, sys

sys.path.insert(0, os.getcwd())
state = json.load(open("/tmp/td-fc.json"))
os.environ.update(state["env"])
import django

django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from consultations.api import MY_CONSULTATIONS
from medical.selectors import OWN_ENTRIES
from accounts.models import User

reader = User.objects.get(pk=state["requests"]["my_consultations"][3][1]["id"])
writer = state["requests"]["journal"][3][1]["id"]
now = timezone.now()
for scope, st in MY_CONSULTATIONS.items():
    for off in (0, 3, 10000):
        a = st.rows(limit=50, offset=off, user_id=reader.pk, now=now)
        with CaptureQueriesContext(connection) as q:
            b = st.rows(limit=50, offset=off, user_id=reader.pk, now=now)
        assert len(q) == 1
        assert a == b and [type(x) for r in a for x in r] == [type(x) for r in b for x in r], scope
        print(scope, off, len(a))
a = OWN_ENTRIES.rows(limit=50, offset=0, owner_id=writer)
with CaptureQueriesContext(connection) as q:
    b = OWN_ENTRIES.rows(limit=50, offset=0, owner_id=writer)
assert a == b and [type(x) for r in a for x in r] == [type(x) for r in b for x in r]
print("journal", len(a), a[0])

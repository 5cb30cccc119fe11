# ruff: noqa  -- a measuring script kept as run (bench/profiles/td/SUMMARY.md)
import os, json, gc, sys

sys.path.insert(0, os.getcwd())
state = json.load(open("/tmp/td-fc.json"))
os.environ.update(state["env"])
import django

django.setup()
from django.utils import timezone
from consultations.api import MY_CONSULTATIONS
from consultations import serializers as cs
from huntzen.middleware import release_connections
from accounts.models import User

reader = User.objects.get(pk=state["requests"]["my_consultations"][3][1]["id"])
rows = [
    r[:-1]
    for r in MY_CONSULTATIONS["all"].rows(limit=50, offset=0, user_id=reader.pk, now=timezone.now())
]
release_connections()


class R:
    user = reader


def page():
    cs.ConsultationSerializer.represent_rows_json(rows, request=R)


def noop():
    pass


pieces = [("page of 50", page), ("noop", noop)]
for _, f in pieces:
    for _ in range(5):
        f()
gc.collect()
gc.freeze()
for _, f in pieces:
    os.getppid()
    for _ in range(40):
        f()
    os.getppid()
print(json.dumps([l for l, _ in pieces]))

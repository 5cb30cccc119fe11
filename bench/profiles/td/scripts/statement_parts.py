# ruff: noqa  -- a measuring script kept as run (bench/profiles/sc/SUMMARY.md)
"""Callgrind counts of pieces (micro.sh SCRIPT N, from the tree measured; state /tmp/td-fc.json)."""

import os, json, gc, sys

sys.path.insert(0, os.getcwd())
state = json.load(open("/tmp/td-fc.json"))
os.environ.update(state["env"])
import django

django.setup()
from django.utils import timezone
from consultations.api import MY_CONSULTATIONS
from consultations import serializers as cs
from huntzen.datetime_text import datetime_text
from huntzen import json_rows
from huntzen.middleware import release_connections
from accounts.models import User

reader = User.objects.get(pk=state["requests"]["my_consultations"][3][1]["id"])
rows = [
    r[:-1]
    for r in MY_CONSULTATIONS["all"].rows(limit=50, offset=0, user_id=reader.pk, now=timezone.now())
]
release_connections()
row = rows[0]
print(row, file=sys.stderr)


class R:
    user = reader


instant = datetime_text(json=True)
people = cs._PeopleJson()
cs._consultation_json(row, instant, reader, people)


def whole():
    cs._consultation_json(row, instant, reader, people)


def inst():
    instant(row[12])


def inst_created():
    instant(row[21])


def inst_none():
    instant(None)


def pget():
    people.get(row[1])


def jstr():
    json_rows.string(row[11])


def page():
    cs.ConsultationSerializer.represent_rows_json(rows, request=R)


def dtj():
    datetime_text(json=True)


def noop():
    pass


N = 200
null_instant = lambda v: "null"


def whole_noinst():
    cs._consultation_json(row, null_instant, reader, people)


import inspect


def unpack():
    (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s_, t, u, v) = row


def fstr():
    a = "x"
    return f'{{"id":"{a}","employee":{a},"practitioner":{a},"companyId":"{a}","type":{a},"kind":{a},"status":{a},"scheduledAt":{a},"scheduledEnd":{a},"startedAt":{a},"endedAt":{a},"durationSeconds":{a},"cancelledAt":{a},"cancelledById":{a},"cancelReason":{a},"cancelledLate":{a},"createdAt":{a}}}'


import statistics


def statement():
    MY_CONSULTATIONS["all"].rows(limit=50, offset=0, user_id=reader.pk, now=timezone.now())
    release_connections()


def checkout():
    from django.db import connection

    connection.ensure_connection()
    release_connections()


from django.db import connection as _c


def cursor_text():
    from huntzen.statements import _load_as_text

    _c.ensure_connection()
    with _c.prepared_cursor() as cur:
        _load_as_text(cur.cursor, MY_CONSULTATIONS["all"]._compiled["default"][5])
    release_connections()


def cursor_only():
    _c.ensure_connection()
    with _c.prepared_cursor() as cur:
        pass
    release_connections()


def slice_rows():
    [r[:-1] for r in rows]


pieces = [
    ("statement+checkout", statement),
    ("checkout", checkout),
    ("cursor+text loaders", cursor_text),
    ("cursor", cursor_only),
    ("slice rows", slice_rows),
    ("_consultation_json", whole),
    ("no instants", whole_noinst),
    ("unpack", unpack),
    ("fstring 17", fstr),
    ("instant scheduled", inst),
    ("instant created", inst_created),
    ("instant None", inst_none),
    ("people.get", pget),
    ("json string", jstr),
    ("datetime_text()", dtj),
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

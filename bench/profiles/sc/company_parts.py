# ruff: noqa  -- a measuring script kept as run (bench/profiles/sc/SUMMARY.md)
"""Callgrind counts of pieces (micro.sh SCRIPT N, from the tree measured; state /tmp/sc-fc.json)."""

import os, json, gc, sys

sys.path.insert(0, os.getcwd())
state = json.load(open("/tmp/sc-fc.json"))
os.environ.update(state["env"])
import django

django.setup()
from django.db import connection
from metrics import access
from metrics import selectors
from accounts.models import User
from companies.models import Company
from huntzen.middleware import release_connections

hr = User.objects.get(pk=state["requests"]["company_metrics"][3][1]["id"])
pk = hr.company_id
release_connections()
sql, fields = access._company_statement("default")
connection.ensure_connection()
row = connection.text_row(sql, [str(pk)])


def whole():
    access.get_company_for(hr, str(pk))


def text_row_only():
    connection.text_row(sql, [str(pk)])


def build():
    values = [
        access._from_text(field, value) for (field, *_), value in zip(fields, row, strict=False)
    ]
    access._company("default", fields, values, access._generation(row[-1]))


values = [access._from_text(field, value) for (field, *_), value in zip(fields, row, strict=False)]


def conv():
    [access._from_text(field, value) for (field, *_), value in zip(fields, row, strict=False)]


def inst():
    access._company("default", fields, values, 3)


def checkout():
    connection.ensure_connection()
    release_connections()


def noop():
    pass


N = 200
pieces = [
    ("get_company_for (conn held)", whole),
    ("text_row", text_row_only),
    ("values+instance", build),
    ("to_python x12", conv),
    ("from_db", inst),
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

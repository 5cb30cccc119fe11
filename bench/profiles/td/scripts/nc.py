# ruff: noqa  -- a measuring script kept as run (bench/profiles/td/SUMMARY.md)
import os, json, gc, sys

sys.path.insert(0, os.getcwd())
state = json.load(open("/tmp/td-fc.json"))
os.environ.update(state["env"])
import django

django.setup()
from django.http import HttpResponse
from huntzen.cache_headers import add_never_cache_headers
from huntzen.datetime_text import datetime_text
from huntzen import json_rows


def nc():
    r = HttpResponse(b"x", content_type="application/json")
    add_never_cache_headers(r)


def resp():
    r = HttpResponse(b"x", content_type="application/json")


def dtj():
    datetime_text(json=True)


S = {}


def kindstatus_memo():
    k = S.get(("video", "scheduled"))
    if k is None:
        k = S[("video", "scheduled")] = "x"


def kindstatus_now():
    kind = json_rows.string("video")
    f'"type":{kind},"kind":{kind},"status":{json_rows.string("scheduled")}'


def noop():
    pass


N = 200
pieces = [
    ("never_cache", nc),
    ("response", resp),
    ("datetime_text json", dtj),
    ("kind memo", kindstatus_memo),
    ("kind now", kindstatus_now),
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

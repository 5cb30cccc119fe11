# ruff: noqa  -- a measuring script kept as run (bench/profiles/sc/SUMMARY.md)
"""Callgrind counts of pieces (micro.sh SCRIPT N, from the tree measured; state /tmp/sc-fc.json)."""

import os, json, gc, sys

sys.path.insert(0, os.getcwd())
state = json.load(open("/tmp/sc-fc.json"))
os.environ.update(state["env"])
import django

django.setup()
from django.utils import timezone
from django.test import RequestFactory
from consultations.api import MY_CONSULTATIONS, MyConsultationsView, _SCOPE_PARAM
from consultations import serializers as cs
from huntzen import json_rows
from huntzen.api import check_query_params
from huntzen.middleware import release_connections

tok = state["requests"]["my_consultations"][3][1]["token"]
django_request = RequestFactory().get(
    "/api/v1/consultations/my", HTTP_AUTHORIZATION=f"Bearer {tok}", HTTP_HOST="testserver"
)
view = MyConsultationsView()
view.setup(django_request)
view.args, view.kwargs = (), {}
request = view.initialize_request(django_request)
view.request = request
view.headers = {}
view.format_kwarg = None
view.initial(request)
rows = view.paginator.paginate_statement(
    MY_CONSULTATIONS["all"], request, view=view, user_id=request.user.pk, now=timezone.now()
)
release_connections()


def envelope():
    json_rows.paginated_response(view, [])


def gpr():
    view.get_paginated_response([])


def nextlink():
    view.paginator.get_next_link()


def checkq():
    check_query_params(request, _SCOPE_PARAM)


def pcheck():
    view.paginator._check_params(request)


def psize():
    view.paginator.get_page_size(request)


def wpj():
    json_rows.writes_plain_json(view)


def slices():
    [row for row in rows]


def noop():
    pass


N = 200
pieces = [
    ("paginated_response(view, [])", envelope),
    ("get_paginated_response([])", gpr),
    ("get_next_link", nextlink),
    ("check_query_params scope", checkq),
    ("pagination _check_params", pcheck),
    ("get_page_size", psize),
    ("writes_plain_json", wpj),
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

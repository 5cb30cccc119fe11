"""Instructions of each piece of a bearer-token request's own path (GET /api/v1/auth/me)
and of my consultations' statement,
50 runs each between os.getppid dumps (auth_pieces.sh). State: $RC_STATE."""
# ruff: noqa: E402 (Django is set up from the state before its imports)

import gc
import json
import os
import sys

sys.path.insert(0, os.getcwd())  # run from the tree measured
state = json.load(open(os.environ.get("RC_STATE", "/tmp/rc-fc.json")))
os.environ.update(state["env"])
import django

django.setup()
from django.db import connection
from django.test import Client, RequestFactory
from rest_framework.request import Request

from accounts import api_auth
from accounts.api_views import MeView
from huntzen.middleware import release_connections

me = state["requests"]["me"]
token = me[3][1]["token"]
headers = {"Authorization": f"Bearer {token}"}
client = Client()
payload, session_key = api_auth.verified_access_token(token)
factory = RequestFactory()
reader = state["requests"]["my_consultations"][3][1]["id"]
now = None


def drf_request():
    request = Request(factory.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}"))
    view = MeView()
    view.request, view.args, view.kwargs, view.headers = request, (), {}, {}
    request.parser_context = {"view": view, "args": (), "kwargs": {}, "request": request}
    return request


def authenticate():
    api_auth.JWTAuthentication().authenticate(drf_request())
    release_connections()


def session():
    api_auth.lookup_session(session_key)
    release_connections()


def my_rows():
    from consultations.api import MY_CONSULTATIONS

    MY_CONSULTATIONS["all"].rows(limit=50, offset=0, user_id=reader, now=now)
    release_connections()


def checkout():
    connection.ensure_connection()
    release_connections()


pieces = [
    ("hello through the client", lambda: client.get("/bench/hello")),
    ("me through the client", lambda: client.get("/api/v1/auth/me", headers=headers)),
    ("JWTAuthentication.authenticate (+ release)", authenticate),
    ("verified_access_token", lambda: api_auth.verified_access_token(token)),
    ("lookup_session (+ release)", session),
    ("connection checkout and release", checkout),
    ("a DRF Request and view", drf_request),
    ("my consultations' statement, 50 rows (+ release)", my_rows),
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

"""Instructions of each piece of a request's database checkout and return (Django's
pool), 200 runs each between os.getppid dumps (pool_pieces.sh). State: $SD_STATE."""
# ruff: noqa: E402 (Django is set up from the state before its imports)

import gc
import json
import os
import sys

sys.path.insert(0, os.getcwd())  # run from the tree measured
state = json.load(open(os.environ.get("SD_STATE", "/tmp/sd-fc.json")))
os.environ.update(state["env"])
import django

django.setup()
from django.db import connection

from huntzen.middleware import release_connections

connection.ensure_connection()
pool = connection.pool
release_connections()


def checkout_and_release():
    connection.ensure_connection()
    release_connections()


def getconn_putconn():
    pool.putconn(pool.getconn())


def django_connect_close():
    connection.connect()
    connection.close()


def release_nothing():
    release_connections()


def one_select():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    release_connections()


def held_select():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def held_atomic_select():
    from django.db import transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")


pieces = [
    ("ensure_connection + release_connections", checkout_and_release),
    ("pool.getconn + pool.putconn", getconn_putconn),
    ("connection.connect + connection.close", django_connect_close),
    ("release_connections, no connection", release_nothing),
    ("checkout, SELECT 1, release", one_select),
]
held = [
    ("SELECT 1 on a held connection", held_select),
    ("atomic(): BEGIN, SELECT 1, COMMIT on a held connection", held_atomic_select),
]
N = 200
for _, f in pieces:
    for _ in range(10):
        f()
gc.collect()
gc.freeze()
for _label, f in pieces:
    os.getppid()
    for _ in range(N):
        f()
    os.getppid()
connection.ensure_connection()
for _, f in held:
    for _ in range(10):
        f()
for _label, f in held:
    os.getppid()
    for _ in range(N):
        f()
    os.getppid()
release_connections()
print(json.dumps([label for label, _ in pieces + held]))

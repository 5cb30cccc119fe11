# ruff: noqa: E402, B018 (a measuring script: Django is set up from the state before its imports)
import json
import os
import sys
import time

sys.path.insert(0, os.getcwd())
state = json.load(open(os.environ.get("SD_STATE", "/tmp/sd-fc.json")))
os.environ.update(state["env"])
import django

django.setup()
from django.db import connection
from django.db.backends.signals import connection_created

from huntzen.middleware import release_connections

connection.ensure_connection()
release_connections()
pool = connection.pool
params = connection.get_connection_params()


def t(label, f, n=20000):
    for _ in range(500):
        f()
    t0 = time.perf_counter()
    for _ in range(n):
        f()
    print(f"{label}: {(time.perf_counter() - t0) / n * 1e6:.2f} us")


def a():
    connection.ensure_connection()
    release_connections()


def b():
    pool.putconn(pool.getconn())


def c():
    connection.connect()
    connection.close()


def d():
    connection.connection = connection.get_new_connection(params)
    connection._close()


def e():
    connection.connect()
    connection.close_if_unusable_or_obsolete()


def f():
    connection_created.send(sender=connection.__class__, connection=connection)


def g():
    connection.get_connection_params()


def h():
    connection.init_connection_state()


def i():
    pool.open()


def j():
    release_connections()


def k():
    connection.connection = None
    connection.in_atomic_block


t("ensure+release", a)
t("getconn+putconn", b)
t("connect+close", c)
t("get_new_connection+_close", d)
t("connect+close_if_unusable", e)
t("connection_created.send", f)
t("get_connection_params", g)
connection.connect()
t("init_connection_state", h)
t("set_autocommit(True)", lambda: connection.set_autocommit(True))
t("get_autocommit", connection.get_autocommit)
connection.close()
t("pool.open()", i)
t("release_connections (none)", j)
t("noop", lambda: None)
print(connection_created.receivers)

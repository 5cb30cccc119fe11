# ruff: noqa: E402, B018 (a measuring script: Django is set up from the state before its imports)
import json
import os
import sys

sys.path.insert(0, os.getcwd())
state = json.load(open(os.environ.get("SD_STATE", "/tmp/sd-fc.json")))
os.environ.update(state["env"])
import django

django.setup()
from django.db import connection

from huntzen.middleware import release_connections

for _ in range(5):
    connection.ensure_connection()
    release_connections()
os.getppid()  # marker
for _ in range(100):
    connection.ensure_connection()
    release_connections()
os.getppid()  # marker

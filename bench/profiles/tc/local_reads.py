"""Who reads asgiref's Local (Django's active language, time zone, URL prefix...) on
one warm request of each page, by the two frames above the read:
    STATE=/tmp/tc-fc.json python bench/profiles/tc/local_reads.py [PATH...]"""
# ruff: noqa: E402

import collections
import json
import os
import sys

sys.path.insert(0, os.getcwd())
state = json.load(open(os.environ["STATE"]))
os.environ.update(state["env"])
import django

django.setup()
from asgiref import local
from django.test import Client

from accounts.models import User

users = {
    "/metrics/company/": state["requests"]["hr_dashboard_page"][3][1]["id"],
    "/journal/": state["requests"]["journal_page"][3][1]["id"],
}
counts = collections.Counter()
original = local._DefaultLocal.__getattr__


def counted(self, key):
    frame = sys._getframe(1)
    where = []
    for _ in range(int(os.environ.get("DEPTH", "3"))):
        if frame is None:
            break
        where.append(f"{frame.f_code.co_filename.split('site-packages/')[-1]}:{frame.f_lineno}")
        frame = frame.f_back
    counts[(key, *where)] += 1
    return original(self, key)


for path in sys.argv[1:] or list(users):
    client = Client()
    client.force_login(User.objects.get(pk=users[path]))
    for _ in range(3):
        client.get(path)
    counts.clear()
    local._DefaultLocal.__getattr__ = counted
    client.get(path)
    local._DefaultLocal.__getattr__ = original
    print(f"{path}: {sum(counts.values())} reads")
    for where, n in counts.most_common():
        print(f"  {n:3} {' < '.join(where)}")

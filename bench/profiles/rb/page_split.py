"""Instructions of the journal page's parts, per request: each part is wrapped so that
callgrind dumps its counters (os.getppid) when the part starts and ends
(page_split.sh sums the dumps by part). State: $STATE (framework_cost.py setup)."""
# ruff: noqa: E402 (Django is set up from the state before its imports)

import functools
import gc
import json
import os
import sys

sys.path.insert(0, os.getcwd())  # run from the tree measured
state = json.load(open(os.environ["STATE"]))
os.environ.update(state["env"])
import django

django.setup()
from django.test import Client

from accounts.models import User
from medical import access, charts, selectors, views

N = int(os.environ.get("N", "30"))
labels = []  # the part each segment after an os.getppid() belongs to
stack = ["frame"]
measuring = False


def mark(label):
    if measuring:
        os.getppid()
        labels.append(label)


def wrapped(label, function):
    @functools.wraps(function)
    def part(*args, **kwargs):
        stack.append(label)
        mark(label)
        try:
            return function(*args, **kwargs)
        finally:
            stack.pop()
            mark(stack[-1])

    return part


def node_wrapped(render):
    def part(node, context):
        token = getattr(node, "token", None)
        label = f"{type(node).__name__} {token.contents[:50] if token else ''}"
        return wrapped(label, render)(node, context)

    return part


views.render = wrapped("render", views.render)
views._entry_items = wrapped("_entry_items", views._entry_items)
views.mood_chart = wrapped("mood_chart", charts.mood_chart)
access.require_journal = wrapped("require_journal", access.require_journal)
selectors.journal_page = wrapped("journal_page", selectors.journal_page)
if os.environ.get("NODES"):  # each template node kind's own share of the render
    from django.template import defaulttags, loader_tags
    from django.template.base import VariableNode
    from django.template.library import SimpleNode
    from django.templatetags import i18n

    from huntzen import nav

    for cls in (
        loader_tags.IncludeNode,
        loader_tags.BlockNode,
        nav.PerLanguageNode,
        VariableNode,
        i18n.TranslateNode,
        i18n.BlockTranslateNode,
        i18n.GetCurrentLanguageNode,
        defaulttags.CsrfTokenNode,
        defaulttags.IfNode,
        defaulttags.ForNode,
        SimpleNode,
    ):
        cls.render = node_wrapped(cls.render)
request = state["requests"]["journal_page"][3]
jr = User.objects.get(pk=request[1]["id"])
client = Client()
client.force_login(jr)
for _ in range(10):
    assert client.get("/journal/").status_code == 200
gc.collect()
gc.freeze()
measuring = True
mark("frame")
for _ in range(N):
    client.get("/journal/")
mark("after")
print(json.dumps(labels))

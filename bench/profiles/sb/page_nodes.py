"""Instructions of a portal page's template nodes, per request (rb's page_split.py for
any page): each node kind's render is wrapped so that callgrind dumps its counters
(os.getppid) where it starts and ends; page_nodes.sh sums the dumps by node.
    STATE=/tmp/sb-fc.json ENDPOINT=hr_dashboard_page N=10 sh bench/profiles/sb/page_nodes.sh OUT
The wrappers add their own cost, spread over the parents: read sizes against each other."""
# ruff: noqa: E402

import functools
import gc
import json
import os
import sys

sys.path.insert(0, os.getcwd())
state = json.load(open(os.environ["STATE"]))
os.environ.update(state["env"])
import django

django.setup()
from django.template import defaulttags, loader_tags
from django.template.base import VariableNode
from django.template.library import SimpleNode
from django.templatetags import i18n
from django.test import Client

from accounts.models import User
from huntzen import csrf, nav

N = int(os.environ.get("N", "10"))
labels = []
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


for cls in (
    loader_tags.IncludeNode,
    loader_tags.BlockNode,
    nav.PerLanguageNode,
    nav.ExtendsOnceNode,
    VariableNode,
    i18n.TranslateNode,
    i18n.BlockTranslateNode,
    i18n.GetCurrentLanguageNode,
    csrf.CsrfTokenOnceNode,
    defaulttags.IfNode,
    defaulttags.ForNode,
    SimpleNode,
):
    cls.render = node_wrapped(cls.render)
method, path, _body, auth = state["requests"][os.environ["ENDPOINT"]]
user = User.objects.get(pk=auth[1]["id"])
client = Client()
client.force_login(user)
for _ in range(10):
    assert client.get(path).status_code == 200
gc.collect()
gc.freeze()
measuring = True
mark("frame")
for _ in range(N):
    client.get(path)
mark("after")
print(json.dumps(labels))

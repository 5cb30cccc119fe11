"""A Celery task message pushed onto the Redis broker's queue in one LPUSH.

`task.delay(...)` from a request went through Celery's router, kombu's producer pool,
its exchange lookup and its encoders: about a tenth of a booking's CPU, for one list
push. On a Redis broker (and a task routed to the default queue) `send` builds the same
message (Celery's task protocol 2, as kombu's Redis transport stores it) and pushes it
onto the queue's list with one command, which wakes a worker waiting on it as kombu's
push does. tests/outbox/test_publish.py holds it equal, field by field, to what
`delay` pushes, and a real worker runs it (tests/outbox/test_broker.py). Elsewhere
(eager tasks, another broker, routes) `send` is `task.delay`.

The Redis client is one per broker URL and key prefix (a test may switch the Celery
app to another broker); it gives up as kombu's publish does under
CELERY_TASK_PUBLISH_RETRY_POLICY (one retry, no wait), so a request never waits on a
broker that is down: its outbox rows are committed, the sweep hands them over later.

What `send` reads of Celery's configuration (`_route`) is read once: each setting's
lookup walks Celery's chain of mappings and Django's settings (six of them were about
0.3 ms a booking). It is read again after a Django settings change and whenever the
Celery app's own changes (`app.conf.x = ...`, as a test switching brokers does) differ
from those it was read under.
"""

import base64
import functools
import json
import threading
import uuid
from dataclasses import dataclass

import redis
from celery.utils.nodenames import anon_nodename
from django.core.signals import setting_changed
from redis.backoff import NoBackoff
from redis.retry import Retry

from huntzen import after_commit
from huntzen.celery import app

_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}
_REDIS_SCHEMES = ("redis://", "rediss://")
_clients: dict[tuple, redis.Redis] = {}
_clients_lock = threading.Lock()


def _client(url: str, options: dict) -> redis.Redis:
    key = (url, options.get("socket_connect_timeout"), options.get("socket_timeout"))
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                retries = (app.conf.task_publish_retry_policy or {}).get("max_retries", 0)
                client = redis.Redis.from_url(
                    url,
                    socket_connect_timeout=key[1],
                    socket_timeout=key[2],
                    retry=Retry(NoBackoff(), retries or 0),
                )
                _clients[key] = client
    return client


@functools.cache
def _origin() -> str:
    return anon_nodename()


def message(task_name: str, args: tuple, *, queue: str, ignore_result: bool) -> dict:
    """The message `apply_async(args)` of the task named `task_name` makes, routed to
    `queue`, as kombu's Redis transport stores it (task protocol 2, JSON, body in
    base64)."""
    task_id = str(uuid.uuid4())
    body = json.dumps([list(args), {}, _EMBED]).encode()
    return {
        "body": base64.b64encode(body).decode("ascii"),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {
            "lang": "py",
            "task": task_name,
            "id": task_id,
            "shadow": None,
            "eta": None,
            "expires": None,
            "group": None,
            "group_index": None,
            "retries": 0,
            "timelimit": [None, None],
            "root_id": task_id,
            "parent_id": None,
            "argsrepr": repr(tuple(args)),
            "kwargsrepr": "{}",
            "origin": _origin(),
            "ignore_result": ignore_result,
            "replaced_task_nesting": 0,
            "stamped_headers": None,
            "stamps": {},
        },
        "properties": {
            "correlation_id": task_id,
            "reply_to": app.thread_oid,
            "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": queue},
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": str(uuid.uuid4()),
        },
    }


@dataclass(frozen=True)
class _Route:
    """Where `send` pushes by hand: the broker's client, the queue's list, the queue's
    name and whether results are ignored."""

    client: redis.Redis
    url: str
    list_key: str
    queue: str
    ignore_result: bool


# (the Celery app's own changes it was read under, the route or None for `delay`)
_read: tuple[dict, _Route | None] | None = None


def _route() -> _Route | None:
    """The hand push's route, or None where `delay` is used (eager tasks, another
    broker, task routes): read once, again after a change (module docstring)."""
    global _read
    conf = app.conf
    read = _read
    if read is not None and read[0] == conf.changes:
        return read[1]
    url = conf.broker_url or ""  # first: a first read loads Celery's configuration
    snapshot = dict(conf.changes)  # (before it loads, `changes` is not yet a dict)
    if conf.task_always_eager or not url.startswith(_REDIS_SCHEMES) or conf.task_routes:
        route = None
    else:
        options = conf.broker_transport_options
        queue = conf.task_default_queue
        route = _Route(
            client=_client(url, options),
            url=url,
            list_key=f"{options.get('global_keyprefix', '')}{queue}",
            queue=queue,
            ignore_result=conf.task_ignore_result,
        )
    _read = (snapshot, route)
    return route


def _forget_route(**kwargs) -> None:
    global _read
    _read = None


setting_changed.connect(_forget_route, weak=False, dispatch_uid="huntzen.outbox.publish")


def send(task, *args, failed=None) -> None:
    """`task.delay(*args)` (positional arguments of JSON values), pushed by hand on a
    Redis broker, to the default queue. Raises what the push raises (the broker down).
    Given `failed`, from an on-commit hook, the push joins the COMMIT's other Redis
    commands when the broker is the cache's Redis (huntzen/after_commit.py), and what
    it raises then goes to `failed`."""
    route = _route()
    if route is None:
        task.delay(*args)
        return
    pushed = message(task.name, args, queue=route.queue, ignore_result=route.ignore_result)
    batch = failed is not None and after_commit.pending(route.url)
    if batch:
        batch.add("LPUSH", route.list_key, json.dumps(pushed), failed=failed)
        return
    route.client.lpush(route.list_key, json.dumps(pushed))

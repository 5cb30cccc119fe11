"""The hand-pushed task message (huntzen/outbox/publish.py) is the one `delay` pushes:
the same fields and values, but for the ids each message draws anew."""

import base64
import json
import time

import pytest
import redis
from django.conf import settings

from huntzen.celery import app as celery_app
from huntzen.outbox import publish
from huntzen.outbox.tasks import deliver_message, deliver_messages
from tests.outbox.broker import PREFIX, broker, clear_queue

pytestmark = [pytest.mark.redis]

# Drawn anew for each message (task id, delivery tag): compared by shape only.
_PER_MESSAGE = {("headers", "id"), ("headers", "root_id"), ("properties", "correlation_id")}
_PER_MESSAGE |= {("properties", "delivery_tag")}


def _pushed(client) -> list[dict]:
    """The queue's messages, oldest first, taken off it."""
    key = f"{PREFIX}:celery"
    messages = [json.loads(m) for m in reversed(client.lrange(key, 0, -1))]
    client.delete(key)
    return messages


def _without_ids(message: dict) -> dict:
    flat = {}
    for part, value in message.items():
        if isinstance(value, dict):
            for name, item in value.items():
                if (part, name) not in _PER_MESSAGE:
                    flat[(part, name)] = item
        else:
            flat[(part,)] = value
    return flat


@pytest.mark.parametrize(
    ("task", "args"),
    [
        (deliver_message, ("5b0e64c1-50a2-4c8f-9f2d-0d5c3c2d1c11",)),
        (deliver_messages, (["a", "b"],)),
    ],
)
def test_the_pushed_message_is_the_one_delay_pushes(task, args):
    client = redis.Redis.from_url(settings.REDIS_URL)
    clear_queue()
    with broker(settings.REDIS_URL):
        task.delay(*args)
        publish.send(task, *args)
        by_celery, by_hand = _pushed(client)
    clear_queue()
    assert _without_ids(by_hand) == _without_ids(by_celery)
    body = json.loads(base64.b64decode(by_hand["body"]))
    assert body[0] == list(args)
    headers, properties = by_hand["headers"], by_hand["properties"]
    assert headers["id"] == headers["root_id"] == properties["correlation_id"]
    assert headers["id"] != by_celery["headers"]["id"]
    assert properties["delivery_tag"] != by_celery["properties"]["delivery_tag"]


def test_eager_tasks_are_run_not_pushed(monkeypatch):
    ran = []
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(deliver_message, "delay", lambda *args: ran.append(args))
    publish.send(deliver_message, "x")
    assert ran == [("x",)]


def test_a_broker_that_is_down_raises_at_once():
    with broker("redis://127.0.0.1:1/0"):
        started = time.monotonic()
        with pytest.raises(redis.ConnectionError):
            publish.send(deliver_message, "x")
    assert time.monotonic() - started < 2

"""The hand-pushed task message (huntzen/outbox/publish.py) is the one `delay` pushes:
the same fields and values, but for the ids each message draws anew."""

import base64
import json
import time

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.test import override_settings

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


def test_the_route_is_read_once_and_again_after_a_change(monkeypatch):
    """Celery's settings are read once; a change of the app's own (`conf.x = ...`) or of
    Django's settings is seen by the next push."""
    with broker(settings.REDIS_URL):
        first = publish._route()
        assert first is not None and first.list_key == f"{PREFIX}:celery"
        assert publish._route() is first
        monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
        assert publish._route() is None
        monkeypatch.undo()
        again = publish._route()
        assert again == first and again is not first
        with override_settings(CELERY_TASK_DEFAULT_QUEUE="elsewhere"):
            moved = publish._route()
            assert (moved.queue, moved.list_key) == ("elsewhere", f"{PREFIX}:elsewhere")
        assert publish._route().queue == "celery"
    assert publish._route() is not first  # the broker's URL and prefix restored


def test_a_first_read_before_celery_loads_its_configuration(monkeypatch):
    """The process's first push may come before anything loaded Celery's configuration,
    inside overridden settings (a request under `override_settings`): the route is read
    all the same (Celery's `changes` is not a dict until the configuration loads)."""
    fresh = Celery("huntzen")
    fresh.config_from_object("django.conf:settings", namespace="CELERY")
    monkeypatch.setattr(publish, "app", fresh)
    monkeypatch.setattr(publish, "_read", None)
    with override_settings(ALLOWED_HOSTS=["*"], CELERY_TASK_ALWAYS_EAGER=True):
        assert publish._route() is None  # eager: `delay`, not a hand push
        assert publish._route() is None


def test_a_push_after_switching_brokers_goes_to_the_new_one():
    client = redis.Redis.from_url(settings.REDIS_URL)
    clear_queue()
    publish._route()  # read under the test settings' broker (eager or not)
    with broker(settings.REDIS_URL):
        publish.send(deliver_message, "x")
        (pushed,) = _pushed(client)
    clear_queue()
    assert json.loads(base64.b64decode(pushed["body"]))[0] == ["x"]

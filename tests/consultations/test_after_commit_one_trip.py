"""A write's Redis work after its COMMIT goes in one round trip (huntzen/after_commit.py):
a booking's new slots generation and outbox push, a cancellation's live status publish
with them, a start's and an end's publish; each command exactly what it was when sent
alone (the keys readers read, the queue's list, the group's channel and its sealed
message); nothing for a rolled-back write; Redis failing during that round trip leaves
the write answered, its emails pending for the sweep."""

import logging
import threading
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
import redis
import redis.asyncio.connection
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from redis.connection import AbstractConnection

from consultations import live, services
from consultations.models import Consultation
from huntzen.channel_layer import ORIGIN_KEY
from huntzen.outbox.models import OutboxMessage
from tests.consultations.conftest import open_weekdays
from tests.outbox.broker import PREFIX, broker, clear_queue

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _commands(data: bytes) -> list[list[bytes]]:
    """The commands packed in `data` (RESP arrays of bulk strings), in order."""
    commands, i = [], 0
    while i < len(data):
        end = data.index(b"\r\n", i)
        count, i = int(data[i + 1 : end]), end + 2
        parts = []
        for _ in range(count):
            end = data.index(b"\r\n", i)
            length, i = int(data[i + 1 : end]), end + 2
            parts.append(data[i : i + length])
            i += length + 2
        commands.append(parts)
    return commands


@pytest.fixture
def after_commit_trips(monkeypatch):
    """Each round trip this process sends to Redis (sync or asyncio clients, any thread)
    while the connection runs its commit hooks: the list of its commands."""
    trips, hooks = [], threading.Event()
    sync_send = AbstractConnection.send_packed_command
    async_send = redis.asyncio.connection.AbstractConnection.send_packed_command

    def record(command):
        if hooks.is_set():
            data = command if isinstance(command, bytes) else b"".join(command)
            trips.append(_commands(data))

    def counting(self, command, check_health=True):
        record(command)
        return sync_send(self, command, check_health)

    async def counting_async(self, command, check_health=True):
        record(command)
        return await async_send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    monkeypatch.setattr(
        redis.asyncio.connection.AbstractConnection, "send_packed_command", counting_async
    )
    run_hooks = connection.run_and_clear_commit_hooks

    def marked():
        hooks.set()
        try:
            run_hooks()
        finally:
            hooks.clear()

    monkeypatch.setattr(connection, "run_and_clear_commit_hooks", marked)
    return trips


@pytest.fixture(autouse=True)
def _own_queue():
    clear_queue()
    with broker(settings.REDIS_URL):
        yield
    clear_queue()


def _in_two_days_9am() -> datetime:
    day = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, clock(9), tzinfo=ZoneInfo("Europe/Paris"))


def _book(api_client, employee, practitioner):
    api_client.force_authenticate(employee)
    response = api_client.post(
        "/api/v1/consultations",
        {
            "practitionerId": str(practitioner.pk),
            "scheduledAt": _in_two_days_9am().isoformat(),
            "kind": "video",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _generation_key(practitioner) -> bytes:
    return cache.make_and_validate_key(f"slots:generation:{practitioner.pk.hex}").encode()


def _queue() -> bytes:
    return f"{PREFIX}:celery".encode()


def _names(trip) -> list[bytes]:
    return [command[0].upper() for command in trip]


def test_a_booking_sends_its_generation_and_its_push_in_one_round_trip(
    api_client, employee_a, practitioner_p, after_commit_trips
):
    open_weekdays(practitioner_p)
    before = cache.get(f"slots:generation:{practitioner_p.pk.hex}")
    after_commit_trips.clear()
    _book(api_client, employee_a, practitioner_p)
    assert len(after_commit_trips) == 1, after_commit_trips
    (trip,) = after_commit_trips
    assert sorted(_names(trip)) == [b"LPUSH", b"SET"]
    by_name = {command[0].upper(): command for command in trip}
    assert by_name[b"SET"][1] == _generation_key(practitioner_p)
    assert by_name[b"LPUSH"][1] == _queue()
    # What the readers read: a new token under the cache's key, one message queued.
    after = cache.get(f"slots:generation:{practitioner_p.pk.hex}")
    assert after is not None and after != before
    assert redis.Redis.from_url(settings.REDIS_URL).llen(_queue()) == 1


def test_a_cancellation_sends_its_publish_with_them(
    api_client, employee_a, practitioner_p, after_commit_trips
):
    open_weekdays(practitioner_p)
    pk = _book(api_client, employee_a, practitioner_p)
    redis.Redis.from_url(settings.REDIS_URL).delete(_queue())
    layer = live.get_channel_layer()
    channel = f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}__group__"
    channel += live.group_name(pk)
    listener = redis.Redis.from_url(settings.REDIS_URL).pubsub()
    listener.subscribe(channel)
    assert listener.get_message(timeout=2)["type"] == "subscribe"
    after_commit_trips.clear()

    response = api_client.post(f"/api/v1/consultations/{pk}/cancel", {}, format="json")

    assert response.status_code == 200, response.content
    assert len(after_commit_trips) == 1, after_commit_trips
    (trip,) = after_commit_trips
    assert sorted(_names(trip)) == [b"LPUSH", b"PUBLISH", b"SET"]
    published = listener.get_message(timeout=2)
    listener.close()
    assert published["channel"] == channel.encode()
    message = layer.deserialize(published["data"])
    assert message.pop(ORIGIN_KEY)
    assert message == {"type": live.STATUS_MESSAGE, "frame": message["frame"]}
    assert message["frame"]["event"] == "cancelled" and message["frame"]["consultation"] == pk


def test_a_start_and_an_end_publish_in_one_round_trip_each(
    employee_a, practitioner_p, after_commit_trips
):
    from tests.chat.conftest import open_consultation

    consultation = open_consultation(employee_a, practitioner_p, minutes_ago=5)
    after_commit_trips.clear()
    started = services.consultation_start(actor=practitioner_p, consultation=consultation)
    services.consultation_end(
        actor=practitioner_p, consultation=started, now=started.started_at + timedelta(minutes=5)
    )
    assert [sorted(_names(trip)) for trip in after_commit_trips] == [[b"PUBLISH"], [b"PUBLISH"]]


def test_a_rolled_back_booking_sends_nothing(employee_a, practitioner_p, monkeypatch):
    from tests.redis_commands import redis_commands

    open_weekdays(practitioner_p)
    sent = redis_commands(monkeypatch)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.consultation_book(
            employee=employee_a,
            practitioner=practitioner_p,
            scheduled_at=_in_two_days_9am(),
            kind="video",
        )
        sent.clear()  # what the booking read of the cache itself
        raise RuntimeError("rolled back")
    assert sent == []
    assert not Consultation.objects.exists()
    assert redis.Redis.from_url(settings.REDIS_URL).llen(_queue()) == 0


def test_redis_failing_in_that_round_trip_leaves_the_booking_and_its_emails(
    api_client, employee_a, practitioner_p, monkeypatch, caplog
):
    open_weekdays(practitioner_p)

    send = AbstractConnection.send_packed_command

    def down_for_the_batch(self, command, check_health=True):
        data = command if isinstance(command, bytes) else b"".join(command)
        if b"LPUSH" in data:  # the round trip after the COMMIT
            raise redis.ConnectionError("Redis went away")
        return send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", down_for_the_batch)
    try:
        with caplog.at_level(logging.WARNING):
            _book(api_client, employee_a, practitioner_p)
    finally:
        cache._came_back()  # the cache's outage ends with this test
    assert "broker unavailable, 2 email(s) stay pending" in caplog.text
    rows = OutboxMessage.objects.filter(kind__startswith="consultations/email/booked_")
    assert {row.state for row in rows} == {OutboxMessage.State.PENDING}
    assert rows.count() == 2

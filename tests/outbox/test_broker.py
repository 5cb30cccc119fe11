"""Redis as the broker, for real: a booking made while the broker is down answers 201
and its emails arrive, once, when it is back (a Celery worker started by the test, on
the test's own Redis database and key prefix)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from huntzen.celery import app as celery_app
from huntzen.outbox.models import OutboxMessage
from huntzen.outbox.tasks import outbox_sweep
from tests.consultations.conftest import open_weekdays
from tests.outbox.broker import broker, clear_queue
from tests.outbox.broker import wait_until as _wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _own_queue():
    clear_queue()
    yield
    clear_queue()


def _next_weekday_9am():
    from datetime import datetime, timedelta
    from datetime import time as clock
    from zoneinfo import ZoneInfo

    day = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, clock(9), tzinfo=ZoneInfo("Europe/Paris"))


def test_a_booking_while_the_broker_is_down_answers_201_and_mails_after_recovery(
    api_client, employee_a, practitioner_p
):
    open_weekdays(practitioner_p)
    api_client.force_authenticate(employee_a)
    with broker(DOWN):
        started = time.monotonic()
        response = api_client.post(
            "/api/v1/consultations",
            {
                "practitionerId": str(practitioner_p.pk),
                "scheduledAt": _next_weekday_9am().isoformat(),
                "kind": "video",
            },
            format="json",
        )
        took = time.monotonic() - started
    assert response.status_code == 201, response.content
    assert took < 5, f"the booking waited {took:.1f} s for the broker"
    rows = OutboxMessage.objects.filter(kind__startswith="consultations/email/booked_")
    assert rows.count() == 2
    assert {(r.state, r.attempts) for r in rows} == {(OutboxMessage.State.PENDING, 0)}
    assert mail.outbox == []

    with broker(settings.REDIS_URL), start_worker(celery_app, perform_ping_check=False):
        # What beat runs every minute: hands the pending rows to the worker.
        assert outbox_sweep.delay() is not None
        assert _wait_until(
            lambda: not OutboxMessage.objects.exclude(state=OutboxMessage.State.SENT).exists()
        ), list(OutboxMessage.objects.values_list("state", "attempts", "last_error"))
        outbox_sweep.delay()  # a second sweep finds nothing to send
        time.sleep(1)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee_a.email, practitioner_p.email])
    assert {(r.state, r.attempts) for r in rows.all()} == {(OutboxMessage.State.SENT, 1)}


def test_a_booking_publishes_one_broker_message_for_both_emails_each_delivered_once(
    api_client, employee_a, practitioner_p
):
    import redis

    open_weekdays(practitioner_p)
    api_client.force_authenticate(employee_a)
    client = redis.Redis.from_url(settings.REDIS_URL)
    with broker(settings.REDIS_URL):
        response = api_client.post(
            "/api/v1/consultations",
            {
                "practitionerId": str(practitioner_p.pk),
                "scheduledAt": _next_weekday_9am().isoformat(),
                "kind": "video",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        queued = sum(client.llen(key) for key in client.scan_iter("test-outbox:celery*"))
        assert queued == 1  # one publish for the two participants' rows
        rows = OutboxMessage.objects.filter(kind__startswith="consultations/email/booked_")
        assert rows.count() == 2
        with start_worker(celery_app, perform_ping_check=False):
            assert _wait_until(
                lambda: not OutboxMessage.objects.exclude(state=OutboxMessage.State.SENT).exists()
            ), list(OutboxMessage.objects.values_list("state", "attempts", "last_error"))
            time.sleep(1)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee_a.email, practitioner_p.email])
    assert {(r.state, r.attempts) for r in rows.all()} == {(OutboxMessage.State.SENT, 1)}

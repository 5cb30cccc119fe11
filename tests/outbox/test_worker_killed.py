"""A Celery worker killed (SIGKILL) in the middle of a delivery: nobody sends that email
while its claim's lease runs, then another worker sends it once, and only once. Real
worker processes on Redis, a real SMTP server that first never answers."""

import os
import signal
import time

import pytest
from django.conf import settings
from django.core.mail import EmailMessage

from huntzen.outbox.models import OutboxMessage
from huntzen.outbox.services import message_queue
from huntzen.outbox.tasks import deliver_message, outbox_sweep
from tests.outbox.broker import broker, clear_queue, start_worker_process, wait_until
from tests.outbox.smtp_sink import SmtpSink

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
LEASE = 15
DOWN = "redis://127.0.0.1:1/0"


@pytest.fixture
def sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def workers():
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except Exception:
                process.kill()
                process.wait(5)


def test_a_killed_worker_s_email_is_sent_once_after_its_lease(sink, workers):
    clear_queue()
    environment = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "HUNTZEN_OUTBOX_LEASE_SECONDS": str(LEASE),
    }
    with broker(DOWN):  # queued and committed; the broker is not there yet
        [row] = message_queue(
            message=EmailMessage("Rendez-vous", "Bonjour", to=["alice@acme.test"]), kind="test"
        )
        [other] = message_queue(
            message=EmailMessage("Rendez-vous", "Bonjour", to=["bob@acme.test"]), kind="test"
        )
    state = lambda: OutboxMessage.objects.get(pk=row.pk)  # noqa: E731

    sink.silent = True  # the SMTP server takes the connection and never answers
    first = start_worker_process(**environment)
    workers.append(first)
    with broker(settings.REDIS_URL):
        deliver_message.delay(str(row.pk))
        assert wait_until(lambda: sink.connections >= 1), first.stderr
        assert state().state == OutboxMessage.State.SENDING
        os.kill(first.pid, signal.SIGKILL)  # mid-delivery
        first.wait(10)
        claimed_at = time.monotonic()

        sink.silent = False
        sink.released.set()
        second = start_worker_process(**environment)
        workers.append(second)
        # The new worker is up once it has delivered another email.
        deliver_message.delay(str(other.pk))
        assert wait_until(lambda: len(sink.messages) == 1), second.stderr
        # While the dead worker's lease runs, the sweep finds nothing to hand over.
        outbox_sweep.delay()
        time.sleep(2)
        assert time.monotonic() - claimed_at < LEASE, "the machine was too slow to tell"
        assert len(sink.to("alice@acme.test")) == 0
        assert state().state == OutboxMessage.State.SENDING

        assert wait_until(lambda: time.monotonic() - claimed_at > LEASE + 1, LEASE + 5)
        outbox_sweep.delay()
        assert wait_until(lambda: state().state == OutboxMessage.State.SENT)
        outbox_sweep.delay()
        deliver_message.delay(str(row.pk))  # a stray duplicate task changes nothing
        time.sleep(2)
    assert len(sink.to("alice@acme.test")) == 1 and len(sink.messages) == 2
    assert state().attempts == 2
    clear_queue()

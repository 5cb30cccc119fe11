"""Celery tasks of the outbox: deliver one email (or hand several to their own tasks),
and the periodic sweep."""

from celery import shared_task
from django.utils import timezone

from huntzen.outbox import services
from huntzen.outbox.models import OutboxMessage


@shared_task(bind=True, acks_late=True)
def deliver_message(self, message_id: str) -> str | None:
    """One attempt; a failure is tried again after the row's backoff (the sweep would
    find it too, so a lost retry loses nothing)."""
    state = services.message_deliver(message_id)
    if state == OutboxMessage.State.PENDING and not self.request.is_eager:
        row = OutboxMessage.objects.only("next_attempt_at").get(pk=message_id)
        countdown = max((row.next_attempt_at - timezone.now()).total_seconds(), 1)
        raise self.retry(countdown=countdown, max_retries=None)
    return state


@shared_task(acks_late=True)
def deliver_messages(message_ids: list[str]) -> int:
    """Several rows queued together (one broker message from the request): each gets
    its own delivery task. Run twice (a worker killed midway), it queues some twice,
    which changes nothing (a row is claimed before it is sent)."""
    for message_id in message_ids:
        deliver_message.delay(message_id)
    return len(message_ids)


@shared_task
def outbox_sweep() -> int:
    """Every minute (beat): hand every due row to the workers again."""
    ids = services.due_message_ids()
    services.dispatch(ids)
    return len(ids)


@shared_task
def outbox_purge_sent() -> int:
    """Every hour (beat): forget sent rows past HUNTZEN_OUTBOX_KEEP_SENT_DAYS."""
    return services.purge_sent()

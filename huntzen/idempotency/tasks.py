from celery import shared_task

from huntzen.idempotency.keys import purge_expired as _purge_expired


@shared_task
def purge_expired() -> int:
    """Every hour (beat): forget the answers older than HUNTZEN_IDEMPOTENCY_TTL."""
    return _purge_expired()

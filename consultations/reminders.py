"""Reminders 24 h and 1 h before a consultation, each queued exactly once per recipient.

A reminder is claimed by a conditional UPDATE (`... WHERE reminder_x_sent_at IS NULL`)
in the same transaction that queues its emails in the outbox, one row per participant:
of two runs racing on one consultation, the database lets one update it and the other
sees zero rows, and a claim is never given back. Delivery, retries and their failures are
the outbox's, per recipient: one address refusing never sends the reminder again to the
other. Run every minute by Celery beat (`consultations.tasks.queue_due_reminders`) or by
`manage.py send_reminders`.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from consultations import notifications
from consultations.models import Consultation
from huntzen.outbox.models import OutboxMessage
from huntzen.outbox.services import message_deliver

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    hours: int
    field: str
    # Not sent when less than this is left (the next reminder takes over).
    not_under: timedelta


REMINDERS = (
    Reminder(24, "reminder_24h_sent_at", timedelta(hours=2)),
    Reminder(1, "reminder_1h_sent_at", timedelta(0)),
)


def due(reminder: Reminder, *, now: datetime):
    """Scheduled consultations inside the reminder's window, not reminded yet, and
    booked before the window opened (a fresh booking just got its confirmation)."""
    lead = timedelta(hours=reminder.hours)
    return Consultation.objects.filter(
        status=Consultation.Status.SCHEDULED,
        scheduled_at__gt=now + reminder.not_under,
        scheduled_at__lte=now + lead,
        created_at__lte=F("scheduled_at") - lead,
        **{f"{reminder.field}__isnull": True},
    ).select_related("employee", "practitioner")


@transaction.atomic
def _claim_and_queue(reminder: Reminder, consultation: Consultation, *, now: datetime) -> bool:
    claimed = Consultation.objects.filter(
        pk=consultation.pk, **{f"{reminder.field}__isnull": True}
    ).update(**{reminder.field: now})
    if claimed:
        notifications.send_reminder(consultation, hours=reminder.hours)
    return bool(claimed)


def queue_due_reminders(*, now: datetime | None = None) -> dict[int, list]:
    """Queue every due reminder once; returns {hours: ids of the consultations queued}."""
    now = now or timezone.now()
    queued = {}
    for reminder in REMINDERS:
        queued[reminder.hours] = []
        for consultation in due(reminder, now=now):
            try:
                if _claim_and_queue(reminder, consultation, now=now):
                    queued[reminder.hours].append(consultation.pk)
            except Exception:
                # Rolled back with its claim: the next run queues it again.
                logger.exception(
                    "reminder %sh for consultation %s could not be queued",
                    reminder.hours,
                    consultation.pk,
                )
    return queued


def deliver_reminders(queued: dict[int, list]) -> list[OutboxMessage]:
    """Try now, in this process, the reminder emails of `queued` that no worker took
    yet (the claim keeps a worker and this process from both sending one); returns
    their rows as they stand after."""
    for row in reminder_messages(queued).filter(state=OutboxMessage.State.PENDING):
        message_deliver(row.pk)
    return list(reminder_messages(queued))


def send_due_reminders(*, now: datetime | None = None) -> dict[int, int]:
    """Queue the due reminders and deliver them here (`manage.py send_reminders`);
    returns {hours: number of consultations reminded}."""
    queued = queue_due_reminders(now=now)
    deliver_reminders(queued)
    return {hours: len(ids) for hours, ids in queued.items()}


def reminder_messages(queued: dict[int, list]):
    """The outbox rows of the reminders in `queued`, one per recipient."""
    keys = Q(pk__in=[])
    for hours, pks in queued.items():
        for pk in pks:
            keys |= Q(dedup_key__startswith=f"reminder_{hours}h:{pk}:")
    return OutboxMessage.objects.filter(keys).order_by("created_at")

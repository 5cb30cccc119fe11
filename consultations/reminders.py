"""Reminders 24 h and 1 h before a consultation, each sent exactly once.

A reminder is claimed by a conditional UPDATE (`... WHERE reminder_x_sent_at IS NULL`)
before it is sent: of two runs racing on one row, the database lets one update it and
the other sees zero rows. Safe to run every minute from cron, and concurrently.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from consultations import notifications
from consultations.models import Consultation

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


def send_due_reminders(*, now: datetime | None = None) -> dict[int, int]:
    """Send every due reminder once; returns {hours: number sent}."""
    now = now or timezone.now()
    sent = {}
    for reminder in REMINDERS:
        sent[reminder.hours] = 0
        for consultation in due(reminder, now=now):
            claimed = Consultation.objects.filter(
                pk=consultation.pk, **{f"{reminder.field}__isnull": True}
            ).update(**{reminder.field: now})
            if not claimed:
                continue  # another run took it
            try:
                notifications.send_reminder(consultation, hours=reminder.hours)
            except Exception:
                # Give it back so the next run retries; at worst it is sent late.
                Consultation.objects.filter(pk=consultation.pk).update(**{reminder.field: None})
                logger.exception(
                    "reminder %sh for consultation %s failed", reminder.hours, consultation.pk
                )
                continue
            sent[reminder.hours] += 1
    return sent

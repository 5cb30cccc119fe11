"""Consultations built through the real services, at chosen times (time-machine)."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from consultations import services
from consultations.models import Consultation


def book(employee, practitioner, *, at=None, kind=Consultation.Kind.VIDEO, minutes=50):
    at = at or (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    if at <= timezone.now():
        with time_machine.travel(at - timedelta(days=1)):
            return services.consultation_book(
                employee=employee, practitioner=practitioner, scheduled_at=at, kind=kind,
                length=timedelta(minutes=minutes),
            )
    return services.consultation_book(
        employee=employee, practitioner=practitioner, scheduled_at=at, kind=kind,
        length=timedelta(minutes=minutes),
    )


def completed(employee, practitioner, *, at, minutes=45):
    """A consultation held at `at` that lasted `minutes`."""
    consultation = book(employee, practitioner, at=at)
    with time_machine.travel(at):
        services.consultation_start(actor=practitioner, consultation=consultation)
    with time_machine.travel(at + timedelta(minutes=minutes)):
        services.consultation_end(actor=practitioner, consultation=consultation)
    consultation.refresh_from_db()
    return consultation

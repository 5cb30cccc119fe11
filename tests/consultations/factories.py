"""Consultations built through the real services, at chosen times.

`book` makes sure the practitioner offers a slot at `at` (their availability, plus an
extra opening when the weekly hours do not offer it), then books it through
`consultation_book`; a time in the past (or beyond the booking horizon) is booked the
day before, by passing `now`.
"""

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from consultations import selectors, services
from consultations.models import AvailabilityException, Consultation

# Time zones tried, in order, for the availability when a slot would cross local
# midnight (opening hours never do).
_ZONES = ("Europe/Paris", "UTC", "Pacific/Kiritimati", "America/Los_Angeles")


def _fits_one_day(at: datetime, minutes: int, zone: str) -> bool:
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    end = local + timedelta(minutes=minutes)
    return end.date() == local.date()


def offer_slot(practitioner, at: datetime, *, minutes: int = 50):
    """Make `practitioner` offer a slot starting at `at` lasting `minutes`."""
    availability = selectors.availability_for(practitioner)
    changes = {}
    if availability is None or availability.length_minutes != minutes:
        changes["length_minutes"] = minutes
    zone = availability.time_zone if availability else "Europe/Paris"
    if not _fits_one_day(at, minutes, zone):
        zone = next(z for z in _ZONES if _fits_one_day(at, minutes, z))
        changes["time_zone"] = zone
    if changes or availability is None:
        availability = services.availability_update(actor=practitioner, **changes)
    if not selectors.slot_is_offered(availability=availability, start=at):
        local = at.astimezone(availability.tz)
        services.availability_exception_add(
            actor=practitioner,
            kind=AvailabilityException.Kind.OPEN,
            day=local.date(),
            start_time=local.time(),
            end_time=(local + timedelta(minutes=minutes)).time(),
        )
    return availability


def default_at() -> datetime:
    return (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)


def book(employee, practitioner, *, at=None, kind=Consultation.Kind.VIDEO, minutes=50, now=None):
    at = at or default_at()
    offer_slot(practitioner, at, minutes=minutes)
    now = now or timezone.now()
    if not (now + selectors.booking_notice() <= at < now + selectors.booking_horizon()):
        now = at - timedelta(days=1)
    return services.consultation_book(
        employee=employee, practitioner=practitioner, scheduled_at=at, kind=kind, now=now
    )


def completed(employee, practitioner, *, at, minutes=45):
    """A consultation held at `at` that lasted `minutes`."""
    consultation = book(employee, practitioner, at=at)
    services.consultation_start(actor=practitioner, consultation=consultation, now=at)
    services.consultation_end(
        actor=practitioner, consultation=consultation, now=at + timedelta(minutes=minutes)
    )
    consultation.refresh_from_db()
    return consultation


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)

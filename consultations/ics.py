"""The calendar attachment of consultation emails (RFC 5545 / iTIP RFC 5546).

It may be read by an employer's mail and calendar systems: it says "HuntZen Care
appointment", when, and a link to the portal. Never the practitioner, a specialty or
anything medical.
"""

from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from consultations.models import Consultation

PRODID = "-//HuntZen Care//Consultations//FR"
REQUEST = "REQUEST"
CANCEL = "CANCEL"

# The whole title, fixed by the product (no translation catalog can change it into
# something more telling): all an employer's calendar server learns.
SUMMARY = {"fr": "Rendez-vous HuntZen Care", "en": "HuntZen Care appointment"}


def event_uid(consultation: Consultation) -> str:
    """Stable per consultation, so a cancellation replaces the booked event."""
    return f"consultation-{consultation.pk}@huntzen.care"


def event_sequence(consultation: Consultation, *, method: str) -> int:
    """The consultation's SEQUENCE (0 when booked, one more at each change: a new time,
    a cancellation); a missed one sends the next."""
    sequence = consultation.ics_sequence
    if method == CANCEL and consultation.status == Consultation.Status.NO_SHOW:
        sequence += 1  # a no-show leaves the row's sequence alone
    return sequence


def consultation_ics(
    consultation: Consultation,
    *,
    method: str,
    attendee_email: str,
    language: str,
    url: str,
    now: datetime | None = None,
) -> bytes:
    """One VEVENT; its SEQUENCE is `event_sequence`."""
    return event_ics(
        uid=event_uid(consultation),
        sequence=event_sequence(consultation, method=method),
        start=consultation.scheduled_at,
        end=consultation.scheduled_end,
        method=method,
        attendee_email=attendee_email,
        language=language,
        url=url,
        now=now,
    )


def event_ics(
    *,
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    method: str,
    attendee_email: str,
    language: str,
    url: str,
    now: datetime | None = None,
) -> bytes:
    """The calendar of one VEVENT from plain values (an email rendered at delivery keeps
    those of the moment of its change)."""
    summary = SUMMARY.get(language, SUMMARY["fr"])
    cancelled = method == CANCEL
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", now or timezone.now())
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", url)
    event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{_from_address()}")
    organizer.params["cn"] = vText("HuntZen Care")
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{attendee_email}")
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def _from_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@huntzen.care"

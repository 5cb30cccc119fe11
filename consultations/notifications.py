"""Consultation emails: one function per message, three templates each (subject, txt,
html), in each recipient's language. Queued in the outbox inside the services'
transactions, one row per recipient holding the plain values of the moment of the
change (times, who cancelled, the calendar event's sequence and stamp); the delivery
task renders them (`render`, registered as the outbox renderer "consultations"), so a
booking or a cancellation renders no template and no .ics in the request.

Booking, cancellation and rescheduling have a wording per side
(`<message>_employee` / `<message>_practitioner`: "your appointment is confirmed" vs
"a new booking"); both carry the .ics (same UID throughout, SEQUENCE from the row) and
an add-to-calendar link.

What an employer's mail system could read is kept to "HuntZen Care appointment", a
time and portal links: no practitioner, specialty, reason or anything medical.
"""

import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import notification_addresses
from consultations import ics, selectors
from consultations.access import NOTIFICATION_ADDRESSES
from consultations.models import Consultation
from huntzen.emails import render_templated
from huntzen.links import absolute_url
from huntzen.outbox.models import OutboxMessage
from huntzen.outbox.services import Rendered, ToRender, messages_queue_to_render, register_renderer

RENDERER = "consultations"
TEMPLATES = "consultations/email/"


def consultation_url(consultation: Consultation) -> str:
    return absolute_url(reverse("consultations:detail", kwargs={"pk": consultation.pk}))


def calendar_url(consultation: Consultation) -> str:
    """The portal's .ics of the consultation (participants only, signed in)."""
    return absolute_url(reverse("consultations:calendar", kwargs={"pk": consultation.pk}))


def booking_url(slot_start, practitioner_id) -> str:
    """The confirmation page of a slot of this practitioner, for the employee."""
    path = reverse("consultations:book_confirm", kwargs={"practitioner_id": practitioner_id})
    return absolute_url(f"{path}?{urlencode({'start': slot_start.isoformat()})}")


def _iso(at: datetime | None) -> str | None:
    """In UTC, as the database gives it back (the .ics writes UTC times)."""
    return at.astimezone(UTC).isoformat() if at else None


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _facts(consultation: Consultation, *, ics_method: str | None) -> dict:
    """What every email of this change says, as plain values of this moment."""
    return {
        "consultation": str(consultation.pk),
        "practitioner": str(consultation.practitioner_id),
        "kind": consultation.kind,
        "scheduled_at": _iso(consultation.scheduled_at),
        "scheduled_end": _iso(consultation.scheduled_end),
        "notice_hours": settings.HUNTZEN_CANCELLATION_NOTICE_HOURS,
        "ics": {
            "method": ics_method,
            "sequence": ics.event_sequence(consultation, method=ics_method),
            "stamp": _iso(timezone.now()),
        }
        if ics_method
        else None,
    }


def _queue(
    consultation: Consultation,
    emails: list[tuple[User, str, dict]],
    *,
    ics_method: str | None,
    dedup_keys: dict | None = None,
    addresses: dict | None = None,
) -> None:
    """One outbox row per (recipient, template, values of her own), in one INSERT.
    `addresses`: the recipients' `notification_addresses`, when the caller read them
    already (else those read with the consultation's row, if any: access)."""
    messages_queue_to_render(
        _messages(
            consultation,
            emails,
            ics_method=ics_method,
            dedup_keys=dedup_keys,
            addresses=addresses,
        )
    )


def _messages(
    consultation: Consultation,
    emails: list[tuple[User, str, dict]],
    *,
    ics_method: str | None,
    dedup_keys: dict | None = None,
    addresses: dict | None = None,
) -> list[ToRender]:
    """What `_queue` queues."""
    facts = _facts(consultation, ics_method=ics_method)
    if addresses is None:
        addresses = consultation.__dict__.get(NOTIFICATION_ADDRESSES)
    if addresses is None or any(r.pk not in addresses for r, _template, _extra in emails):
        addresses = notification_addresses(recipient for recipient, _template, _extra in emails)
    return [
        ToRender(
            # Her personal address, if she chose one.
            recipient=addresses[recipient.pk],
            kind=TEMPLATES + template,
            renderer=RENDERER,
            language=recipient.language or settings.LANGUAGE_CODE,
            context={**facts, **extra},
            dedup_key=(dedup_keys or {}).get(recipient.pk),
        )
        for recipient, template, extra in emails
    ]


def render(row: OutboxMessage) -> Rendered:
    """The email of an outbox row queued by this module, as it would have been rendered
    at the change: its values are the row's; only the links are built now (from the
    site's address) and, after a practitioner's cancellation, her next free slots are
    looked up now (the freshest offer)."""
    values = row.context
    consultation = Consultation(
        pk=uuid.UUID(values["consultation"]),
        practitioner_id=uuid.UUID(values["practitioner"]),
        kind=values["kind"],
        scheduled_at=_at(values["scheduled_at"]),
        scheduled_end=_at(values["scheduled_end"]),
    )
    url = consultation_url(consultation)
    context = {
        "consultation": consultation,
        "url": url,
        "calendar_url": calendar_url(consultation),
        "notice_hours": values["notice_hours"],
    }
    for key in ("by_me", "by_practitioner", "late", "paid"):
        if key in values:
            context[key] = values[key]
    if "previous" in values:
        context["previous"] = _at(values["previous"])
    if values.get("offer_next_slots"):
        practitioner = User.objects.get(pk=consultation.practitioner_id)
        context["next_slots"] = [
            {"start": slot.start, "url": booking_url(slot.start, practitioner.pk)}
            for slot in selectors.next_free_slots(practitioner=practitioner)
        ]
    attachments = []
    event = values["ics"]
    if event:
        method = event["method"]
        attachments.append(
            (
                "huntzen-care.ics",
                ics.event_ics(
                    uid=ics.event_uid(consultation),
                    sequence=event["sequence"],
                    start=consultation.scheduled_at,
                    end=consultation.scheduled_end,
                    method=method,
                    attendee_email=row.recipient,
                    language=row.language,
                    url=url,
                    now=_at(event["stamp"]),
                ),
                f"text/calendar; method={method}; charset=UTF-8",
            )
        )
    return render_templated(
        template_prefix=row.kind, language=row.language, context=context, attachments=attachments
    )


register_renderer(RENDERER, render)


def _both(consultation: Consultation) -> tuple[User, User]:
    return consultation.employee, consultation.practitioner


def _side(consultation: Consultation, recipient: User) -> str:
    return "practitioner" if recipient.pk == consultation.practitioner_id else "employee"


def send_booked(consultation: Consultation, *, addresses: dict | None = None) -> None:
    """The employee: "your appointment is confirmed"; the practitioner: "a new booking".
    `addresses`: both participants' `notification_addresses`, if read already."""
    messages_queue_to_render(booked_messages(consultation, addresses=addresses))


def booked_messages(consultation: Consultation, *, addresses: dict | None = None) -> list[ToRender]:
    """What `send_booked` queues (for a booking that writes them in its own statement)."""
    return _messages(
        consultation,
        [(r, f"booked_{_side(consultation, r)}", {}) for r in _both(consultation)],
        ics_method=ics.REQUEST,
        addresses=addresses,
    )


def send_cancelled(consultation: Consultation) -> None:
    """Each side is told who cancelled (herself or the other); the practitioner learns
    whether it was late and paid; an employee whose practitioner cancelled is offered
    the practitioner's next free slots. The reason is never in the email."""
    messages_queue_to_render(cancelled_messages(consultation))


def cancelled_messages(consultation: Consultation) -> list[ToRender]:
    """What `send_cancelled` queues (for a cancellation that writes them in its own
    statement)."""
    by_practitioner = consultation.cancelled_by_id == consultation.practitioner_id
    emails = []
    for recipient in _both(consultation):
        side = _side(consultation, recipient)
        extra = {
            "by_me": recipient.pk == consultation.cancelled_by_id,
            "by_practitioner": by_practitioner,
            "late": consultation.cancelled_late,
            "paid": consultation.late_cancellation_paid,
        }
        if side == "employee" and by_practitioner:
            extra["offer_next_slots"] = True
        emails.append((recipient, f"cancelled_{side}", extra))
    return _messages(consultation, emails, ics_method=ics.CANCEL)


def send_rescheduled(consultation: Consultation, *, previous: datetime | None) -> None:
    """Both get the new time (and the `previous` one) and the updated event (same UID,
    next SEQUENCE)."""
    _queue(
        consultation,
        [
            (r, f"rescheduled_{_side(consultation, r)}", {"previous": _iso(previous)})
            for r in _both(consultation)
        ],
        ics_method=ics.REQUEST,
    )


def send_no_show(consultation: Consultation) -> None:
    _queue(consultation, [(r, "no_show", {}) for r in _both(consultation)], ics_method=ics.CANCEL)


def reminder_dedup_key(consultation: Consultation, *, hours: int, recipient: User) -> str:
    """Once per consultation, kind, recipient and scheduled time: a rescheduled
    consultation (next ics_sequence) is reminded again for its new time."""
    return f"reminder_{hours}h:{consultation.pk}:{consultation.ics_sequence}:{recipient.pk}"


def send_reminder(consultation: Consultation, *, hours: int) -> None:
    """The 24 h or 1 h reminder, one outbox row per participant (each delivered and
    retried on its own), at most once per consultation, kind and recipient."""
    template = "reminder_24h" if hours == 24 else "reminder_1h"
    recipients = _both(consultation)
    _queue(
        consultation,
        [(r, template, {}) for r in recipients],
        ics_method=None,
        dedup_keys={
            r.pk: reminder_dedup_key(consultation, hours=hours, recipient=r) for r in recipients
        },
    )

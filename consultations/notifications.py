"""Consultation emails: one function per message, three templates each (subject, txt,
html), in each recipient's language. Queued in the outbox inside the services'
transactions (delivered after commit by a Celery task), and by the reminders task.

Booking, cancellation and rescheduling have a wording per side
(`<message>_employee` / `<message>_practitioner`: "your appointment is confirmed" vs
"a new booking"); both carry the .ics (same UID throughout, SEQUENCE from the row) and
an add-to-calendar link.

What an employer's mail system could read is kept to "HuntZen Care appointment", a
time and portal links: no practitioner, specialty, reason or anything medical.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail.message import EmailAttachment
from django.urls import reverse

from accounts.models import User
from accounts.selectors import notification_address
from consultations import ics, selectors
from consultations.models import Consultation
from huntzen.emails import send_templated_email
from huntzen.links import absolute_url


def consultation_url(consultation: Consultation) -> str:
    return absolute_url(reverse("consultations:detail", kwargs={"pk": consultation.pk}))


def calendar_url(consultation: Consultation) -> str:
    """The portal's .ics of the consultation (participants only, signed in)."""
    return absolute_url(reverse("consultations:calendar", kwargs={"pk": consultation.pk}))


def booking_url(slot_start, practitioner_id) -> str:
    """The confirmation page of a slot of this practitioner, for the employee."""
    path = reverse("consultations:book_confirm", kwargs={"practitioner_id": practitioner_id})
    return absolute_url(f"{path}?{urlencode({'start': slot_start.isoformat()})}")


def _load(consultation_id) -> Consultation:
    return Consultation.objects.select_related("employee", "practitioner").get(pk=consultation_id)


def _send(
    *,
    template: str,
    consultation: Consultation,
    recipient: User,
    ics_method: str | None,
    dedup_key: str | None = None,
    extra: dict | None = None,
) -> None:
    url = consultation_url(consultation)
    language = recipient.language or settings.LANGUAGE_CODE
    address = notification_address(recipient)  # her personal address, if she chose one
    attachments = []
    if ics_method:
        attachments.append(
            EmailAttachment(
                "huntzen-care.ics",
                ics.consultation_ics(
                    consultation,
                    method=ics_method,
                    attendee_email=address,
                    language=language,
                    url=url,
                ),
                f"text/calendar; method={ics_method}; charset=UTF-8",
            )
        )
    send_templated_email(
        template_prefix=f"consultations/email/{template}",
        to=address,
        language=language,
        context={
            "consultation": consultation,
            "recipient": recipient,
            "is_practitioner": recipient.pk == consultation.practitioner_id,
            "url": url,
            "calendar_url": calendar_url(consultation),
            "notice_hours": settings.HUNTZEN_CANCELLATION_NOTICE_HOURS,
            **(extra or {}),
        },
        attachments=attachments,
        dedup_key=dedup_key,
    )


def _both(consultation: Consultation) -> tuple[User, User]:
    return consultation.employee, consultation.practitioner


def _send_to_participants(consultation_id, *, template: str, ics_method: str) -> None:
    consultation = _load(consultation_id)
    for recipient in _both(consultation):
        _send(
            template=template,
            consultation=consultation,
            recipient=recipient,
            ics_method=ics_method,
        )


def _side(consultation: Consultation, recipient: User) -> str:
    return "practitioner" if recipient.pk == consultation.practitioner_id else "employee"


def send_booked(consultation_id) -> None:
    """The employee: "your appointment is confirmed"; the practitioner: "a new booking"."""
    consultation = _load(consultation_id)
    for recipient in _both(consultation):
        _send(
            template=f"booked_{_side(consultation, recipient)}",
            consultation=consultation,
            recipient=recipient,
            ics_method=ics.REQUEST,
        )


def send_cancelled(consultation_id) -> None:
    """Each side is told who cancelled (herself or the other); the practitioner learns
    whether it was late and paid; an employee whose practitioner cancelled is offered
    the practitioner's next free slots. The reason is never in the email."""
    consultation = _load(consultation_id)
    by_practitioner = consultation.cancelled_by_id == consultation.practitioner_id
    for recipient in _both(consultation):
        side = _side(consultation, recipient)
        extra = {
            "by_me": recipient.pk == consultation.cancelled_by_id,
            "by_practitioner": by_practitioner,
            "late": consultation.cancelled_late,
            "paid": consultation.late_cancellation_paid,
        }
        if side == "employee" and by_practitioner:
            extra["next_slots"] = [
                {"start": slot.start, "url": booking_url(slot.start, consultation.practitioner_id)}
                for slot in selectors.next_free_slots(practitioner=consultation.practitioner)
            ]
        _send(
            template=f"cancelled_{side}",
            consultation=consultation,
            recipient=recipient,
            ics_method=ics.CANCEL,
            extra=extra,
        )


def send_rescheduled(consultation_id) -> None:
    """Both get the new time and the updated event (same UID, next SEQUENCE)."""
    consultation = _load(consultation_id)
    change = consultation.status_changes.filter(note="rescheduled").order_by("-at", "-id").first()
    for recipient in _both(consultation):
        _send(
            template=f"rescheduled_{_side(consultation, recipient)}",
            consultation=consultation,
            recipient=recipient,
            ics_method=ics.REQUEST,
            extra={"previous": change.previous_scheduled_at if change else None},
        )


def send_no_show(consultation_id) -> None:
    _send_to_participants(consultation_id, template="no_show", ics_method=ics.CANCEL)


def reminder_dedup_key(consultation: Consultation, *, hours: int, recipient: User) -> str:
    """Once per consultation, kind, recipient and scheduled time: a rescheduled
    consultation (next ics_sequence) is reminded again for its new time."""
    return f"reminder_{hours}h:{consultation.pk}:{consultation.ics_sequence}:{recipient.pk}"


def send_reminder(consultation: Consultation, *, hours: int) -> None:
    """The 24 h or 1 h reminder, one outbox row per participant (each delivered and
    retried on its own), at most once per consultation, kind and recipient."""
    template = "reminder_24h" if hours == 24 else "reminder_1h"
    for recipient in _both(consultation):
        _send(
            template=template,
            consultation=consultation,
            recipient=recipient,
            ics_method=None,
            dedup_key=reminder_dedup_key(consultation, hours=hours, recipient=recipient),
        )

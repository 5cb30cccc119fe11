"""Consultation emails: one function per message, three templates each (subject, txt,
html), in each recipient's language. Queued in the outbox inside the services'
transactions (delivered after commit by a Celery task), and by the reminders task.

What an employer's mail system could read is kept to "HuntZen Care appointment", a
time and a portal link: no practitioner, specialty, reason or anything medical.
"""

from django.conf import settings
from django.core.mail.message import EmailAttachment
from django.urls import reverse

from accounts.models import User
from accounts.selectors import notification_address
from consultations import ics
from consultations.models import Consultation
from huntzen.emails import send_templated_email
from huntzen.links import absolute_url


def consultation_url(consultation: Consultation) -> str:
    return absolute_url(reverse("consultations:detail", kwargs={"pk": consultation.pk}))


def _load(consultation_id) -> Consultation:
    return Consultation.objects.select_related("employee", "practitioner").get(pk=consultation_id)


def _send(
    *,
    template: str,
    consultation: Consultation,
    recipient: User,
    ics_method: str | None,
    dedup_key: str | None = None,
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


def send_booked(consultation_id) -> None:
    _send_to_participants(consultation_id, template="booked", ics_method=ics.REQUEST)


def send_cancelled(consultation_id) -> None:
    _send_to_participants(consultation_id, template="cancelled", ics_method=ics.CANCEL)


def send_no_show(consultation_id) -> None:
    _send_to_participants(consultation_id, template="no_show", ics_method=ics.CANCEL)


def reminder_dedup_key(consultation: Consultation, *, hours: int, recipient: User) -> str:
    return f"reminder_{hours}h:{consultation.pk}:{recipient.pk}"


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

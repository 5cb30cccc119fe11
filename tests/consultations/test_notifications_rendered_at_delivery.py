"""Consultation emails are rendered at delivery from the values their outbox row kept,
and say exactly what rendering them at the change said: for each change, the email
rendered now (the consultation read back, the templates and the .ics rendered in the
request, as the outbox did before) and the one delivered are compared, subject, text,
html, .ics and headers. The request renders nothing: its rows hold no content."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from accounts.selectors import notification_address
from consultations import ics, notifications, selectors, services
from consultations.models import Consultation
from consultations.reminders import send_due_reminders
from huntzen.emails import render_templated
from huntzen.outbox import services as outbox
from huntzen.outbox.models import OutboxMessage
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)  # 23 h after NOW: a cancellation then is late
THURSDAY_9 = paris(2026, 3, 5, 9)


def _rendered_now(consultation_id, *, template, recipient, ics_method, extra=None):
    """What the request rendered before: the consultation read back, the templates and
    the .ics rendered at once."""
    consultation = Consultation.objects.select_related("employee", "practitioner").get(
        pk=consultation_id
    )
    url = notifications.consultation_url(consultation)
    language = recipient.language or settings.LANGUAGE_CODE
    address = notification_address(recipient)
    attachments = []
    if ics_method:
        attachments.append(
            (
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
    rendered = render_templated(
        template_prefix=f"consultations/email/{template}",
        language=language,
        context={
            "consultation": consultation,
            "recipient": recipient,
            "is_practitioner": recipient.pk == consultation.practitioner_id,
            "url": url,
            "calendar_url": notifications.calendar_url(consultation),
            "notice_hours": settings.HUNTZEN_CANCELLATION_NOTICE_HOURS,
            **(extra or {}),
        },
        attachments=attachments,
    )
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        to=[address],
        headers={"Content-Language": language},
    )
    message.attach_alternative(rendered.html, "text/html")
    for attachment in rendered.attachments:
        message.attach(*attachment)
    return message


def _same(delivered, expected) -> None:
    assert delivered.to == expected.to
    assert delivered.subject == expected.subject
    assert delivered.body == expected.body
    assert delivered.alternatives == expected.alternatives
    assert delivered.attachments == expected.attachments
    assert delivered.extra_headers["Content-Language"] == expected.extra_headers["Content-Language"]


def _queued_without_content(kind_suffix: str) -> list[OutboxMessage]:
    rows = list(OutboxMessage.objects.filter(kind__endswith=kind_suffix))
    assert rows
    for row in rows:
        assert (row.subject, row.text, row.html, row.attachments) == ("", "", "", [])
        assert row.renderer == notifications.RENDERER and row.context
        json.dumps(row.context)  # plain values
    return rows


def _deliver(callbacks) -> dict:
    mail.outbox.clear()
    for callback in callbacks:
        callback()
    return {m.to[0]: m for m in mail.outbox}


@pytest.fixture
def english_practitioner(p_open):
    p_open.language = "en"
    p_open.save(update_fields=["language"])
    return p_open


@pytest.fixture
def thursday(employee_a, english_practitioner):
    return book(employee_a, english_practitioner, at=THURSDAY_9, now=NOW)


def test_the_booking_emails(
    frozen, employee_a, english_practitioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        consultation = services.consultation_book(
            employee=employee_a,
            practitioner=english_practitioner,
            scheduled_at=THURSDAY_9,
            kind="chat",
            now=NOW,
        )
        _queued_without_content("booked_employee")
        expected = [
            _rendered_now(
                consultation.pk, template=f"booked_{side}", recipient=who, ics_method="REQUEST"
            )
            for side, who in (("employee", employee_a), ("practitioner", english_practitioner))
        ]
    delivered = _deliver(callbacks)
    assert len(delivered) == 2
    for message in expected:
        _same(delivered[message.to[0]], message)
    # Not a vacuous comparison: the .ics and the time are there, in each language.
    assert "Messagerie" in delivered[employee_a.email].body
    assert "SEQUENCE:0" in delivered[english_practitioner.email].attachments[0][1]


def test_a_late_paid_cancellation_by_the_employee(
    frozen, acme, employee_a, english_practitioner, django_capture_on_commit_callbacks
):
    acme.late_cancellations_paid = True
    acme.save(update_fields=["late_cancellations_paid"])
    consultation = book(employee_a, english_practitioner, at=TUESDAY_9, now=NOW - timedelta(days=2))
    with django_capture_on_commit_callbacks() as callbacks:
        services.consultation_cancel(actor=employee_a, consultation=consultation, now=NOW)
        _queued_without_content("cancelled_practitioner")
        common = {"by_practitioner": False, "late": True, "paid": True}
        expected = [
            _rendered_now(
                consultation.pk,
                template="cancelled_employee",
                recipient=employee_a,
                ics_method="CANCEL",
                extra={"by_me": True, **common},
            ),
            _rendered_now(
                consultation.pk,
                template="cancelled_practitioner",
                recipient=english_practitioner,
                ics_method="CANCEL",
                extra={"by_me": False, **common},
            ),
        ]
    delivered = _deliver(callbacks)
    for message in expected:
        _same(delivered[message.to[0]], message)
    assert "SEQUENCE:1" in delivered[employee_a.email].attachments[0][1]


def test_a_cancellation_by_the_practitioner_offers_her_next_slots(
    frozen, employee_a, english_practitioner, thursday, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        services.consultation_cancel(
            actor=english_practitioner, consultation=thursday, reason="Malade.", now=NOW
        )
        common = {"by_practitioner": True, "late": False, "paid": False}
        next_slots = [
            {
                "start": slot.start,
                "url": notifications.booking_url(slot.start, english_practitioner.pk),
            }
            for slot in selectors.next_free_slots(practitioner=english_practitioner)
        ]
        assert next_slots
        expected = [
            _rendered_now(
                thursday.pk,
                template="cancelled_employee",
                recipient=employee_a,
                ics_method="CANCEL",
                extra={"by_me": False, "next_slots": next_slots, **common},
            ),
            _rendered_now(
                thursday.pk,
                template="cancelled_practitioner",
                recipient=english_practitioner,
                ics_method="CANCEL",
                extra={"by_me": True, **common},
            ),
        ]
    delivered = _deliver(callbacks)
    for message in expected:
        _same(delivered[message.to[0]], message)
    assert next_slots[0]["url"] in delivered[employee_a.email].body
    assert "Malade" not in delivered[employee_a.email].body


def test_a_reschedule_keeps_the_previous_time(
    frozen, employee_a, english_practitioner, thursday, django_capture_on_commit_callbacks
):
    new_time = paris(2026, 3, 6, 10)
    with django_capture_on_commit_callbacks() as callbacks:
        services.consultation_reschedule(
            actor=employee_a, consultation=thursday, scheduled_at=new_time, now=NOW
        )
        expected = [
            _rendered_now(
                thursday.pk,
                template=f"rescheduled_{side}",
                recipient=who,
                ics_method="REQUEST",
                extra={"previous": THURSDAY_9},
            )
            for side, who in (("employee", employee_a), ("practitioner", english_practitioner))
        ]
    delivered = _deliver(callbacks)
    for message in expected:
        _same(delivered[message.to[0]], message)
    assert "SEQUENCE:1" in delivered[employee_a.email].attachments[0][1]


def test_a_no_show_sends_the_next_sequence(
    frozen, employee_a, english_practitioner, thursday, django_capture_on_commit_callbacks
):
    frozen.move_to(THURSDAY_9 + timedelta(minutes=20))
    with django_capture_on_commit_callbacks() as callbacks:
        services.consultation_mark_no_show(actor=english_practitioner, consultation=thursday)
        expected = [
            _rendered_now(thursday.pk, template="no_show", recipient=who, ics_method="CANCEL")
            for who in (employee_a, english_practitioner)
        ]
    delivered = _deliver(callbacks)
    for message in expected:
        _same(delivered[message.to[0]], message)
    assert "SEQUENCE:1" in delivered[employee_a.email].attachments[0][1]


def test_the_reminders_keep_their_dedup_keys(
    frozen, employee_a, english_practitioner, django_capture_on_commit_callbacks
):
    consultation = book(
        employee_a, english_practitioner, at=THURSDAY_9, now=NOW - timedelta(days=3)
    )
    at = THURSDAY_9 - timedelta(hours=23)
    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(now=at)
    expected = [
        _rendered_now(consultation.pk, template="reminder_24h", recipient=who, ics_method=None)
        for who in (employee_a, english_practitioner)
    ]
    delivered = {m.to[0]: m for m in mail.outbox}
    for message in expected:
        _same(delivered[message.to[0]], message)
    rows = OutboxMessage.objects.filter(kind__endswith="reminder_24h")
    assert sorted(r.dedup_key for r in rows) == sorted(
        f"{notifications.reminder_dedup_key(consultation, hours=24, recipient=who)}|{who.email}"
        for who in (employee_a, english_practitioner)
    )
    # Queuing the same reminder again queues nothing.
    notifications.send_reminder(consultation, hours=24)
    assert rows.count() == 2


def test_the_values_are_erased_once_sent_and_a_failed_render_is_retried(
    frozen, employee_a, english_practitioner, thursday, monkeypatch
):
    row = OutboxMessage.objects.get(recipient=employee_a.email, kind__endswith="booked_employee")
    assert row.state == OutboxMessage.State.PENDING  # on_commit never ran in this test

    def broken(row):
        raise RuntimeError("template missing")

    monkeypatch.setitem(outbox._RENDERERS, notifications.RENDERER, broken)
    assert outbox.message_deliver(row.pk) == OutboxMessage.State.PENDING
    row.refresh_from_db()
    assert row.last_error == "RuntimeError: template missing" and row.context
    monkeypatch.setitem(outbox._RENDERERS, notifications.RENDERER, notifications.render)
    frozen.shift(timedelta(minutes=1))
    mail.outbox.clear()
    assert outbox.message_deliver(row.pk) == OutboxMessage.State.SENT
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == f"<{row.pk.hex}@huntzen.care>"
    row.refresh_from_db()
    assert (row.state, row.attempts, row.context) == (OutboxMessage.State.SENT, 2, None)


def test_an_unknown_renderer_is_refused_when_queuing(employee_a):
    with pytest.raises(LookupError):
        outbox.messages_queue_to_render(
            [
                outbox.ToRender(
                    recipient=employee_a.email,
                    kind="x",
                    renderer="nobody",
                    language="fr",
                    context={},
                )
            ]
        )
    assert not OutboxMessage.objects.exists()

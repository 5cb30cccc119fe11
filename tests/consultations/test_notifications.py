from datetime import timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from consultations import services
from consultations.exceptions import IllegalTransition
from consultations.ics import event_uid
from consultations.video import room_name
from tests.consultations.conftest import NOW, paris

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)
MEDICAL_WORDS = (
    "psycholog",
    "psychiatr",
    "therap",
    "thérap",
    "stress",
    "anxi",
    "burn",
    "dépress",
    "depress",
    "santé mentale",
    "mental",
)


@pytest.fixture
def booked(employee_a, p_open, django_capture_on_commit_callbacks):
    p_open.language = "en"
    p_open.save()
    with django_capture_on_commit_callbacks(execute=True):
        consultation = services.consultation_book(
            employee=employee_a,
            practitioner=p_open,
            scheduled_at=TUESDAY_9,
            kind="video",
            now=NOW,
        )
    return consultation


def _calendar(message) -> Calendar:
    [(name, content, mimetype)] = message.attachments
    assert name.endswith(".ics") and mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def _everything(message) -> str:
    parts = [message.subject, message.body] + [a[0] for a in message.alternatives]
    parts += [a[1].decode() if isinstance(a[1], bytes) else a[1] for a in message.attachments]
    return "\n".join(parts).lower()


def test_each_participant_gets_it_in_their_language(booked, employee_a, p_open):
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert by_recipient[employee_a.email].subject == "Rendez-vous HuntZen Care confirmé"
    assert by_recipient[employee_a.email].extra_headers["Content-Language"] == "fr"
    assert by_recipient[p_open.email].extra_headers["Content-Language"] == "en"
    assert _calendar(by_recipient[employee_a.email]).walk("VEVENT")[0]["SUMMARY"] == (
        "Rendez-vous HuntZen Care"
    )
    assert _calendar(by_recipient[p_open.email]).walk("VEVENT")[0]["SUMMARY"] == (
        "HuntZen Care appointment"
    )


def test_the_ics_validates_and_describes_the_slot(booked, employee_a):
    message = next(m for m in mail.outbox if m.to == [employee_a.email])
    calendar = _calendar(message)
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event["UID"] == event_uid(booked)
    assert event.decoded("DTSTART") == TUESDAY_9
    assert event.decoded("DTEND") == TUESDAY_9 + timedelta(minutes=50)
    assert int(event["SEQUENCE"]) == 0
    assert str(event["ATTENDEE"]) == f"mailto:{employee_a.email}"
    assert str(booked.pk) in str(event["URL"])


def test_nothing_medical_nor_the_practitioner_is_in_what_an_employer_could_read(
    booked, employee_a, p_open
):
    message = next(m for m in mail.outbox if m.to == [employee_a.email])
    text = _everything(message)
    for word in MEDICAL_WORDS:
        assert word not in text
    assert p_open.email not in text and p_open.get_full_name().lower() not in text
    assert room_name(booked) not in text


def test_cancellation_sends_a_cancel_with_the_same_uid(
    booked, employee_a, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_cancel(
            actor=employee_a, consultation=booked, reason="anxiété", now=NOW
        )
    assert len(mail.outbox) == 2
    calendar = _calendar(mail.outbox[0])
    assert calendar["METHOD"] == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert event["UID"] == event_uid(booked) and int(event["SEQUENCE"]) == 1
    assert event["STATUS"] == "CANCELLED"
    assert all("anxi" not in _everything(m) for m in mail.outbox)  # the reason stays out


def test_no_show_notifies_both(booked, p_open, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_mark_no_show(
            actor=p_open, consultation=booked, now=TUESDAY_9 + timedelta(minutes=20)
        )
    assert len(mail.outbox) == 2
    assert all(_calendar(m)["METHOD"] == "CANCEL" for m in mail.outbox)


def test_a_rolled_back_transition_sends_nothing(
    booked, employee_a, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(IllegalTransition):
            services.consultation_cancel(
                actor=employee_a, consultation=booked, now=TUESDAY_9 + timedelta(minutes=1)
            )
    assert mail.outbox == []

"""Each side gets its own wording (the employee: "your appointment"; the practitioner:
"a new booking", "cancelled by the employee", "rescheduled"), under neutral subjects,
with the .ics and an add-to-calendar link on HUNTZEN_SITE_URL. The calendar link
itself serves the participants only."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from consultations import services
from consultations.ics import event_uid
from tests.consultations.conftest import NOW, paris
from tests.consultations.test_notifications import MEDICAL_WORDS

pytestmark = pytest.mark.django_db
THURSDAY_9 = paris(2026, 3, 5, 9)
SITE = "https://care.example"
NEUTRAL_SUBJECTS = {
    "Rendez-vous HuntZen Care confirmé",
    "Nouveau rendez-vous HuntZen Care",
    "Rendez-vous HuntZen Care annulé",
    "Rendez-vous HuntZen Care déplacé",
}


@pytest.fixture(autouse=True)
def _site(settings):
    settings.HUNTZEN_SITE_URL = SITE


@pytest.fixture
def booked(employee_a, p_open, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.consultation_book(
            employee=employee_a, practitioner=p_open, scheduled_at=THURSDAY_9, kind="video", now=NOW
        )


def _by_recipient():
    return {m.to[0]: m for m in mail.outbox}


def _assert_neutral(message, practitioner):
    assert message.subject in NEUTRAL_SUBJECTS
    subject = message.subject.lower()
    assert not any(word in subject for word in MEDICAL_WORDS)
    assert practitioner.get_full_name().lower() not in message.body.lower()
    assert "tardive" not in subject


def test_booking_wording_per_side(booked, employee_a, p_open):
    mails = _by_recipient()
    to_employee, to_practitioner = mails[employee_a.email], mails[p_open.email]
    assert to_employee.subject == "Rendez-vous HuntZen Care confirmé"
    assert to_practitioner.subject == "Nouveau rendez-vous HuntZen Care"
    assert "Votre rendez-vous HuntZen Care est confirmé" in to_employee.body
    assert "Un nouveau rendez-vous a été réservé avec vous" in to_practitioner.body
    assert "24 heures avant" in to_employee.body
    calendar_link = SITE + reverse("consultations:calendar", args=[booked.pk])
    for message in (to_employee, to_practitioner):
        _assert_neutral(message, p_open)
        assert calendar_link in message.body
        assert f'href="{calendar_link}"' in message.alternatives[0][0]
        assert SITE + reverse("consultations:detail", args=[booked.pk]) in message.body
        [(_name, content, _type)] = message.attachments
        assert Calendar.from_ical(content)["METHOD"] == "REQUEST"


def test_an_employee_cancellation_wording_per_side(
    booked, employee_a, p_open, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_cancel(actor=employee_a, consultation=booked, now=NOW)
    mails = _by_recipient()
    assert "Votre annulation de ce rendez-vous HuntZen Care est enregistrée" in (
        mails[employee_a.email].body
    )
    assert "Le salarié a annulé ce rendez-vous" in mails[p_open.email].body
    assert "tardive" not in mails[p_open.email].body  # 71 h ahead: not late
    for message in mails.values():
        _assert_neutral(message, p_open)
        [event] = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")
        assert event["UID"] == event_uid(booked) and int(event["SEQUENCE"]) == 1


@pytest.mark.parametrize(
    "paid,line",
    [
        (True, "Selon le contrat de son entreprise, elle vous est payée."),
        (False, "Selon le contrat de son entreprise, elle ne vous est pas payée."),
    ],
)
def test_the_practitioner_learns_a_late_cancellation_and_whether_it_is_paid(
    booked, employee_a, p_open, acme, django_capture_on_commit_callbacks, paid, line
):
    acme.late_cancellations_paid = paid
    acme.save()
    booked.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_cancel(
            actor=employee_a, consultation=booked, now=THURSDAY_9 - timedelta(hours=2)
        )
    mails = _by_recipient()
    assert "Annulation tardive (moins de 24 heures avant)." in mails[p_open.email].body
    assert line in mails[p_open.email].body
    assert "payée" not in mails[employee_a.email].body  # her contract is not her business
    assert "annulation tardive" in mails[employee_a.email].body
    _assert_neutral(mails[p_open.email], p_open)


def test_a_practitioner_cancellation_wording_per_side(
    booked, employee_a, p_open, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.consultation_cancel(actor=p_open, consultation=booked, reason="Grippe")
    mails = _by_recipient()
    assert "La personne que vous deviez voir a dû annuler" in mails[employee_a.email].body
    assert "Votre annulation est enregistrée ; le salarié est prévenu" in mails[p_open.email].body
    for message in mails.values():
        _assert_neutral(message, p_open)
        assert "Grippe" not in message.body


# --- The add-to-calendar link ---------------------------------------------------------


def test_the_calendar_link_serves_the_participants_an_ics(client, booked, employee_a, p_open):
    for user in (employee_a, p_open):
        client.force_login(user)
        response = client.get(reverse("consultations:calendar", args=[booked.pk]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        assert calendar["METHOD"] == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert event["UID"] == event_uid(booked)
        assert str(event["ATTENDEE"]) == f"mailto:{user.email}"
        assert str(event["URL"]).startswith(SITE)


def test_once_cancelled_the_link_serves_a_cancel(client, booked, employee_a):
    services.consultation_cancel(actor=employee_a, consultation=booked, now=NOW)
    client.force_login(employee_a)
    response = client.get(reverse("consultations:calendar", args=[booked.pk]))
    assert Calendar.from_ical(response.content)["METHOD"] == "CANCEL"


@pytest.mark.parametrize(
    "who,status",
    [
        ("employee_b", 404),
        ("practitioner_q", 404),
        ("hr_acme", 404),
        ("staff_r2", 403),
        ("operator_r1", 403),
    ],
)
def test_the_calendar_link_refuses_others(client, cast, booked, who, status):
    client.force_login(cast[who])
    assert client.get(reverse("consultations:calendar", args=[booked.pk])).status_code == status


def test_the_calendar_link_needs_a_sign_in(client, booked):
    response = client.get(reverse("consultations:calendar", args=[booked.pk]))
    assert response.status_code == 302

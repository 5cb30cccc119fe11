"""The consultation room page (consultations/room_views.py): its two participants,
before, in and after the window; the practitioner's start, end and no-show from it."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from consultations import services
from consultations.models import Consultation
from consultations.video import room_name
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
Status = Consultation.Status
TUESDAY_9 = paris(2026, 3, 3, 9)  # ends 09:50; the room opens 08:45, start deadline 10:05
BEFORE = paris(2026, 3, 3, 8, 30)
OPENS = paris(2026, 3, 3, 8, 45)


@pytest.fixture
def consultation(employee_a, p_open):
    return book(employee_a, p_open, at=TUESDAY_9, now=NOW)


def _url(consultation, name="consultations:room"):
    return reverse(name, args=[consultation.pk])


def _get(client, user, consultation, at):
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        return client.get(_url(consultation))


def _post(client, user, consultation, name, at):
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        return client.post(_url(consultation, name), follow=True)


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
@pytest.mark.parametrize("at", [BEFORE, TUESDAY_9, TUESDAY_9 + timedelta(days=1)])
def test_both_participants_open_the_room_at_any_time(cast, p_open, consultation, client, who, at):
    assert _get(client, cast[who], consultation, at).status_code == 200


@pytest.mark.parametrize(
    "who,status",
    [
        ("employee_b", 404),
        ("employee_c", 404),
        ("practitioner_q", 404),
        ("hr_acme", 404),
        ("hr_globex", 404),
        ("staff_r2", 403),  # may see the consultation's details, never enter its room
        ("operator_r1", 403),
        ("superuser", 403),
    ],
)
@pytest.mark.parametrize(
    "name", ["consultations:room", "consultations:video", "consultations:room_start"]
)
def test_nobody_else_enters(cast, consultation, client, who, status, name):
    client.force_login(cast[who])
    with time_machine.travel(TUESDAY_9, tick=False):
        if name.endswith("start"):
            response = client.post(_url(consultation, name))
        else:
            response = client.get(_url(consultation, name))
    assert response.status_code == status
    assert room_name(consultation) not in response.content.decode()
    consultation.refresh_from_db()
    assert consultation.status == Status.SCHEDULED


def test_anonymous_is_sent_to_sign_in(consultation, client):
    response = client.get(_url(consultation))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_before_the_window_a_countdown_and_what_to_prepare(employee_a, consultation, client):
    page = _get(client, employee_a, consultation, BEFORE).content.decode()
    assert "La salle ouvre à 08:45" in page
    assert 'data-opens-at="2026-03-03T08:45:00+01:00"' in page
    assert "Tester ma caméra et mon micro" in page
    assert "data-chat" not in page  # the chat opens with the room: no "closed" notice
    assert room_name(consultation) not in page
    assert "fermée" not in page


def test_the_opening_time_is_read_in_paris_across_daylight_saving(employee_a, p_open, client):
    summer = book(employee_a, p_open, at=paris(2026, 3, 31, 9), now=paris(2026, 3, 27, 9))
    page = _get(client, employee_a, summer, paris(2026, 3, 31, 7)).content.decode()
    assert "La salle ouvre à 08:45" in page
    assert 'data-opens-at="2026-03-31T08:45:00+02:00"' in page


def test_in_the_window_the_employee_gets_video_and_chat(employee_a, consultation, client):
    response = _get(client, employee_a, consultation, OPENS)
    page = response.content.decode()
    assert room_name(consultation) in page
    assert 'id="jitsi-config"' in page and '"fileRecordingsEnabled": false' in page
    assert "data-chat" in page
    assert "Ouvrir la salle vidéo dans un nouvel onglet" in page  # the fallback, hidden
    assert f"https://meet.jit.si/{room_name(consultation)}" in page
    assert "meet.jit.si" in response["Content-Security-Policy"]
    assert "La séance commence dès que Paula Test vous rejoint." in page


def test_a_chat_consultation_has_the_chat_alone(employee_a, p_open, client):
    consultation = book(employee_a, p_open, at=TUESDAY_9, now=NOW, kind="chat")
    response = _get(client, employee_a, consultation, OPENS)
    page = response.content.decode()
    assert "data-chat" in page and "jitsi" not in page
    assert "meet.jit.si" not in response["Content-Security-Policy"]


def test_the_practitioner_joins_and_starts_in_one_action(employee_a, p_open, consultation, client):
    page = _get(client, p_open, consultation, OPENS).content.decode()
    assert "Rejoindre et démarrer la séance" in page
    assert room_name(consultation) not in page  # the video opens with the start
    response = _post(client, p_open, consultation, "consultations:room_start", OPENS)
    page = response.content.decode()
    assert response.status_code == 200
    assert "La séance a commencé : elle est enregistrée." in page
    assert room_name(consultation) in page
    assert "Terminer la séance" in page and "Oui, terminer" in page
    consultation.refresh_from_db()
    assert consultation.status == Status.IN_PROGRESS and consultation.started_at == OPENS


def test_the_employee_may_not_start(employee_a, consultation, client):
    response = _post(client, employee_a, consultation, "consultations:room_start", TUESDAY_9)
    assert response.status_code == 403
    consultation.refresh_from_db()
    assert consultation.status == Status.SCHEDULED


def test_a_start_after_the_deadline_is_409_and_offers_the_no_show(p_open, consultation, client):
    late = paris(2026, 3, 3, 10, 5)
    response = _post(client, p_open, consultation, "consultations:room_start", late)
    assert response.status_code == 409
    page = response.content.decode()
    assert "ne peut plus être démarrée" in page and "10:05" in page
    assert "Déclarer une absence" in page and "Rejoindre et démarrer" not in page
    consultation.refresh_from_db()
    assert consultation.status == Status.SCHEDULED


def test_ending_shows_the_recorded_duration_and_the_note_reminder(
    employee_a, p_open, consultation, client
):
    services.consultation_start(actor=p_open, consultation=consultation, now=TUESDAY_9)
    response = _post(
        client, p_open, consultation, "consultations:room_end", TUESDAY_9 + timedelta(minutes=46)
    )
    page = response.content.decode()
    assert "Séance terminée. Durée enregistrée : 46 min." in page
    assert reverse("medical:note", args=[consultation.pk]) in page
    assert room_name(consultation) not in page
    consultation.refresh_from_db()
    assert consultation.status == Status.COMPLETED and consultation.duration_seconds == 46 * 60
    employee_page = _get(client, employee_a, consultation, TUESDAY_9 + timedelta(hours=1))
    text = employee_page.content.decode()
    assert "Séance terminée. Durée enregistrée : 46 min." in text
    assert reverse("medical:note", args=[consultation.pk]) not in text


def test_the_practitioner_sees_that_the_employee_is_in_the_room(
    employee_a, p_open, consultation, client
):
    _get(client, employee_a, consultation, OPENS)
    page = _get(client, p_open, consultation, OPENS + timedelta(minutes=1)).content.decode()
    assert "Alice est dans la salle." in page


def test_a_cancelled_consultation_says_so(employee_a, consultation, client):
    services.consultation_cancel(actor=employee_a, consultation=consultation, now=NOW)
    page = _get(client, employee_a, consultation, TUESDAY_9).content.decode()
    assert "Cette consultation a été annulée." in page
    assert room_name(consultation) not in page


def test_the_old_video_page_leads_to_the_room(employee_a, consultation, client):
    client.force_login(employee_a)
    response = client.get(_url(consultation, "consultations:video"))
    assert response.status_code == 302 and response["Location"] == _url(consultation)


def test_crisis_help_stays_in_the_room(employee_a, p_open, consultation, client):
    employee = _get(client, employee_a, consultation, OPENS).content.decode()
    assert "3114" in employee and 'href="tel:15"' in employee and "112" in employee
    practitioner = _get(client, p_open, consultation, OPENS).content.decode()
    assert "Consignes d’urgence du salarié" in practitioner and "3114" in practitioner


def test_the_room_speaks_english(employee_a, consultation, client):
    client.force_login(employee_a)
    # The middleware activates English in this thread: put the previous language back.
    with time_machine.travel(BEFORE, tick=False), translation.override("fr"):
        page = client.get(_url(consultation), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The room opens at 08:45" in page
    assert "Test my camera and microphone" in page

"""Rescheduling: the employee moves her consultation to another free slot of the same
practitioner until the cancellation notice; the same row moves (history, object
permissions kept) and both get the event again, same UID, higher SEQUENCE."""

from datetime import UTC, date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from icalendar import Calendar

from consultations import services
from consultations.access import is_participant, may_cancel
from consultations.exceptions import BookingRefused, IllegalTransition, SlotTaken
from consultations.ics import event_uid
from consultations.models import Consultation, StatusChange
from tests.consultations.conftest import NOW, open_weekdays, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
THURSDAY_9 = paris(2026, 3, 5, 9)
FRIDAY_10 = paris(2026, 3, 6, 10)


@pytest.fixture
def thursday(employee_a, p_open):
    return book(employee_a, p_open, at=THURSDAY_9, now=NOW)


def _row(consultation):
    return Consultation.objects.filter(pk=consultation.pk).values().get()


def _move(actor, consultation, at, now=NOW):
    return services.consultation_reschedule(
        actor=actor, consultation=consultation, scheduled_at=at, now=now
    )


def test_the_same_consultation_moves_and_keeps_its_history_and_permissions(
    employee_a, p_open, thursday
):
    moved = _move(employee_a, thursday, FRIDAY_10)
    moved.refresh_from_db()
    assert moved.pk == thursday.pk and Consultation.objects.count() == 1
    assert moved.scheduled_at == FRIDAY_10
    assert moved.scheduled_end == FRIDAY_10 + timedelta(minutes=50)
    assert moved.status == "scheduled" and moved.ics_sequence == 1
    first, second = moved.status_changes.all()
    assert (first.from_status, first.to_status) == ("", "scheduled")
    assert (second.from_status, second.to_status, second.note) == (
        "scheduled",
        "scheduled",
        StatusChange.Note.RESCHEDULED,
    )
    assert second.previous_scheduled_at == THURSDAY_9 and second.actor == employee_a
    assert is_participant(employee_a, moved) and is_participant(p_open, moved)
    assert may_cancel(employee_a, moved)


def test_the_old_slot_is_free_again_and_the_new_one_taken(employee_a, employee_b, p_open, thursday):
    _move(employee_a, thursday, FRIDAY_10)
    other = book(employee_b, p_open, at=THURSDAY_9, now=NOW)
    assert other.scheduled_at == THURSDAY_9
    with pytest.raises(SlotTaken):
        book(employee_b, p_open, at=FRIDAY_10, now=NOW)


def test_it_may_move_onto_a_slot_overlapping_its_own_time(employee_a, p_open, thursday):
    services.availability_exception_add(
        actor=p_open,
        kind="open",
        day=date(2026, 3, 5),
        start_time=time(9, 30),
        end_time=time(10, 20),
    )
    moved = _move(employee_a, thursday, paris(2026, 3, 5, 9, 30))
    assert moved.scheduled_at == paris(2026, 3, 5, 9, 30)


def test_a_taken_slot_is_refused_and_nothing_changes(employee_a, employee_b, p_open, thursday):
    book(employee_b, p_open, at=FRIDAY_10, now=NOW)
    before = _row(thursday)
    with pytest.raises(SlotTaken) as refused:
        _move(employee_a, thursday, FRIDAY_10)
    assert refused.value.http_status == 409
    assert _row(thursday) == before and thursday.status_changes.count() == 1


@pytest.mark.parametrize(
    "at,code",
    [
        (paris(2026, 3, 6, 10, 20), "not_a_slot"),
        (THURSDAY_9, "same_slot"),
        (paris(2026, 3, 2, 11), "too_soon"),
        (paris(2026, 6, 1, 10), "too_far"),
    ],
)
def test_a_time_that_is_not_a_bookable_slot_is_refused(employee_a, thursday, at, code):
    before = _row(thursday)
    with pytest.raises(BookingRefused) as refused:
        _move(employee_a, thursday, at)
    assert refused.value.code == code
    assert _row(thursday) == before


def test_within_the_notice_it_can_no_longer_move(employee_a, thursday):
    before = _row(thursday)
    with pytest.raises(IllegalTransition) as refused:
        _move(employee_a, thursday, FRIDAY_10, now=THURSDAY_9 - timedelta(hours=23))
    assert refused.value.current_status == "scheduled"
    assert _row(thursday) == before


def test_a_cancelled_one_cannot_move(employee_a, thursday):
    services.consultation_cancel(actor=employee_a, consultation=thursday, now=NOW)
    with pytest.raises(IllegalTransition):
        _move(employee_a, thursday, FRIDAY_10)


@pytest.mark.parametrize(
    "who", ["practitioner_p", "employee_b", "practitioner_q", "hr_acme", "staff_r2", "superuser"]
)
def test_only_its_employee_moves_it(cast, p_open, thursday, who):
    before = _row(thursday)
    with pytest.raises(PermissionDenied):
        _move(cast[who], thursday, FRIDAY_10)
    assert _row(thursday) == before


def test_both_get_the_updated_event_same_uid_higher_sequence(
    employee_a, p_open, thursday, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _move(employee_a, thursday, FRIDAY_10)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee_a.email, p_open.email])
    for message in mail.outbox:
        assert message.subject == "Rendez-vous HuntZen Care déplacé"
        [(_name, content, _type)] = message.attachments
        calendar = Calendar.from_ical(content)
        assert calendar["METHOD"] == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert event["UID"] == event_uid(thursday)
        assert int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == FRIDAY_10
    by = {m.to[0]: m.body for m in mail.outbox}
    assert "Votre rendez-vous HuntZen Care est déplacé" in by[employee_a.email]
    assert "Le salarié a déplacé son rendez-vous" in by[p_open.email]
    assert "jeudi 5 mars 2026, 09:00" in by[employee_a.email]  # the former time


def test_a_later_cancellation_carries_the_next_sequence(
    employee_a, thursday, django_capture_on_commit_callbacks
):
    _move(employee_a, thursday, FRIDAY_10)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_cancel(actor=employee_a, consultation=thursday, now=NOW)
    [event] = Calendar.from_ical(mail.outbox[0].attachments[0][1]).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 2 and event["UID"] == event_uid(thursday)


def test_the_reminders_go_out_again_for_the_new_time(employee_a, thursday):
    Consultation.objects.filter(pk=thursday.pk).update(reminder_24h_sent_at=NOW)
    thursday.refresh_from_db()
    moved = _move(employee_a, thursday, FRIDAY_10)
    moved.refresh_from_db()
    assert moved.reminder_24h_sent_at is None


# --- Portal -----------------------------------------------------------------------


def test_the_employee_moves_it_from_the_portal(client, employee_a, thursday):
    client.force_login(employee_a)
    url = reverse("consultations:reschedule", args=[thursday.pk])
    with time_machine.travel(NOW, tick=False):
        detail = client.get(reverse("consultations:detail", args=[thursday.pk])).content.decode()
        page = client.get(url + "?week=0")
        response = client.post(url, {"start": FRIDAY_10.isoformat()})
    assert url in detail
    assert page.status_code == 200
    assert FRIDAY_10.astimezone(UTC).isoformat() in page.content.decode()
    assert THURSDAY_9.astimezone(UTC).isoformat() not in page.content.decode()  # its own
    assert response.status_code == 302
    thursday.refresh_from_db()
    assert thursday.scheduled_at == FRIDAY_10


def test_a_taken_slot_on_the_portal_is_409_and_nothing_moves(
    client, employee_a, employee_b, p_open, thursday
):
    book(employee_b, p_open, at=FRIDAY_10, now=NOW)
    client.force_login(employee_a)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("consultations:reschedule", args=[thursday.pk]),
            {"start": FRIDAY_10.isoformat()},
        )
    assert response.status_code == 409
    assert "plus disponible" in response.content.decode()
    thursday.refresh_from_db()
    assert thursday.scheduled_at == THURSDAY_9


def test_a_malformed_start_on_the_portal_is_400(client, employee_a, thursday):
    client.force_login(employee_a)
    before = _row(thursday)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("consultations:reschedule", args=[thursday.pk]), {"start": "soon"}
        )
    assert response.status_code == 400
    assert _row(thursday) == before


def test_within_the_notice_the_portal_offers_no_move(client, employee_a, thursday):
    client.force_login(employee_a)
    with time_machine.travel(THURSDAY_9 - timedelta(hours=2), tick=False):
        detail = client.get(reverse("consultations:detail", args=[thursday.pk])).content.decode()
        page = client.get(reverse("consultations:reschedule", args=[thursday.pk]))
    assert reverse("consultations:reschedule", args=[thursday.pk]) not in detail
    assert page.status_code == 403


@pytest.mark.parametrize(
    "who,status",
    [("practitioner_p", 403), ("staff_r2", 403), ("employee_b", 404), ("hr_acme", 404)],
)
def test_others_do_not_reach_the_portal_page(client, cast, thursday, who, status):
    client.force_login(cast[who])
    url = reverse("consultations:reschedule", args=[thursday.pk])
    with time_machine.travel(NOW, tick=False):
        assert client.get(url).status_code == status
        assert client.post(url, {"start": FRIDAY_10.isoformat()}).status_code == status
    thursday.refresh_from_db()
    assert thursday.scheduled_at == THURSDAY_9


# --- API --------------------------------------------------------------------------


def _api(api_client, user, consultation, body, now=NOW):
    api_client.force_authenticate(user)
    with time_machine.travel(now, tick=False):
        return api_client.post(
            f"/api/v1/consultations/{consultation.pk}/reschedule", body, format="json"
        )


def test_the_api_moves_it(api_client, employee_a, thursday):
    response = _api(api_client, employee_a, thursday, {"scheduledAt": FRIDAY_10.isoformat()})
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == str(thursday.pk)
    assert response.json()["scheduledAt"].startswith("2026-03-06T")


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "scheduledAt"),
        ({"scheduledAt": "tomorrow"}, "scheduledAt"),
        ({"scheduledAt": FRIDAY_10.isoformat(), "x": 1}, "x"),
    ],
)
def test_the_api_refuses_a_bad_body_with_400(api_client, employee_a, thursday, body, field):
    before = _row(thursday)
    response = _api(api_client, employee_a, thursday, body)
    assert response.status_code == 400 and field in response.json()["fields"]
    assert _row(thursday) == before


def test_the_api_refuses_a_time_that_is_no_slot_with_400(api_client, employee_a, thursday):
    response = _api(api_client, employee_a, thursday, {"scheduledAt": "2026-03-06T10:20:00+01:00"})
    assert response.status_code == 400 and response.json()["code"] == "not_a_slot"


def test_the_api_answers_409_for_a_taken_slot_or_within_the_notice(
    api_client, employee_a, employee_b, p_open, thursday
):
    book(employee_b, p_open, at=FRIDAY_10, now=NOW)
    taken = _api(api_client, employee_a, thursday, {"scheduledAt": FRIDAY_10.isoformat()})
    assert taken.status_code == 409 and taken.json()["code"] == "slot_taken"
    late = _api(
        api_client,
        employee_a,
        thursday,
        {"scheduledAt": paris(2026, 3, 6, 11).isoformat()},
        now=THURSDAY_9 - timedelta(hours=1),
    )
    assert late.status_code == 409 and late.json()["currentStatus"] == "scheduled"
    thursday.refresh_from_db()
    assert thursday.scheduled_at == THURSDAY_9


@pytest.mark.parametrize(
    "who,status",
    [
        ("practitioner_p", 403),
        ("staff_r2", 403),
        ("employee_b", 404),
        ("practitioner_q", 404),
        ("hr_acme", 404),
    ],
)
def test_the_api_refuses_others(api_client, cast, thursday, who, status):
    response = _api(api_client, cast[who], thursday, {"scheduledAt": FRIDAY_10.isoformat()})
    assert response.status_code == status
    thursday.refresh_from_db()
    assert thursday.scheduled_at == THURSDAY_9


def test_the_schema_documents_every_status(api_client, staff_r2):
    api_client.force_authenticate(staff_r2)
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/consultations/{id}/reschedule"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])


def test_the_employee_cannot_move_onto_her_own_other_consultation(
    employee_a, practitioner_q, thursday
):
    open_weekdays(practitioner_q)
    book(employee_a, practitioner_q, at=FRIDAY_10, now=NOW)
    before = _row(thursday)
    with pytest.raises(BookingRefused) as refused:
        _move(employee_a, thursday, FRIDAY_10)
    assert refused.value.code == "employee_busy" and refused.value.http_status == 409
    assert _row(thursday) == before

"""The start window (consultations.room): from the room's opening, 15 minutes before
the planned start, to the planned end plus HUNTZEN_START_GRACE_MINUTES; later only a
no-show or a cancellation. The service, the portal and the API answer the same rule."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from consultations import room, services
from consultations.exceptions import IllegalTransition
from consultations.models import Consultation
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
Status = Consultation.Status
TUESDAY_9 = paris(2026, 3, 3, 9)  # 50 minutes: ends 09:50
SECOND = timedelta(seconds=1)


@pytest.fixture
def consultation(employee_a, p_open):
    return book(employee_a, p_open, at=TUESDAY_9, now=NOW)


def _start(practitioner, consultation, at):
    with time_machine.travel(at, tick=False), translation.override("fr"):
        return services.consultation_start(actor=practitioner, consultation=consultation)


def _refused(practitioner, consultation, at):
    with pytest.raises(IllegalTransition) as error:
        _start(practitioner, consultation, at)
    consultation.refresh_from_db()
    assert consultation.status == Status.SCHEDULED and consultation.started_at is None
    assert error.value.current_status == Status.SCHEDULED
    assert not consultation.status_changes.filter(to_status=Status.IN_PROGRESS).exists()
    return error.value


def test_the_window_opens_15_minutes_before_and_closes_after_the_grace(consultation, settings):
    settings.HUNTZEN_START_GRACE_MINUTES = 15
    assert room.opens_at(consultation) == paris(2026, 3, 3, 8, 45)
    assert room.closes_at(consultation) == paris(2026, 3, 3, 10, 5)
    settings.HUNTZEN_START_GRACE_MINUTES = 0  # read at call time
    assert room.closes_at(consultation) == paris(2026, 3, 3, 9, 50)


def test_a_start_one_second_before_the_room_opens_is_refused(p_open, consultation):
    refusal = _refused(p_open, consultation, paris(2026, 3, 3, 8, 45) - SECOND)
    assert refusal.http_status == 409 and refusal.code == "illegal_transition"
    assert "08:45" in refusal.message
    body = refusal.body()
    assert body["currentStatus"] == "scheduled"
    assert body["opensAt"].startswith("2026-03-03T08:45:00")
    assert body["closesAt"].startswith("2026-03-03T10:05:00")


def test_a_start_when_the_room_opens_is_recorded(p_open, consultation):
    started = _start(p_open, consultation, paris(2026, 3, 3, 8, 45))
    assert started.status == Status.IN_PROGRESS
    assert started.started_at == paris(2026, 3, 3, 8, 45)
    assert started.status_changes.filter(to_status=Status.IN_PROGRESS, actor=p_open).exists()


def test_a_start_one_second_before_the_grace_ends_is_allowed(p_open, consultation, settings):
    settings.HUNTZEN_START_GRACE_MINUTES = 15
    started = _start(p_open, consultation, paris(2026, 3, 3, 10, 5) - SECOND)
    assert started.status == Status.IN_PROGRESS


def test_a_start_when_the_grace_ends_is_refused(p_open, consultation, settings):
    settings.HUNTZEN_START_GRACE_MINUTES = 15
    refusal = _refused(p_open, consultation, paris(2026, 3, 3, 10, 5))
    assert "10:05" in refusal.message and "absence" in refusal.message


def test_the_grace_is_a_setting(p_open, consultation, settings):
    settings.HUNTZEN_START_GRACE_MINUTES = 0
    _refused(p_open, consultation, paris(2026, 3, 3, 9, 50))
    settings.HUNTZEN_START_GRACE_MINUTES = 60
    assert _start(p_open, consultation, paris(2026, 3, 3, 10, 49)).status == Status.IN_PROGRESS


def test_three_days_later_only_a_no_show_remains(p_open, consultation):
    later = TUESDAY_9 + timedelta(days=3)
    _refused(p_open, consultation, later)
    with time_machine.travel(later, tick=False):
        marked = services.consultation_mark_no_show(actor=p_open, consultation=consultation)
    assert marked.status == Status.NO_SHOW


def test_the_api_answers_409_with_the_status_and_the_times(p_open, consultation, api_client):
    api_client.force_authenticate(p_open)
    with time_machine.travel(TUESDAY_9 + timedelta(days=3), tick=False):
        response = api_client.post(
            reverse("api-consultation-start", args=[consultation.pk]), {}, format="json"
        )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert body["currentStatus"] == "scheduled"
    assert body["opensAt"].startswith("2026-03-03T08:45:00")
    assert body["closesAt"].startswith("2026-03-03T10:05:00")
    consultation.refresh_from_db()
    assert consultation.status == Status.SCHEDULED


def test_the_portal_button_follows_the_same_rule(p_open, consultation, client):
    from consultations.selectors import consultation_actions

    for at, allowed in [
        (paris(2026, 3, 3, 8, 45) - SECOND, False),
        (paris(2026, 3, 3, 8, 45), True),
        (paris(2026, 3, 3, 10, 5) - SECOND, True),
        (paris(2026, 3, 3, 10, 5), False),
    ]:
        actions = consultation_actions(user=p_open, consultation=consultation, now=at)
        assert actions.can_start is allowed, at

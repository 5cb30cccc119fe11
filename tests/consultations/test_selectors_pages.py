"""consultations.selectors behind the portal pages: the agenda, the slot picker's week,
what one user may do on a consultation's page, the availability overview."""

from datetime import date, timedelta

import pytest
import time_machine
from django.test import override_settings

from consultations import selectors, services
from consultations.forms import AgendaForm
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)


def _pks(days):
    return [(day, [c.pk for c in consultations]) for day, consultations in days]


def test_the_agenda_week_groups_by_paris_day_across_the_clock_change(employee_a, p_open):
    # 29 March 2026: clocks go forward in Paris; the week is Monday 23 to Sunday 29.
    monday = book(employee_a, p_open, at=paris(2026, 3, 23, 9))
    sunday_night = book(employee_a, p_open, at=paris(2026, 3, 29, 23))
    book(employee_a, p_open, at=paris(2026, 3, 30, 0, 10))  # the next week
    agenda = selectors.agenda_period(p_open, day=date(2026, 3, 26), week=True)
    assert agenda.period == "week" and agenda.first == date(2026, 3, 23)
    days = _pks(agenda.days)
    assert [day for day, _pks_ in days] == [date(2026, 3, 23) + timedelta(n) for n in range(7)]
    assert days[0][1] == [monday.pk] and days[6][1] == [sunday_night.pk]
    assert sum(len(pks) for _day, pks in days) == 2
    assert (agenda.previous, agenda.next) == (date(2026, 3, 16), date(2026, 3, 30))


def test_the_agenda_day_holds_that_day_only(employee_a, employee_b, p_open, practitioner_q):
    mine = book(employee_a, p_open, at=TUESDAY_9)
    book(employee_b, p_open, at=paris(2026, 3, 4, 9))
    agenda = selectors.agenda_period(p_open, day=date(2026, 3, 3), week=False)
    assert _pks(agenda.days) == [(date(2026, 3, 3), [mine.pk])]
    assert (agenda.previous, agenda.next) == (date(2026, 3, 2), date(2026, 3, 4))
    empty = selectors.agenda_period(practitioner_q, day=date(2026, 3, 3), week=False)
    assert _pks(empty.days) == [(date(2026, 3, 3), [])]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, (date(2026, 3, 2), False)),
        ({"view": "week", "day": "2026-03-10"}, (date(2026, 3, 10), True)),
        ({"view": "month", "day": "2026-03-10"}, (date(2026, 3, 10), False)),
        ({"view": "week", "day": "10/03/2026"}, (date(2026, 3, 2), True)),
    ],
)
def test_the_agenda_query_falls_back_to_today_and_the_day_view(frozen, query, expected):
    assert AgendaForm(query).period() == expected


@override_settings(HUNTZEN_BOOKING_HORIZON_WEEKS=2)
def test_the_slot_week_stays_between_this_week_and_the_horizon(frozen, p_open):
    this_week = selectors.slot_week(practitioner=p_open, week=-3)
    assert (this_week.week, this_week.previous_week, this_week.next_week) == (0, None, 1)
    assert this_week.days[0][0] == date(2026, 3, 2) and len(this_week.days) == 7
    assert this_week.has_slots
    last = selectors.slot_week(practitioner=p_open, week=99)
    assert (last.week, last.previous_week, last.next_week) == (2, 1, None)


def test_the_slot_week_puts_each_slot_on_its_paris_day(frozen, p_open):
    week = selectors.slot_week(practitioner=p_open, week=0)
    for day, slots in week.days:
        assert all(slot.start.astimezone(paris(2026, 1, 1).tzinfo).date() == day for slot in slots)
    assert [len(slots) for _day, slots in week.days] == [0, 3, 3, 3, 3, 0, 0]


@pytest.fixture
def consultation(employee_a, p_open):
    return book(employee_a, p_open, at=TUESDAY_9, now=NOW)


def test_the_employee_may_cancel_before_the_start_and_nothing_else(consultation, employee_a):
    actions = selectors.consultation_actions(
        user=employee_a, consultation=consultation, now=TUESDAY_9 - timedelta(hours=1)
    )
    assert actions == selectors.ConsultationActions(
        is_participant=True, is_employee=True, can_cancel=True
    )


def test_the_practitioner_may_start_when_the_room_opens(consultation, p_open):
    early = selectors.consultation_actions(
        user=p_open, consultation=consultation, now=TUESDAY_9 - timedelta(minutes=15, seconds=1)
    )
    assert not early.can_start
    actions = selectors.consultation_actions(
        user=p_open, consultation=consultation, now=TUESDAY_9 - timedelta(minutes=15)
    )
    assert actions == selectors.ConsultationActions(
        is_participant=True,
        is_practitioner=True,
        room_open=True,
        can_cancel=True,
        can_start=True,
    )


def test_after_the_start_the_practitioner_may_declare_a_no_show(consultation, p_open, employee_a):
    at = TUESDAY_9 + timedelta(minutes=5)
    practitioner = selectors.consultation_actions(user=p_open, consultation=consultation, now=at)
    assert practitioner.can_mark_no_show and practitioner.can_start
    assert not practitioner.can_cancel
    employee = selectors.consultation_actions(user=employee_a, consultation=consultation, now=at)
    assert not (employee.can_mark_no_show or employee.can_start or employee.can_cancel)


def test_only_the_practitioner_may_end_it(consultation, p_open, employee_a):
    services.consultation_start(actor=p_open, consultation=consultation, now=TUESDAY_9)
    consultation.refresh_from_db()
    at = TUESDAY_9 + timedelta(minutes=30)
    assert selectors.consultation_actions(user=p_open, consultation=consultation, now=at).can_end
    employee = selectors.consultation_actions(user=employee_a, consultation=consultation, now=at)
    assert not employee.can_end and employee.room_open


@pytest.mark.parametrize(
    "who", ["employee_b", "practitioner_q", "hr_acme", "staff_r2", "operator_r1", "superuser"]
)
def test_anyone_else_may_do_nothing(cast, consultation, who):
    actions = selectors.consultation_actions(
        user=cast[who], consultation=consultation, now=TUESDAY_9 + timedelta(minutes=5)
    )
    assert actions == selectors.ConsultationActions()


def test_the_availability_overview_of_a_practitioner_without_one(practitioner_q):
    assert selectors.availability_overview(practitioner_q) == selectors.AvailabilityOverview(
        None, [], [], []
    )


def test_the_availability_overview_shows_what_is_to_come(p_open):
    with time_machine.travel(NOW, tick=False):
        services.availability_exception_add(actor=p_open, kind="closed", day=date(2026, 3, 1))
        [coming] = services.availability_exception_add(
            actor=p_open, kind="closed", day=date(2026, 3, 4)
        )
        overview = selectors.availability_overview(p_open)
    assert len(overview.openings) == 5
    assert overview.exceptions == [coming]
    assert len(overview.preview) == 3 * 3 + 1  # Tue, Thu, Fri, and Monday 9:00 (< 7 days)
    assert all(slot.start.date() != date(2026, 3, 4) for slot in overview.preview)

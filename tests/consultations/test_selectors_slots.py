from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.test import override_settings

from consultations import selectors, services
from consultations.models import AvailabilityException
from tests.consultations.conftest import NOW, open_weekdays, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db


def _starts(practitioner, start, end, now=NOW):
    return [
        s.start
        for s in selectors.practitioner_slots(
            practitioner=practitioner, start=start, end=end, now=now
        )
    ]


def test_weekly_hours_are_cut_by_length_and_buffer(p_open):
    day = paris(2026, 3, 3)  # Tuesday
    assert _starts(p_open, day, day + timedelta(days=1)) == [
        paris(2026, 3, 3, 9),
        paris(2026, 3, 3, 10),
        paris(2026, 3, 3, 11),
    ]


def test_a_window_shorter_than_a_consultation_offers_nothing(practitioner_p):
    open_weekdays(practitioner_p, start=time(9), end=time(9, 45))
    assert _starts(practitioner_p, paris(2026, 3, 3), paris(2026, 3, 4)) == []


def test_slots_end_after_length(p_open):
    slot = selectors.practitioner_slots(
        practitioner=p_open, start=paris(2026, 3, 3), end=paris(2026, 3, 4), now=NOW
    )[0]
    assert slot.end - slot.start == timedelta(minutes=50)


def test_weekends_are_closed(p_open):
    assert _starts(p_open, paris(2026, 3, 7), paris(2026, 3, 9)) == []


def test_no_availability_means_no_slots(practitioner_q):
    assert _starts(practitioner_q, paris(2026, 3, 3), paris(2026, 3, 10)) == []


def test_slots_closer_than_the_notice_are_not_offered(p_open):
    # NOW is Monday 10:00; notice 2 h: Monday's 9:00 and 10:00 are gone, 11:00 closed.
    assert _starts(p_open, paris(2026, 3, 2), paris(2026, 3, 3)) == []
    with override_settings(HUNTZEN_BOOKING_NOTICE_MINUTES=0):
        assert _starts(p_open, paris(2026, 3, 2), paris(2026, 3, 3)) == [
            paris(2026, 3, 2, 10),
            paris(2026, 3, 2, 11),
        ]


def test_slots_beyond_the_horizon_are_not_offered(p_open):
    with override_settings(HUNTZEN_BOOKING_HORIZON_WEEKS=1):
        starts = _starts(p_open, paris(2026, 3, 2), paris(2026, 4, 30))
    assert starts and max(starts) < NOW + timedelta(weeks=1)


def test_a_booked_consultation_and_its_buffer_remove_slots(p_open, employee_a):
    open_weekdays(p_open, start=time(9), end=time(13), length=50, buffer=10)
    book(employee_a, p_open, at=paris(2026, 3, 3, 10), now=NOW)
    assert _starts(p_open, paris(2026, 3, 3), paris(2026, 3, 4)) == [
        paris(2026, 3, 3, 9),
        paris(2026, 3, 3, 11),
        paris(2026, 3, 3, 12),
    ]


def test_buffer_blocks_a_slot_touching_a_consultation(p_open, employee_a):
    # An extra slot at 8:05 ends at 8:55; 9:00 starts within 10 min of its end.
    services.availability_exception_add(
        actor=p_open,
        kind="open",
        day=date(2026, 3, 3),
        start_time=time(8, 5),
        end_time=time(8, 55),
    )
    book(employee_a, p_open, at=paris(2026, 3, 3, 8, 5), now=NOW)
    assert paris(2026, 3, 3, 9) not in _starts(p_open, paris(2026, 3, 3), paris(2026, 3, 4))


def test_a_cancelled_consultation_frees_its_slot(p_open, employee_a):
    consultation = book(employee_a, p_open, at=paris(2026, 3, 3, 10), now=NOW)
    services.consultation_cancel(actor=employee_a, consultation=consultation, now=NOW)
    assert paris(2026, 3, 3, 10) in _starts(p_open, paris(2026, 3, 3), paris(2026, 3, 4))


def test_a_day_off_closes_the_day(p_open):
    services.availability_exception_add(actor=p_open, kind="closed", day=date(2026, 3, 3))
    assert _starts(p_open, paris(2026, 3, 3), paris(2026, 3, 4)) == []


def test_days_off_over_a_period(p_open):
    services.availability_exception_add(
        actor=p_open, kind="closed", day=date(2026, 3, 3), until=date(2026, 3, 5)
    )
    starts = _starts(p_open, paris(2026, 3, 3), paris(2026, 3, 7))
    assert {s.date() for s in starts} == {date(2026, 3, 6)}


def test_closed_hours_remove_only_those_hours(p_open):
    services.availability_exception_add(
        actor=p_open,
        kind="closed",
        day=date(2026, 3, 3),
        start_time=time(9),
        end_time=time(10),
    )
    assert _starts(p_open, paris(2026, 3, 3), paris(2026, 3, 4)) == [
        paris(2026, 3, 3, 10),
        paris(2026, 3, 3, 11),
    ]


def test_an_extra_opening_adds_slots_even_on_a_weekend(p_open):
    services.availability_exception_add(
        actor=p_open,
        kind="open",
        day=date(2026, 3, 7),
        start_time=time(14),
        end_time=time(16),
    )
    assert _starts(p_open, paris(2026, 3, 7), paris(2026, 3, 8)) == [
        paris(2026, 3, 7, 14),
        paris(2026, 3, 7, 15),
    ]


def test_hours_stay_at_the_same_local_time_across_daylight_saving(p_open):
    # Paris moves from UTC+1 to UTC+2 on Sunday 29 March 2026.
    before = _starts(p_open, paris(2026, 3, 27), paris(2026, 3, 28))
    after = _starts(p_open, paris(2026, 3, 30), paris(2026, 3, 31))
    assert before[0] == datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    assert after[0] == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert [s.astimezone(paris(2026, 1, 1).tzinfo).time() for s in after] == [
        time(9),
        time(10),
        time(11),
    ]


def test_the_autumn_change_keeps_local_times(p_open):
    now = paris(2026, 10, 20, 8)
    starts = _starts(p_open, paris(2026, 10, 26), paris(2026, 10, 27), now=now)
    assert starts[0] == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # 09:00 at UTC+1


def test_a_wall_time_that_does_not_exist_is_skipped(practitioner_p):
    # 02:00-03:00 does not exist in Paris on 29 March 2026.
    services.availability_update(actor=practitioner_p, length_minutes=30, buffer_minutes=0)
    services.availability_exception_add(
        actor=practitioner_p,
        kind="open",
        day=date(2026, 3, 29),
        start_time=time(1, 30),
        end_time=time(4, 0),
    )
    starts = _starts(practitioner_p, paris(2026, 3, 29), paris(2026, 3, 30))
    assert [s.astimezone(paris(2026, 1, 1).tzinfo).strftime("%H:%M") for s in starts] == [
        "01:30",
        "03:00",
        "03:30",
    ]


def test_the_practitioners_time_zone_is_used(practitioner_p):
    open_weekdays(practitioner_p, time_zone="America/New_York")
    starts = _starts(practitioner_p, paris(2026, 3, 3), paris(2026, 3, 4, 23))
    assert starts[0] == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 09:00 in New York


def test_other_statuses_still_block(p_open, employee_a):
    # A held (completed) consultation keeps its time: nobody else can be booked over it.
    from tests.consultations.factories import completed

    completed(employee_a, p_open, at=paris(2026, 3, 3, 10))
    assert paris(2026, 3, 3, 10) not in _starts(
        p_open, paris(2026, 3, 3), paris(2026, 3, 4), now=paris(2026, 3, 1)
    )


def test_a_year_of_history_costs_a_fixed_number_of_queries(
    p_open, employee_a, employee_b, django_assert_max_num_queries
):
    with override_settings(HUNTZEN_BOOKING_NOTICE_MINUTES=0):
        for week in range(10):
            book(
                employee_a if week % 2 else employee_b,
                p_open,
                at=paris(2025, 6, 3, 9) + timedelta(weeks=week),
            )
    with django_assert_max_num_queries(4):
        slots = selectors.practitioner_slots(
            practitioner=p_open, start=NOW, end=NOW + timedelta(weeks=8), now=NOW
        )
    # Three a weekday from Tuesday for 8 weeks, and the last Monday's 9:00 (before 10:00).
    assert len(slots) == 3 * 5 * 8 - 3 + 1


def test_exception_kinds_validated(p_open):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.availability_exception_add(actor=p_open, kind="open", day=date(2026, 3, 3))
    with pytest.raises(ValidationError):
        services.availability_exception_add(
            actor=p_open,
            kind="closed",
            day=date(2026, 3, 3),
            start_time=time(10),
            end_time=time(9),
        )
    assert not AvailabilityException.objects.exists()


@pytest.mark.parametrize("time_zone", ["Europe/Paris", "America/New_York"])
def test_a_slot_is_offered_exactly_when_the_days_slots_list_it(practitioner_p, time_zone):
    """slot_is_offered (booking) answers without listing the day's slots: the same
    answer as opening_slots for every 5 minutes of a week holding both clock changes'
    days, closed hours, a day off and an extra opening through the skipped hour."""
    services.availability_update(
        actor=practitioner_p, time_zone=time_zone, length_minutes=35, buffer_minutes=10
    )
    services.weekly_hours_set(
        actor=practitioner_p,
        openings=[(day, time(0, 30), time(3, 50)) for day in range(7)]
        + [(day, time(9, 5), time(12)) for day in range(7)]
        + [(0, time(12, 30), time(14, 20))],
    )
    for day, kind, start, end in [
        (date(2026, 3, 8), "open", time(1, 40), time(4, 30)),
        (date(2026, 3, 29), "open", time(1, 40), time(4, 30)),
        (date(2026, 3, 30), "closed", time(10), time(11)),
        (date(2026, 10, 25), "closed", time(9), time(10)),
        (date(2026, 10, 26), "closed", None, None),
        (date(2026, 11, 1), "open", time(0), time(3)),
    ]:
        services.availability_exception_add(
            actor=practitioner_p, kind=kind, day=day, start_time=start, end_time=end
        )
    availability = selectors.availability_for(practitioner_p)
    for first in (date(2026, 3, 7), date(2026, 3, 28), date(2026, 10, 24), date(2026, 10, 31)):
        start = datetime.combine(first, time(0), tzinfo=UTC)
        end = start + timedelta(days=3)
        listed = {
            s.start
            for s in selectors.opening_slots(availability=availability, start=start, end=end)
        }
        assert listed
        at = start
        while at < end:
            assert selectors.slot_is_offered(availability=availability, start=at) == (
                at in listed
            ), at
            at += timedelta(minutes=5)

"""Complementary suppression (metrics.suppression): each rule on its own, then the whole
of what serves HR (metrics.selectors.report_from_rows, the CSV) against a brute-force
attacker that solves the linear relations of every request one HR user can make.
No database: the company's day rows and who consulted on each day are plain data."""

import random
from datetime import date, timedelta

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companies.models import Company
from metrics.exports import company_report_csv
from metrics.periods import Granularity, Period, calendar_month, iso_week
from metrics.selectors import DayRow, report_buckets, report_from_rows
from metrics.small_groups import Hidden
from metrics.suppression import Cell, has_edge_days, inside_weeks, withheld
from tests.metrics.attacker import Observations, days_between, leaks, requests

MARCH = calendar_month(date(2026, 3, 1))  # Sunday 1st to Tuesday 31st: edge days both ends
W10, W11, W12, W13 = inside_weeks(MARCH)
W9 = iso_week(date(2026, 3, 1))  # 23 February - 1 March
W14 = iso_week(date(2026, 3, 31))  # 30 March - 5 April
FEB_2027 = calendar_month(date(2027, 2, 1))  # Monday 1st to Sunday 28th: no edge days


def table(month, month_cell, *week_cells):
    return {month: month_cell, **dict(zip(inside_weeks(month), week_cells, strict=True))}


BIG = Cell(consultations=40, small=False)


# --- Each rule -----------------------------------------------------------------------


def test_the_tables_are_the_calendars():
    assert (W10.start, W13.end) == (date(2026, 3, 2), date(2026, 3, 29))
    assert has_edge_days(MARCH) and not has_edge_days(FEB_2027)
    assert len(inside_weeks(FEB_2027)) == 4


@pytest.mark.parametrize("value", [0, 1, 4])
def test_a_small_bucket_is_withheld_whatever_its_value(value):
    cells = table(MARCH, BIG, BIG, Cell(value, small=True), Cell(30, False), Cell(35, False))
    assert W11 in withheld(cells)


def test_a_small_week_takes_the_smallest_shown_week_of_its_month_as_partner():
    cells = table(MARCH, BIG, Cell(12, False), Cell(3, True), Cell(9, False), Cell(15, False))
    assert withheld(cells) == {W11, W12}


def test_a_partner_has_consultations_so_withheld_figures_never_add_up_to_zero():
    """Two empty weeks withheld together would both read 0 from the month's total."""
    cells = table(MARCH, BIG, Cell(0, True), Cell(0, True), Cell(9, False), Cell(15, False))
    assert withheld(cells) == {W10, W11, W12}


def test_two_small_weeks_with_consultations_partner_each_other():
    cells = table(MARCH, BIG, Cell(12, False), Cell(3, True), Cell(9, False), Cell(2, True))
    assert withheld(cells) == {W11, W13}


def test_a_month_with_edge_days_always_withholds_a_bucket():
    """Else the month minus its weeks gives its edge days, and along the chain of
    straddling weeks, single days."""
    cells = table(MARCH, BIG, Cell(12, False), Cell(8, False), Cell(9, False), Cell(15, False))
    assert withheld(cells) == {W11}


def test_a_month_without_edge_days_shows_everything_when_nothing_is_small():
    cells = table(FEB_2027, BIG, BIG, BIG, BIG, BIG)
    assert withheld(cells) == set()


def test_a_straddling_week_is_judged_on_its_own_group():
    assert withheld({W14: Cell(2, True), W9: Cell(40, False)}) == {W14}


def test_a_bucket_depends_on_its_own_months_table_only():
    cells = table(MARCH, BIG, Cell(12, False), Cell(3, True), Cell(9, False), Cell(15, False))
    april = calendar_month(date(2026, 4, 1))
    more = {**cells, **table(april, BIG, Cell(1, True), BIG, BIG), W14: Cell(2, True)}
    assert withheld(more) & set(cells) == withheld(cells)


def test_a_week_inside_a_month_needs_its_months_table():
    with pytest.raises(ValueError):
        withheld({W11: Cell(3, True)})


def test_hr_never_gets_a_day():
    with pytest.raises(ValueError):
        report_buckets(MARCH, Granularity.DAY, protect=True, until=None)
    assert len(report_buckets(MARCH, Granularity.DAY, protect=False, until=None)) == 31


# --- Against the attacker -------------------------------------------------------------

# First months of the worlds: every weekday a month can start on, including months that
# start on a Monday (June 2026, February and March 2027), where chains of straddling
# weeks begin.
FIRST_MONTHS = [date(2026, month, 1) for month in range(1, 13)] + [
    date(2027, 2, 1),
    date(2027, 3, 1),
]


class World:
    """A small company's consultations, day by day, and what HR reads of them."""

    def __init__(self, *, first, months, joined, people, threshold):
        self.first = first  # first day of the data
        self.joined = joined  # days before: known empty
        self.horizon = first
        for _ in range(months):
            self.horizon = calendar_month(self.horizon).end + timedelta(days=1)
        self.horizon -= timedelta(days=1)  # the last published day
        self.people = people  # day -> {employee: consultations}
        self.threshold = threshold
        self.company = Company(name="Test", seats=50, yearly_allowance_per_employee=4)
        self.rows = {
            day: DayRow(day, sum(who.values()), 2700 * sum(who.values()), len(who))
            for day, who in people.items()
            if who
        }
        # HR may ask about the month before too (empty: the company had just joined).
        self.window = days_between(calendar_month(first - timedelta(days=1)).start, self.horizon)

    def __repr__(self):
        days = {d.isoformat(): who for d, who in self.people.items() if who}
        return (
            f"World(first={self.first}, horizon={self.horizon}, joined={self.joined}, "
            f"threshold={self.threshold}, people={days})"
        )

    def employees_on(self, days):
        return {day: set(self.people[day]) for day in days if self.people.get(day)}

    def consultations(self, period: Period) -> int:
        return sum(sum(self.people.get(d, {}).values()) for d in period.dates())

    def distinct(self, period: Period) -> int:
        return len({e for d in period.dates() for e in self.people.get(d, {})})

    def report(self, period, granularity):
        return report_from_rows(
            company=self.company,
            period=period,
            granularity=granularity,
            protect=True,
            until=self.horizon,
            rows=self.rows,
            employees_on=self.employees_on,
            distinct_employees=_never,
        )


def _never(period):
    raise AssertionError("HR is never told distinct employees over a period")


@st.composite
def worlds(draw):
    first = draw(st.sampled_from(FIRST_MONTHS))
    months = draw(st.integers(2, 3))
    joined = first + timedelta(days=draw(st.integers(0, 20)))
    habits = draw(st.lists(st.sampled_from([0.0, 0.03, 0.08, 0.2, 0.5]), min_size=4, max_size=8))
    rng = random.Random(draw(st.integers(0, 2**32)))  # one draw: days of visits are many
    world = World(
        first=first,
        months=months,
        joined=joined,
        people={},
        threshold=draw(st.sampled_from([3, 5])),
    )
    people = {}
    for day in days_between(joined, world.horizon):
        who = {e: rng.randint(1, 2) for e, p in enumerate(habits) if rng.random() < p}
        people[day] = who
    return World(
        first=first, months=months, joined=joined, people=people, threshold=world.threshold
    )


def _read_everything(world: World) -> Observations:
    """Every request one HR user can make, each granularity, API figures and CSV lines."""
    seen = Observations()
    for granularity in (Granularity.MONTH, Granularity.WEEK):
        for period in requests(world.window[0], world.horizon, granularity):
            report = world.report(period, granularity)
            csv_lines = company_report_csv(report).split("\n")
            assert csv_lines[1 : 1 + len(report.buckets)] == [
                f"{b.label},{b.consultations},{b.total_duration_minutes}" for b in report.buckets
            ]
            shown = []
            for bucket in report.buckets:
                seen.bucket(bucket.period, bucket.consultations)
                if not bucket.hidden:
                    assert bucket.consultations == world.consultations(bucket.period)
                    shown.extend(bucket.period.dates())
            if report.total is not None and not report.total.hidden:
                # The documented meaning of a total: the buckets shown, added up.
                assert report.total.consultations == sum(
                    world.consultations(Period(d, d)) for d in shown
                )
                seen.figure(shown, report.total.consultations)
                assert csv_lines[-1] == (
                    f"TOTAL,{report.total.consultations},{report.total.total_duration_minutes}"
                )
    return seen


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(world=worlds())
def test_no_request_hr_can_make_reveals_a_withheld_figure_or_a_day(world):
    with override_settings(HUNTZEN_MIN_GROUP_SIZE=world.threshold):
        seen = _read_everything(world)
    small = {p for p in seen.seen if world.distinct(p) < world.threshold}
    hidden = str(Hidden(world.threshold))
    # Rule 1, and a decision that is the same whatever the period asked for.
    assert all(seen.seen[p] == {hidden} for p in small)
    assert all(len(readings) == 1 for readings in seen.seen.values())
    # Nothing withheld, no day, no edge piece is determined: without prior knowledge,
    # and knowing that nothing happened before the company joined.
    assert leaks(seen, days=world.window, small=small) == []
    empty = frozenset(d for d in world.window if d < world.joined)
    assert leaks(seen, days=world.window, known_empty=empty, small=small) == []


def test_the_attacker_finds_a_day_when_weeks_and_months_are_all_shown():
    """The attacker is no strawman: shown in full, weeks and months of March to May
    2026 (June starts on a Monday) pin down 1 March, a Sunday."""
    months = [calendar_month(date(2026, m, 1)) for m in (3, 4, 5)]
    seen = Observations()
    for month in months:
        seen.figure(month.dates(), 1)
    for week in (
        Period(months[0].start, months[-1].end).snapped(Granularity.WEEK).buckets(Granularity.WEEK)
    ):
        seen.figure(week.dates(), 1)
    found = leaks(seen, days=days_between(date(2026, 2, 23), date(2026, 5, 31)), small=set())
    assert ("day", date(2026, 3, 1)) in found

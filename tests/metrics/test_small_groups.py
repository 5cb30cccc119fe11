"""The small-group rule (metrics.small_groups) on its own: which buckets describe fewer
than HUNTZEN_MIN_GROUP_SIZE distinct employees. No database: the reading of
employee/day rows is a dictionary."""

from datetime import date

import pytest

from metrics.periods import Period
from metrics.small_groups import GroupVerdict, Hidden, SmallGroupRule, min_group_size

HR = SmallGroupRule(threshold=5)

WEEK_1 = Period(date(2026, 3, 2), date(2026, 3, 8))
WEEK_2 = Period(date(2026, 3, 9), date(2026, 3, 15))
MONTH = Period(date(2026, 3, 1), date(2026, 3, 31))


def _day(n: int) -> date:
    return date(2026, 3, n)


def _never_read(days):
    raise AssertionError(f"employee/day rows read for {days}")


class _Reader:
    """Who consulted on which day; remembers each call."""

    def __init__(self, people: dict[int, set[str]]):
        self.people = {_day(n): ids for n, ids in people.items()}
        self.calls: list[list[date]] = []

    def __call__(self, days):
        self.calls.append(list(days))
        return {day: ids for day, ids in self.people.items() if day in days}


def test_a_hidden_figure_reads_less_than_the_threshold():
    assert str(Hidden(5)) == "< 5"
    assert HR.hidden == Hidden(5)


def test_the_threshold_comes_from_the_setting(settings):
    settings.HUNTZEN_MIN_GROUP_SIZE = 8
    assert min_group_size() == 8
    assert SmallGroupRule.from_settings() == SmallGroupRule(threshold=8)


@pytest.mark.parametrize(("distinct", "reaches"), [(0, False), (4, False), (5, True), (40, True)])
def test_a_group_reaches_the_threshold_from_five_distinct_employees(distinct, reaches):
    assert HR.reaches(distinct) is reaches


@pytest.mark.parametrize(
    ("daily_actives", "settled"),
    [
        ([], False),  # nobody
        ([5], True),  # one day is enough
        ([1, 6, 2], True),
        ([2, 2], False),  # 4 visits at most: fewer than 5 people whoever they are
        ([2, 3], None),  # 3 to 5 people: who they are decides
        ([4, 4, 4], None),
    ],
)
def test_daily_counts_settle_a_bucket_when_they_can(daily_actives, settled):
    assert HR.settle(daily_actives) is settled


def test_settled_buckets_read_no_employee_rows():
    verdicts = HR.judge([WEEK_1, WEEK_2], {_day(3): 6, _day(10): 1}, _never_read)
    assert verdicts == {WEEK_1: GroupVerdict(True), WEEK_2: GroupVerdict(False)}


def test_an_open_bucket_counts_each_employee_once():
    reader = _Reader({2: {"a", "b"}, 3: {"a", "c"}, 4: {"b", "d"}})
    verdicts = HR.judge([WEEK_1], {_day(2): 2, _day(3): 2, _day(4): 2}, reader)
    assert verdicts == {WEEK_1: GroupVerdict(reaches=False, distinct_employees=4)}


def test_an_open_bucket_of_five_different_people_is_shown():
    reader = _Reader({2: {"a", "b"}, 3: {"c", "d"}, 4: {"e"}})
    verdicts = HR.judge([WEEK_1], {_day(2): 2, _day(3): 2, _day(4): 1}, reader)
    assert verdicts == {WEEK_1: GroupVerdict(reaches=True, distinct_employees=5)}


def test_employee_rows_are_read_once_and_for_the_open_buckets_days_only():
    daily = {_day(2): 2, _day(3): 3, _day(10): 5, _day(11): 1, _day(20): 3, _day(21): 3}
    week_3 = Period(date(2026, 3, 16), date(2026, 3, 22))
    reader = _Reader({2: {"a", "b"}, 3: {"a", "b", "c"}, 20: {"a", "b", "c"}, 21: {"d", "e", "f"}})
    verdicts = HR.judge([MONTH, WEEK_1, WEEK_2, week_3], daily, reader)
    assert reader.calls == [[_day(2), _day(3), _day(20), _day(21)]]
    assert verdicts == {
        MONTH: GroupVerdict(True),  # the 10th had 5 people
        WEEK_1: GroupVerdict(False, 3),
        WEEK_2: GroupVerdict(True),
        week_3: GroupVerdict(True, 6),
    }

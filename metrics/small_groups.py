"""The small-group rule: an employer never reads a figure about fewer than
HUNTZEN_MIN_GROUP_SIZE distinct employees.

A figure (an ISO week, a month) describes the distinct employees whose consultations it
sums. For a protected viewer (every viewer but HuntZen staff:
metrics.access.protects_small_groups) a bucket of fewer than `min_group_size()` of them
is withheld, shown `Hidden` ("< 5"); metrics.suppression then withholds partners so that
no withheld figure can be computed from the others. This module only tells which
buckets are small.

Judging reads as little as it can. A day's distinct employees are in its company/day
row. A bucket of several days is settled by those daily counts when they suffice (one
day with N or more: the bucket has N or more; daily counts summing to less than N: it
has fewer); only the buckets left open need to know who consulted on which day
(employee/day rows), and only for their days. This module reads no table itself: the
caller passes the reading of those rows, so the rule is tested without a database.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from metrics.periods import Period


def min_group_size() -> int:
    return settings.HUNTZEN_MIN_GROUP_SIZE


@dataclass(frozen=True)
class Hidden:
    """A withheld figure: it describes fewer than `threshold` employees, or would let one
    be computed (every withheld figure reads the same, see metrics.suppression)."""

    threshold: int

    def __str__(self):
        return f"< {self.threshold}"


@dataclass(frozen=True)
class GroupVerdict:
    """Whether a bucket's figures describe enough distinct employees; how many exactly
    when that had to be counted (None when the daily counts settled it)."""

    reaches: bool
    distinct_employees: int | None = None


# Who consulted on each of the given days: {day: {employee id, ...}}.
EmployeesOn = Callable[[list[date]], Mapping[date, Collection]]


@dataclass(frozen=True)
class SmallGroupRule:
    threshold: int

    @classmethod
    def from_settings(cls) -> "SmallGroupRule":
        return cls(threshold=min_group_size())

    @property
    def hidden(self) -> Hidden:
        return Hidden(self.threshold)

    def reaches(self, distinct_employees: int) -> bool:
        return distinct_employees >= self.threshold

    def settle(self, daily_actives: Iterable[int]) -> bool | None:
        """Decide a bucket from its days' distinct-employee counts alone, or None when
        they cannot tell (the same people may come back on several days)."""
        daily_actives = list(daily_actives)
        if daily_actives and max(daily_actives) >= self.threshold:
            return True
        if sum(daily_actives) < self.threshold:
            return False
        return None

    def judge(
        self,
        buckets: Iterable[Period],
        daily_actives: Mapping[date, int],
        employees_on: EmployeesOn,
    ) -> dict[Period, GroupVerdict]:
        """A verdict for each bucket; `employees_on` is called at most once, with the
        days of the buckets the daily counts leave open."""
        days = _Days(daily_actives)
        settled = {b: self.settle(daily_actives[day] for day in days.of(b)) for b in buckets}
        verdicts = {b: GroupVerdict(v) for b, v in settled.items() if v is not None}
        left_open = [b for b, v in settled.items() if v is None]
        if left_open:
            verdicts.update(self._count(left_open, daily_actives, employees_on))
        return verdicts

    def _count(
        self,
        buckets: list[Period],
        daily_actives: Mapping[date, int],
        employees_on: EmployeesOn,
    ) -> dict[Period, GroupVerdict]:
        active = _Days(daily_actives)
        people = employees_on(sorted({day for b in buckets for day in active.of(b)}))
        seen_on = _Days(people)
        verdicts = {}
        for bucket in buckets:
            seen = set().union(*(people[day] for day in seen_on.of(bucket)))
            verdicts[bucket] = GroupVerdict(self.reaches(len(seen)), len(seen))
        return verdicts


class _Days:
    """The days of a mapping by day, sorted once: a bucket's days found by bisection (a
    year's report judges some fifty buckets against a year of days)."""

    def __init__(self, by_day: Mapping[date, object]):
        self.days = sorted(by_day)

    def of(self, bucket: Period) -> list[date]:
        days = self.days
        return days[bisect_left(days, bucket.start) : bisect_right(days, bucket.end)]

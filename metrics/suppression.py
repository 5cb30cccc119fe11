"""Complementary suppression: which of a company's week and month figures an employer
may not read, so that no withheld figure, no day and no part of a week can be computed
from the figures shown, across every request HR can make.

What HR can read (metrics.selectors.company_report): ISO weeks and calendar months that
are over, each with the same figures (consultations, durations, employees per active day,
allowance used), and, for any run of them, a total of the buckets SHOWN in it. A total
of shown figures adds nothing, so every figure HR can compute is a combination of bucket
figures, and the only question is which buckets to show. This module answers it; it
reads no table (the caller passes each bucket's consultations and whether it reaches the
small-group threshold, metrics.small_groups).

The relations. A bucket's figure is the sum of its days. Weeks are not parts of months:
an ISO week that straddles the end of a month (a "straddling week") shares a few days
with each of the two months, its "edge days" in each. Cut the calendar where weeks meet
months: a week inside a month is one piece, a straddling week two. Every figure is a sum
of pieces, and each piece lies in exactly one week and one month. Draw the buckets as
nodes and the pieces as edges between their week and their month: there is no cycle
(two months share at most one week), only chains of months linked by their straddling
weeks, each month's inside weeks hanging off it. On such a forest linear algebra says
exactly what the shown figures determine:
  - a withheld bucket is determined iff it is the only withheld bucket of its tree;
  - a piece (the edge days of a month, so possibly a single day) is determined iff one
    of the two trees left when its edge is removed holds no withheld bucket.
(To write a bucket or a piece as a combination of shown buckets, the coefficients of
the two ends of every other edge must cancel, so they alternate +c, -c over a whole
tree, and every node with c != 0 must be shown.) With weeks and months both shown in
full, a month that starts on a Monday pins its last edge days (the month minus its
inside weeks), the straddling week then pins the next month's first ones, and so on
along the chain down to a single day: showing both granularities needs this rule.

The rule, one month's table at a time (the month, its inside weeks, and its edge days,
which are never shown on their own):
  1. a bucket with fewer than HUNTZEN_MIN_GROUP_SIZE distinct employees is withheld,
     whatever its value, so 0 and 4 look the same ("< 5");
  2. every such small bucket has, in its table, another withheld bucket with at least
     one consultation;
  3. a month with edge days has, in its table, a withheld bucket with at least one
     consultation;
  while a table breaks 2 or 3, its smallest shown bucket (fewest consultations, then
  the shorter, then the earlier: a week before its month) is withheld too. A straddling
  week is judged by rule 1 alone: its two pieces are never shown, and each lies in a
  month that rule 3 protects.

Why that is enough. Rule 3 puts a withheld bucket in every month with edge days; a piece
joins two such months (or a month and a week that the attacker's knowledge of empty days
makes whole), so both sides of it hold one: no piece, no day is determined. A tree with
a withheld bucket holds at least two (a chain has two months with edge days, a lone
table gets a partner by rule 2): no withheld bucket is determined. "At least one
consultation" guards what linear algebra ignores, that counts are never negative: were
a table's withheld buckets to sum to 0, each would be 0. The partner being a whole bucket
(not edge days, which the straddling weeks bound from above) leaves the small bucket
anywhere from 0 up. Only a bucket with consultations is one HR cannot know to be empty
from elsewhere (before the company joined, on a weekend). Such knowledge can pin down
only what counts N employees or more: a partner that rule 3 withheld to guard edge days
HR knows to be empty, like a shown week whose other days HR knows to be empty.

Why it holds across requests and over time. Whether a bucket is withheld depends on its
month's table only (a straddling week: on itself), never on the period asked for; and HR
reads a month, with its inside weeks, only once the month is over (a straddling week
once its later month is: metrics.periods.published_until). So each decision is taken
once, on final figures, and HR cannot watch a figure grow day by day. Every withheld
figure reads the same "< 5": telling partners apart would tell they count at least 5
employees, and with the table's total shown, would bound the small one. (A consultation
marked ended after its month is over still changes that month: its day is its start.)

The employees-per-active-day average is a ratio of two sums of days, withheld with its
bucket, so what holds for sums holds for it. Distinct employees over a run of buckets are
no sum (two runs subtract to "one new person in April"): HR gets no such figure.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from metrics.periods import Granularity, Period, calendar_month, iso_week


@dataclass(frozen=True)
class Cell:
    """What the rule needs of one bucket: its consultations and whether its group of
    distinct employees is below the threshold."""

    consultations: int
    small: bool


def inside_weeks(month: Period) -> list[Period]:
    """The ISO weeks wholly inside a calendar month."""
    return list(_inside_weeks(month))


@lru_cache(maxsize=1024)  # a pure function of the month, asked for with every table
def _inside_weeks(month: Period) -> tuple[Period, ...]:
    return tuple(
        week
        for week in month.buckets(Granularity.WEEK)
        if month.start <= week.start and week.end <= month.end
    )


def has_edge_days(month: Period) -> bool:
    """Whether a straddling week shares some of the month's days (it does not start on a
    Monday, or does not end on a Sunday)."""
    return month.start.weekday() != 0 or month.end.weekday() != 6


def is_month(period: Period) -> bool:
    return calendar_month(period.start) == period


def is_straddling_week(period: Period) -> bool:
    return iso_week(period.start) == period and period.start.month != period.end.month


def withheld(cells: Mapping[Period, Cell]) -> frozenset[Period]:
    """The buckets of `cells` HR may not read. `cells` holds calendar months, each with
    every one of its inside weeks, and straddling weeks."""
    out: set[Period] = set()
    tabled: set[Period] = set()
    for month in filter(is_month, cells):
        table = [month, *inside_weeks(month)]
        missing = [week for week in table if week not in cells]
        if missing:
            raise ValueError(f"the table of {month} needs its weeks {missing}")
        out |= _table_withheld(table, cells, edge_days=has_edge_days(month))
        tabled.update(table)
    for period, cell in cells.items():
        if period in tabled:
            continue
        if not is_straddling_week(period):
            raise ValueError(f"{period}: a week inside a month is decided with its month")
        if cell.small:
            out.add(period)
    return frozenset(out)


def _table_withheld(table: list[Period], cells: Mapping[Period, Cell], *, edge_days: bool):
    out = {period for period in table if cells[period].small}
    while _broken(out, cells, edge_days=edge_days):
        shown = [period for period in table if period not in out]
        if not shown:
            break
        out.add(min(shown, key=lambda p: (cells[p].consultations, p.days, p.start)))
    return out


def _broken(out: set[Period], cells: Mapping[Period, Cell], *, edge_days: bool) -> bool:
    partners = {period for period in out if cells[period].consultations > 0}
    if edge_days and not partners:
        return True
    return any(cells[period].small and not partners - {period} for period in out)

"""A brute-force differencing attacker for the company figures an HR user can read.

It is given every figure one HR user could collect (each as the set of days it adds
up, and its value), sets up the linear relations "figure = sum of the unknown daily
values it covers" and solves them exactly (Gaussian elimination over the rationals),
then reports every withheld bucket, every day and every edge piece (the days a
straddling week shares with a month) whose value the relations determine.

The attacker may also know that some days are empty (before the company joined): those
days are no unknowns, and a figure determined only by that knowledge is no leak.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from metrics.periods import Granularity, Period, calendar_month, iso_week


class RowSpace:
    """The span of some rows over Q, kept in reduced row echelon form."""

    def __init__(self):
        self.pivots: dict[int, dict[int, Fraction]] = {}

    def _reduce(self, vector: dict[int, Fraction]) -> dict[int, Fraction]:
        vector = {k: Fraction(v) for k, v in vector.items() if v}
        for pivot in sorted(self.pivots):
            factor = vector.get(pivot)
            if not factor:
                continue
            for k, v in self.pivots[pivot].items():
                value = vector.get(k, 0) - factor * v
                if value:
                    vector[k] = value
                else:
                    vector.pop(k, None)
        return vector

    def add(self, vector: dict[int, Fraction]) -> bool:
        """Add a row; False when it was already in the span."""
        rest = self._reduce(vector)
        if not rest:
            return False
        pivot = min(rest)
        lead = rest[pivot]
        rest = {k: v / lead for k, v in rest.items()}
        for row in self.pivots.values():
            factor = row.get(pivot)
            if factor:
                for k, v in rest.items():
                    value = row.get(k, 0) - factor * v
                    if value:
                        row[k] = value
                    else:
                        row.pop(k, None)
        self.pivots[pivot] = rest
        return True

    def spans(self, vector: dict[int, Fraction]) -> bool:
        return not self._reduce(vector)


@dataclass
class Observations:
    """Everything one HR user read: shown figures (days -> value) and withheld buckets."""

    shown: dict[frozenset, int] = field(default_factory=dict)
    withheld: set[Period] = field(default_factory=set)
    seen: dict[Period, set] = field(default_factory=dict)  # bucket -> every reading of it

    def bucket(self, period: Period, value) -> None:
        self.seen.setdefault(period, set()).add(str(value))
        if isinstance(value, int):
            self.figure(set(period.dates()), value)
        else:
            self.withheld.add(period)

    def figure(self, days: Iterable[date], value: int) -> None:
        days = frozenset(days)
        if days in self.shown and self.shown[days] != value:
            raise AssertionError(f"two values for the same days: {self.shown[days]}, {value}")
        self.shown[days] = value


def edge_pieces(weeks: Iterable[Period]) -> list[frozenset]:
    """The days each straddling week shares with each of its two months."""
    out = []
    for week in weeks:
        if week.start.month == week.end.month:
            continue
        for month in (calendar_month(week.start), calendar_month(week.end)):
            out.append(frozenset(d for d in week.dates() if month.start <= d <= month.end))
    return out


def leaks(
    observations: Observations,
    *,
    days: list[date],
    known_empty: frozenset = frozenset(),
    small: set[Period],
) -> list:
    """What the shown figures determine that they should not: withheld small buckets (and
    without prior knowledge, any withheld bucket), days, edge pieces."""
    unknown = [d for d in days if d not in known_empty]
    column = {d: i for i, d in enumerate(unknown)}

    def row(day_set) -> dict:
        return {column[d]: 1 for d in day_set if d in column}

    space = RowSpace()
    for day_set in sorted(observations.shown, key=len):
        space.add(row(day_set))
    found = []
    for bucket in sorted(observations.withheld, key=lambda p: p.start):
        vector = row(bucket.dates())
        if not vector or (known_empty and bucket not in small):
            continue  # known empty beforehand; or withheld only as a partner
        if space.spans(vector):
            found.append(("bucket", bucket))
    # A bucket of N employees or more (shown, or withheld as a partner) whose other days
    # are known empty tells about its last day: N employees or more, no leak of ours.
    large = {frozenset(row(p.dates())) for p in observations.seen if p not in small}
    large |= {frozenset(row(s)) for s in observations.shown}
    for day in unknown:
        vector = {column[day]: 1}
        if frozenset(vector) in large:
            continue
        if space.spans(vector):
            found.append(("day", day))
    weeks = {iso_week(d) for d in unknown}
    for piece in edge_pieces(weeks):
        vector = row(piece)
        whole = row(iso_week(min(piece)).dates())
        if vector and vector != whole and space.spans(vector):
            found.append(("piece", min(piece), max(piece)))
    return found


def requests(first: date, last: date, granularity: Granularity) -> list[Period]:
    """Every run of whole buckets from `first` to `last` (what any period snaps to)."""
    buckets = Period(first, last).snapped(granularity).buckets(granularity)
    return [
        Period(buckets[i].start, buckets[j].end)
        for i in range(len(buckets))
        for j in range(i, len(buckets))
        if (buckets[j].end - buckets[i].start).days < 366
    ]


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]

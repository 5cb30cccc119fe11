"""Counter reads. Dashboards and exports read the rollups only: their cost grows with the
number of days (and of people listed), never with the number of consultations.

Small-group protection (HR): an aggregate that describes fewer than
HUNTZEN_MIN_GROUP_SIZE distinct employees is replaced by `Hidden` ("< 5"). Each figure is
judged on its own group; a visible total minus its visible days still gives the sum of
the hidden days: there is no complementary suppression.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import Role, User
from companies.models import Company
from consultations.models import Consultation
from metrics.models import CompanyDay, CountedConsultation, EmployeeDay, PractitionerDay
from metrics.periods import Period


def min_group_size() -> int:
    return settings.HUNTZEN_MIN_GROUP_SIZE


@dataclass(frozen=True)
class Hidden:
    """A figure withheld because it describes fewer than `threshold` employees."""

    threshold: int

    def __str__(self):
        return f"< {self.threshold}"


def _minutes(seconds):
    return seconds if isinstance(seconds, Hidden) else seconds // 60


# --- Day ranges ----------------------------------------------------------------------


def day_filter(start: date | None, end: date | None, prefix: str = "day") -> dict:
    lookups = {}
    if start:
        lookups[f"{prefix}__gte"] = start
    if end:
        lookups[f"{prefix}__lte"] = end
    return lookups


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _scheduled_between(start: date | None, end: date | None) -> Q:
    """Consultations whose local start date (TIME_ZONE) lies in [start, end]."""
    q = Q()
    if start:
        q &= Q(scheduled_at__gte=datetime.combine(start, time.min, tzinfo=_tz()))
    if end:
        q &= Q(scheduled_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=_tz()))
    return q


# --- What the rollups should hold (rebuild / verify) -----------------------------------


@dataclass
class ExpectedCounters:
    practitioner_days: dict = field(default_factory=dict)  # (practitioner, day) -> (n, s)
    employee_days: dict = field(default_factory=dict)  # (company, day, employee) -> (n, s)
    company_days: dict = field(default_factory=dict)  # (company, day) -> (n, s, active)


def _completed(start, end):
    return (
        Consultation.objects.filter(_scheduled_between(start, end), status="completed")
        .annotate(local_day=TruncDate("scheduled_at", tzinfo=_tz()))
        .order_by()
    )


def expected_counters(*, start: date | None = None, end: date | None = None) -> ExpectedCounters:
    """The rollups recomputed from the consultations themselves (grouped in SQL)."""
    seconds = Sum(Coalesce("duration_seconds", Value(0)))
    qs = _completed(start, end)
    out = ExpectedCounters()
    for row in qs.values("practitioner_id", "local_day").annotate(n=Count("id"), s=seconds):
        out.practitioner_days[(row["practitioner_id"], row["local_day"])] = (row["n"], row["s"])
    for row in qs.values("company_id", "local_day", "employee_id").annotate(
        n=Count("id"), s=seconds
    ):
        key = (row["company_id"], row["local_day"], row["employee_id"])
        out.employee_days[key] = (row["n"], row["s"])
    for row in qs.values("company_id", "local_day").annotate(
        n=Count("id"), s=seconds, a=Count("employee_id", distinct=True)
    ):
        out.company_days[(row["company_id"], row["local_day"])] = (row["n"], row["s"], row["a"])
    return out


def completed_consultation_days(*, start: date | None = None, end: date | None = None):
    """(consultation id, counting day) of every completed consultation in the range."""
    return _completed(start, end).values_list("id", "local_day").iterator(chunk_size=5000)


def counter_differences(*, start: date | None = None, end: date | None = None) -> list[str]:
    """Every difference between the rollups (and markers) and the consultations, as lines
    for a human. A missing rollup row equals a row of zeros."""
    expected = expected_counters(start=start, end=end)
    days = day_filter(start, end)
    lines: list[str] = []

    def compare(label, names, expected_rows, actual_rows):
        for key in sorted(set(expected_rows) | set(actual_rows), key=str):
            want = expected_rows.get(key, (0,) * len(names))
            have = actual_rows.get(key, (0,) * len(names))
            for name, w, h in zip(names, want, have, strict=True):
                if w != h:
                    ident = " ".join(str(part) for part in key)
                    lines.append(f"{label} {ident}: {name} is {h}, expected {w}")

    compare(
        "practitioner-day",
        ("consultations", "total_duration_seconds"),
        expected.practitioner_days,
        {
            (p, d): (n, s)
            for p, d, n, s in PractitionerDay.objects.filter(**days).values_list(
                "practitioner_id", "day", "consultations", "total_duration_seconds"
            )
        },
    )
    compare(
        "employee-day",
        ("consultations", "total_duration_seconds"),
        expected.employee_days,
        {
            (c, d, e): (n, s)
            for c, d, e, n, s in EmployeeDay.objects.filter(**days).values_list(
                "company_id", "day", "employee_id", "consultations", "total_duration_seconds"
            )
        },
    )
    compare(
        "company-day",
        ("consultations", "total_duration_seconds", "active_employees"),
        expected.company_days,
        {
            (c, d): (n, s, a)
            for c, d, n, s, a in CompanyDay.objects.filter(**days).values_list(
                "company_id", "day", "consultations", "total_duration_seconds", "active_employees"
            )
        },
    )
    uncounted = _completed(start, end).filter(
        ~Exists(
            CountedConsultation.objects.filter(
                consultation_id=OuterRef("pk"), day=OuterRef("local_day")
            )
        )
    )
    for pk, day in uncounted.values_list("id", "local_day"):
        lines.append(f"consultation {pk} ({day}): completed but not counted")
    wrongly_counted = (
        CountedConsultation.objects.filter(**days)
        .annotate(local_day=TruncDate("consultation__scheduled_at", tzinfo=_tz()))
        .filter(~Q(consultation__status="completed") | ~Q(day=F("local_day")))
    )
    for pk, day, status in wrongly_counted.values_list(
        "consultation_id", "day", "consultation__status"
    ):
        lines.append(f"consultation {pk} ({day}): counted but {status} or on another day")
    return lines


# --- Practitioner --------------------------------------------------------------------


@dataclass(frozen=True)
class DayRow:
    day: date
    consultations: "int | Hidden"
    total_duration_seconds: "int | Hidden"
    active_employees: "int | Hidden | None" = None

    @property
    def total_duration_minutes(self):
        return _minutes(self.total_duration_seconds)


@dataclass(frozen=True)
class PractitionerUsage:
    practitioner: User
    period: Period
    days: list[DayRow]

    @property
    def consultations(self) -> int:
        return sum(row.consultations for row in self.days)

    @property
    def total_duration_seconds(self) -> int:
        return sum(row.total_duration_seconds for row in self.days)

    @property
    def total_duration_minutes(self) -> int:
        return self.total_duration_seconds // 60

    @property
    def average_duration_minutes(self) -> int:
        """Whole minutes, as the sketch: total minutes // consultations."""
        return self.total_duration_minutes // self.consultations if self.consultations else 0

    @property
    def active_days(self) -> int:
        return sum(1 for row in self.days if row.consultations)


def practitioner_usage(*, practitioner: User, period: Period) -> PractitionerUsage:
    rows = PractitionerDay.objects.filter(
        practitioner=practitioner, day__range=(period.start, period.end), consultations__gt=0
    ).values_list("day", "consultations", "total_duration_seconds")
    return PractitionerUsage(practitioner, period, [DayRow(*row) for row in rows.order_by("day")])


@dataclass(frozen=True)
class PractitionerTotals:
    practitioner: User
    consultations: int
    total_duration_seconds: int
    active_days: int

    @property
    def total_duration_minutes(self) -> int:
        return self.total_duration_seconds // 60


def practitioners_usage(*, period: Period) -> list[PractitionerTotals]:
    """Every practitioner (the payment run), with zeros for those without activity."""
    sums = {
        row["practitioner_id"]: row
        for row in PractitionerDay.objects.filter(
            day__range=(period.start, period.end), consultations__gt=0
        )
        .values("practitioner_id")
        .annotate(n=Sum("consultations"), s=Sum("total_duration_seconds"), d=Count("id"))
        .order_by()
    }
    practitioners = User.objects.filter(role=Role.PRACTITIONER).order_by(
        "last_name", "first_name", "email"
    )
    out = []
    for practitioner in practitioners:
        row = sums.get(practitioner.pk, {"n": 0, "s": 0, "d": 0})
        out.append(PractitionerTotals(practitioner, row["n"], row["s"], row["d"]))
    return out


# --- Employees -----------------------------------------------------------------------


@dataclass(frozen=True)
class EmployeeUsage:
    employee: User
    period: Period
    consultations: int
    total_duration_seconds: int

    @property
    def total_duration_minutes(self) -> int:
        return self.total_duration_seconds // 60


def employee_usage(*, employee: User, period: Period) -> EmployeeUsage:
    totals = EmployeeDay.objects.filter(
        employee=employee, day__range=(period.start, period.end)
    ).aggregate(n=Coalesce(Sum("consultations"), 0), s=Coalesce(Sum("total_duration_seconds"), 0))
    return EmployeeUsage(employee, period, totals["n"], totals["s"])


def company_employees(*, company: Company):
    return User.objects.filter(company=company, role=Role.EMPLOYEE).order_by(
        "last_name", "first_name", "email"
    )


def employees_usage(*, company: Company, employees, period: Period) -> list[EmployeeUsage]:
    """Counters of the given employees of `company` (one page of them) over `period`."""
    employees = list(employees)
    sums = {
        row["employee_id"]: row
        for row in EmployeeDay.objects.filter(
            company=company,
            employee__in=[e.pk for e in employees],
            day__range=(period.start, period.end),
        )
        .values("employee_id")
        .annotate(n=Sum("consultations"), s=Sum("total_duration_seconds"))
        .order_by()
    }
    return [
        EmployeeUsage(e, period, sums.get(e.pk, {}).get("n", 0), sums.get(e.pk, {}).get("s", 0))
        for e in employees
    ]


# --- Company -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """A week, a month or the whole period of a company's usage."""

    period: Period
    consultations: "int | Hidden"
    total_duration_seconds: "int | Hidden"
    avg_active_employees: "float | Hidden"
    allowance_used_percent: "float | Hidden | None"

    @property
    def total_duration_minutes(self):
        return _minutes(self.total_duration_seconds)

    @property
    def total_duration_hours(self):
        secs = self.total_duration_seconds
        return secs if isinstance(secs, Hidden) else secs // 3600

    @property
    def hidden(self) -> bool:
        return isinstance(self.consultations, Hidden)


@dataclass(frozen=True)
class CompanyUsage:
    company: Company
    period: Period
    total: Bucket
    active_employees: "int | Hidden"  # distinct over the period
    seat_used_percent: "float | Hidden | None"
    days: list[DayRow]
    weeks: list[Bucket]
    months: list[Bucket]
    protected: bool


def _allowance_percent(company: Company, consultations: int, period: Period):
    """Consultations against the yearly allowance of all seats, prorated to the period."""
    if not company.yearly_allowance_per_employee or not company.seats:
        return None
    year_days = 366 if _is_leap(period.start.year) else 365
    allowed = company.seats * company.yearly_allowance_per_employee * period.days / year_days
    return round(100 * consultations / allowed, 1)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def company_usage(*, company: Company, period: Period, protect: bool) -> CompanyUsage:
    """A company's usage over `period`, per day, ISO week and month.

    With `protect` (every viewer but HuntZen staff), figures about fewer than
    HUNTZEN_MIN_GROUP_SIZE distinct employees are Hidden. Whether a bucket reaches the
    threshold is decided from the company/day rows alone when possible (one day with >= N
    active employees means >= N in the bucket; a sum of daily actives < N means < N);
    only the undecided buckets read employee/day rows, and only for days with fewer than
    N active employees, so the cost stays bounded by the number of days.
    """
    threshold = min_group_size()
    hidden = Hidden(threshold)
    rows = list(
        CompanyDay.objects.filter(
            company=company, day__range=(period.start, period.end), consultations__gt=0
        )
        .values_list("day", "consultations", "total_duration_seconds", "active_employees")
        .order_by("day")
    )
    by_day = {day: (n, s, a) for day, n, s, a in rows}
    buckets = [period, *period.weeks(), *period.months()]

    def bucket_rows(bucket: Period):
        return [by_day[d] for d in sorted(by_day) if bucket.start <= d <= bucket.end]

    # Distinct employees per bucket: True (>= N), False (< N), or None (undecided).
    reaches: dict[Period, bool | None] = {}
    for bucket in buckets:
        actives = [a for _, _, a in bucket_rows(bucket)]
        if actives and max(actives) >= threshold:
            reaches[bucket] = True
        elif sum(actives) < threshold:
            reaches[bucket] = False
        else:
            reaches[bucket] = None
    undecided = [b for b, v in reaches.items() if v is None]
    exact_period_count = None
    if undecided:
        small_days = sorted({d for b in undecided for d in by_day if b.start <= d <= b.end})
        employees_by_day = defaultdict(set)
        for day, employee_id in EmployeeDay.objects.filter(
            company=company, day__in=small_days
        ).values_list("day", "employee_id"):
            employees_by_day[day].add(employee_id)
        for bucket in undecided:
            seen = set().union(
                *(v for d, v in employees_by_day.items() if bucket.start <= d <= bucket.end)
            )
            reaches[bucket] = len(seen) >= threshold
            if bucket == period:
                exact_period_count = len(seen)

    def make_bucket(bucket: Period) -> Bucket:
        picked = bucket_rows(bucket)
        if protect and not reaches[bucket]:
            return Bucket(bucket, hidden, hidden, hidden, hidden)
        n = sum(r[0] for r in picked)
        s = sum(r[1] for r in picked)
        avg = round(sum(r[2] for r in picked) / len(picked), 1) if picked else 0.0
        return Bucket(bucket, n, s, avg, _allowance_percent(company, n, bucket))

    total = make_bucket(period)
    if protect and not reaches[period]:
        active, seat_percent = hidden, hidden
    else:
        if exact_period_count is None:
            exact_period_count = _distinct_active_employees(company, period)
        active = exact_period_count
        seat_percent = round(100 * active / company.seats, 1) if company.seats else None

    days = []
    for day, (n, s, a) in sorted(by_day.items()):
        if protect and a < threshold:
            days.append(DayRow(day, hidden, hidden, hidden))
        else:
            days.append(DayRow(day, n, s, a))
    return CompanyUsage(
        company=company,
        period=period,
        total=total,
        active_employees=active,
        seat_used_percent=seat_percent,
        days=days,
        weeks=[make_bucket(b) for b in period.weeks()],
        months=[make_bucket(b) for b in period.months()],
        protected=protect,
    )


def _distinct_active_employees(company: Company, period: Period) -> int:
    """Members with at least one employee/day row in the period: one probe per member on
    the (employee, company, day) index, so the cost follows the company's size, not its
    consultations."""
    return (
        User.objects.filter(company=company)
        .filter(
            Exists(
                EmployeeDay.objects.filter(
                    employee=OuterRef("pk"),
                    company=company,
                    day__range=(period.start, period.end),
                )
            )
        )
        .count()
    )


@dataclass(frozen=True)
class CompanyTotals:
    company: Company
    consultations: int
    total_duration_seconds: int
    active_days: int
    avg_active_employees: float

    @property
    def total_duration_hours(self) -> int:
        return self.total_duration_seconds // 3600

    @property
    def total_duration_minutes(self) -> int:
        return self.total_duration_seconds // 60


def companies_usage(*, period: Period) -> list[CompanyTotals]:
    """Every company over `period`, for HuntZen staff (exact figures)."""
    sums = {
        row["company_id"]: row
        for row in CompanyDay.objects.filter(
            day__range=(period.start, period.end), consultations__gt=0
        )
        .values("company_id")
        .annotate(
            n=Sum("consultations"),
            s=Sum("total_duration_seconds"),
            d=Count("id"),
            a=Sum("active_employees"),
        )
        .order_by()
    }
    out = []
    for company in Company.objects.order_by("name"):
        row = sums.get(company.pk)
        if row:
            average = round(row["a"] / row["d"], 1)
            out.append(CompanyTotals(company, row["n"], row["s"], row["d"], average))
        else:
            out.append(CompanyTotals(company, 0, 0, 0, 0.0))
    return out


def as_uuid(value) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None

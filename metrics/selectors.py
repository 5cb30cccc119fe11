"""Dashboard reads: practitioners, employees, companies, HuntZen staff's overview. They
read the rollups only, so their cost grows with the number of days (and of people
listed), never with the number of consultations. What an employer may not see is
decided by metrics.small_groups (who counts as a small group) and metrics.suppression
(which buckets are withheld); what the rollups should hold, by metrics.verification.
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, User
from companies.models import Company
from consultations.models import Consultation
from metrics import report_cache
from metrics.models import CompanyDay, EmployeeDay, PractitionerDay
from metrics.periods import (
    Granularity,
    Period,
    bucket_label,
    calendar_month,
    default_period,
    published_until,
    today,
)
from metrics.small_groups import Hidden, SmallGroupRule, min_group_size
from metrics.suppression import Cell, inside_weeks, is_straddling_week, withheld


def _minutes(seconds):
    return seconds if isinstance(seconds, Hidden) else seconds // 60


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
    # Employees' late cancellations of the period that their company's contract pays
    # (consultations.services.consultation_cancel records them).
    paid_late_cancellations: int = 0

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
    return PractitionerUsage(
        practitioner,
        period,
        [DayRow(*row) for row in rows.order_by("day")],
        paid_late_cancellations=paid_late_cancellations(practitioner=practitioner, period=period),
    )


def paid_late_cancellations(*, practitioner: User, period: Period) -> int:
    """Late cancellations the practitioner is paid for, planned within the period's days
    (in TIME_ZONE, like the counters). One indexed count on (practitioner, scheduled_at)."""
    tz = timezone.get_default_timezone()
    return Consultation.objects.filter(
        practitioner=practitioner,
        late_cancellation_paid=True,
        scheduled_at__gte=datetime.combine(period.start, time.min, tzinfo=tz),
        scheduled_at__lt=datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=tz),
    ).count()


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
class Figures:
    """A company's usage over some days, as one viewer reads it: a figure is `Hidden`
    when withheld (metrics.suppression)."""

    consultations: "int | Hidden"
    total_duration_seconds: "int | Hidden"
    avg_active_employees: "float | Hidden"
    allowance_used_percent: "float | Hidden | None"  # None: no yearly allowance

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
class Bucket(Figures):
    """One day, ISO week or calendar month."""

    period: Period
    label: str


@dataclass(frozen=True)
class CompanyReport:
    """A company's usage over whole buckets of one granularity.

    For HR (`protected`): weeks or months only, published once their month is over,
    some withheld, and a `total` of the buckets shown (None when none is published yet;
    withheld when every one is). For HuntZen staff: exact figures, days too, up to today,
    and the distinct employees over the period."""

    company: Company
    requested: Period
    period: Period  # `requested` snapped to whole buckets
    granularity: Granularity
    protected: bool
    published_until: date | None  # None: up to today (HuntZen staff)
    buckets: list[Bucket]
    total: Figures | None
    active_employees: int | None  # distinct over the period: HuntZen staff only
    seat_used_percent: float | None

    @property
    def snapped(self) -> bool:
        return self.period != self.requested

    @property
    def withheld_buckets(self) -> int:
        return sum(1 for bucket in self.buckets if bucket.hidden)

    @property
    def pending(self) -> bool:
        """Part of the period is not published yet."""
        return self.published_until is not None and self.period.end > self.published_until


def report_granularities(*, protect: bool) -> tuple[Granularity, ...]:
    """An employer reads ISO weeks and calendar months only, never a day."""
    if protect:
        return (Granularity.MONTH, Granularity.WEEK)
    return (Granularity.DAY, Granularity.WEEK, Granularity.MONTH)


# "Work out the last published day now": what a caller that has not read it yet passes.
NOW = object()


def default_report(*, protect: bool, until=NOW) -> tuple[Period, Granularity]:
    """HR: the months of the calendar year of the last published month. HuntZen staff:
    the current month, day by day (billing). `until`: `published_until_for(protect)`
    when the caller has it already (each reading of today costs a time zone lookup)."""
    if until is NOW:
        until = published_until_for(protect=protect)
    if until:
        return Period(date(until.year, 1, 1), date(until.year, 12, 31)), Granularity.MONTH
    return default_period(), Granularity.DAY


def published_until_for(*, protect: bool) -> date | None:
    """The last day the viewer may read: HR, the end of the last month that is over;
    HuntZen staff (None), today."""
    return published_until(today()) if protect else None


def latest_month(*, protect: bool) -> Period:
    """HR: the last month published. HuntZen staff: the current month."""
    until = published_until_for(protect=protect)
    return calendar_month(until) if until else default_period()


def company_report(
    *, company: Company, period: Period, granularity: Granularity, protect: bool
) -> CompanyReport:
    """The one read behind every page, API answer and CSV of a company's usage: the HR
    dashboard and home card, the employee's "what HR sees", the staff dashboard. Two
    queries at most (the company's days, and who consulted on days that leave a
    bucket's group undecided), three for staff (distinct employees over the period).
    HR's are kept in the cache when the company was read with its counters' generation
    (metrics.access.get_company_for): none then, on a hit (metrics.report_cache)."""
    until = published_until_for(protect=protect)

    def compute() -> CompanyReport:
        parts = report_buckets(period, granularity, protect=protect, until=until)
        rows = _company_day_rows(company, _scope(parts, protect=protect)) if parts else {}
        return report_from_rows(
            company=company,
            period=period,
            granularity=granularity,
            protect=protect,
            until=until,
            rows=rows,
            employees_on=lambda days: _employees_by_day(company, days),
            distinct_employees=lambda span: _distinct_active_employees(company, span),
        )

    if not protect:
        return compute()
    key = report_cache.report_key(
        company=company, period=period, granularity=granularity, until=until
    )
    return report_cache.cached_report(key, company, compute)


def company_report_key(*, company, period, granularity, protect: bool, until=NOW) -> str | None:
    """The key HR's report of `company_report` is kept under, for the answers rendered
    from it (metrics.report_cache); None for staff's reports, never kept. `until` as in
    `default_report`."""
    if not protect:
        return None
    return report_cache.report_key(
        company=company,
        period=period,
        granularity=granularity,
        until=published_until_for(protect=protect) if until is NOW else until,
    )


def report_buckets(
    period: Period, granularity: Granularity, *, protect: bool, until: date | None
) -> list[Period]:
    """The whole buckets covering `period` that the viewer may read."""
    if granularity not in report_granularities(protect=protect):
        raise ValueError(f"{granularity} is not a granularity this viewer may read")
    return [
        p for p in period.snapped(granularity).buckets(granularity) if not until or p.end <= until
    ]


def report_from_rows(
    *,
    company: Company,
    period: Period,
    granularity: Granularity,
    protect: bool,
    until: date | None,
    rows: dict[date, DayRow],
    employees_on,
    distinct_employees,
) -> CompanyReport:
    """`company_report` from the company's day rows (at least those of the whole months
    around the buckets), `employees_on(days)` telling who consulted on each of `days`,
    and `distinct_employees(period)` (read for staff only). Reads nothing itself."""
    rows = _DayRows(rows)
    snapped = period.snapped(granularity)
    parts = report_buckets(period, granularity, protect=protect, until=until)
    withheld = _withheld(rows, parts, employees_on) if protect and parts else frozenset()
    hidden = Hidden(min_group_size())
    buckets = [
        Bucket(
            *(
                _hidden_figures(company, hidden)
                if part in withheld
                else _figures(company, rows, [part])
            ),
            period=part,
            label=bucket_label(part, granularity),
        )
        for part in parts
    ]
    active = seat_percent = None
    if not protect:
        active = distinct_employees(snapped)
        seat_percent = round(100 * active / company.seats, 1) if company.seats else None
    return CompanyReport(
        company=company,
        requested=period,
        period=snapped,
        granularity=granularity,
        protected=protect,
        published_until=until,
        buckets=buckets,
        total=_total(company, rows, buckets, hidden),
        active_employees=active,
        seat_used_percent=seat_percent,
    )


def _scope(parts: list[Period], *, protect: bool) -> Period:
    """The days to read: for HR, the whole months around the buckets (a week's fate is
    decided with its month's table)."""
    if protect:
        return Period(calendar_month(parts[0].start).start, calendar_month(parts[-1].end).end)
    return Period(parts[0].start, parts[-1].end)


def _withheld(rows: "_DayRows", parts: list[Period], employees_on) -> frozenset[Period]:
    """Judge the tables of the months that hold `parts`, and the straddling weeks among
    them on their own (metrics.suppression)."""
    straddling = {part for part in parts if is_straddling_week(part)}
    months = {calendar_month(part.start) for part in parts if part not in straddling}
    tables = {p for month in months for p in (month, *inside_weeks(month))}
    cells = sorted(tables | straddling, key=_order)
    verdicts = SmallGroupRule.from_settings().judge(
        cells, {day: row.active_employees for day, row in rows.items()}, employees_on
    )
    return withheld(
        {
            p: Cell(sum(r.consultations for r in rows.within(p)), not verdicts[p].reaches)
            for p in cells
        }
    )


def _order(period: Period):
    return (period.start, period.end)


def _company_day_rows(company: Company, period: Period) -> dict[date, DayRow]:
    """The exact company/day rows with activity, by day."""
    rows = (
        CompanyDay.objects.filter(
            company=company, day__range=(period.start, period.end), consultations__gt=0
        )
        .values_list("day", "consultations", "total_duration_seconds", "active_employees")
        .order_by("day")
    )
    return {row[0]: DayRow(*row) for row in rows}


def _employees_by_day(company: Company, days: list[date]) -> dict[date, set]:
    people: dict[date, set] = {}
    for day, employee_id in EmployeeDay.objects.filter(company=company, day__in=days).values_list(
        "day", "employee_id"
    ):
        people.setdefault(day, set()).add(employee_id)
    return people


class _DayRows(dict):
    """Day rows by day, their days sorted once: a bucket's rows are found by bisection
    (a year's report asks for them about 70 times, a month's days one by one cost more
    than the rest of the report)."""

    def __init__(self, rows: dict[date, DayRow]):
        super().__init__(rows)
        self.days = sorted(self)

    def within(self, part: Period) -> list[DayRow]:
        days = self.days
        return [
            self[day] for day in days[bisect_left(days, part.start) : bisect_right(days, part.end)]
        ]


def _hidden_figures(company: Company, hidden: Hidden) -> tuple:
    """Every figure withheld; "no allowance" stays null (it is the contract, not usage)."""
    has_allowance = bool(company.yearly_allowance_per_employee and company.seats)
    return hidden, hidden, hidden, hidden if has_allowance else None


def _figures(company: Company, rows: "_DayRows", parts: list[Period]) -> tuple:
    """Consultations, seconds, employees per active day and allowance used over the days
    of `parts` (an average of daily figures: employee-days over active days)."""
    picked = [row for part in parts for row in rows.within(part)]
    consultations = sum(row.consultations for row in picked)
    seconds = sum(row.total_duration_seconds for row in picked)
    employee_days = sum(row.active_employees for row in picked)
    average = round(employee_days / len(picked), 1) if picked else 0.0
    days = sum(part.days for part in parts)
    return consultations, seconds, average, _allowance_percent(company, consultations, days, parts)


def _total(
    company: Company, rows: "_DayRows", buckets: list[Bucket], hidden: Hidden
) -> Figures | None:
    """The buckets shown, added up: a sum of figures HR already has, so it tells nothing
    more, whatever period is asked for."""
    if not buckets:
        return None
    shown = [bucket.period for bucket in buckets if not bucket.hidden]
    if not shown:
        return Figures(*_hidden_figures(company, hidden))
    return Figures(*_figures(company, rows, shown))


def _allowance_percent(company: Company, consultations: int, days: int, parts: list[Period]):
    """Consultations against the yearly allowance of all seats, prorated to the days."""
    if not company.yearly_allowance_per_employee or not company.seats:
        return None
    year_days = 366 if _is_leap(parts[0].start.year) else 365
    allowed = company.seats * company.yearly_allowance_per_employee * days / year_days
    return round(100 * consultations / allowed, 1)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


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

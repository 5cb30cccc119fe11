"""Dashboard reads: practitioners, employees, companies, HuntZen staff's overview. They
read the rollups only, so their cost grows with the number of days (and of people
listed), never with the number of consultations. What an employer may not see is
decided by metrics.small_groups; what the rollups should hold, by metrics.verification.
"""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import Coalesce

from accounts.models import Role, User
from companies.models import Company
from metrics.models import CompanyDay, EmployeeDay, PractitionerDay
from metrics.periods import Period
from metrics.small_groups import GroupVerdict, Hidden, SmallGroupRule


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
class CompanyDays:
    """What the company CSV prints (and the home card shows): the days, and their total."""

    company: Company
    period: Period
    total: Bucket
    days: list[DayRow]


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


def company_usage(*, company: Company, period: Period, protect: bool) -> CompanyUsage:
    """A company's usage over `period`, per day, ISO week and month. With `protect`
    (every viewer but HuntZen staff), the small-group rule withholds figures."""
    rule = SmallGroupRule.for_viewer(protect=protect)
    rows = _company_day_rows(company, period)
    verdicts = _judge(rule, company, rows, [period, *period.weeks(), *period.months()])

    def bucket(part: Period) -> Bucket:
        return _company_bucket(company, part, rows, verdicts[part], rule)

    active, seat_percent = _period_active_employees(company, period, verdicts[period], rule)
    return CompanyUsage(
        company=company,
        period=period,
        total=bucket(period),
        active_employees=active,
        seat_used_percent=seat_percent,
        days=_shown_days(rows, rule),
        weeks=[bucket(week) for week in period.weeks()],
        months=[bucket(month) for month in period.months()],
        protected=protect,
    )


def company_days(*, company: Company, period: Period, protect: bool) -> CompanyDays:
    """The days of `company_usage` and its total, judging the whole period only: no
    weeks, months or distinct-employee count are read for them."""
    rule = SmallGroupRule.for_viewer(protect=protect)
    rows = _company_day_rows(company, period)
    verdict = _judge(rule, company, rows, [period])[period]
    return CompanyDays(
        company=company,
        period=period,
        total=_company_bucket(company, period, rows, verdict, rule),
        days=_shown_days(rows, rule),
    )


def _company_day_rows(company: Company, period: Period) -> list[DayRow]:
    """The exact company/day rows with activity, by day."""
    rows = (
        CompanyDay.objects.filter(
            company=company, day__range=(period.start, period.end), consultations__gt=0
        )
        .values_list("day", "consultations", "total_duration_seconds", "active_employees")
        .order_by("day")
    )
    return [DayRow(*row) for row in rows]


def _judge(
    rule: SmallGroupRule, company: Company, rows: list[DayRow], buckets: list[Period]
) -> dict[Period, GroupVerdict]:
    return rule.judge(
        buckets,
        {row.day: row.active_employees for row in rows},
        lambda days: _employees_by_day(company, days),
    )


def _employees_by_day(company: Company, days: list[date]) -> dict[date, set]:
    people: dict[date, set] = {}
    for day, employee_id in EmployeeDay.objects.filter(company=company, day__in=days).values_list(
        "day", "employee_id"
    ):
        people.setdefault(day, set()).add(employee_id)
    return people


def _rows_within(rows: list[DayRow], part: Period) -> list[DayRow]:
    return [row for row in rows if part.start <= row.day <= part.end]


def _company_bucket(
    company: Company, part: Period, rows: list[DayRow], verdict: GroupVerdict, rule: SmallGroupRule
) -> Bucket:
    if rule.withholds(verdict):
        hidden = rule.hidden
        return Bucket(part, hidden, hidden, hidden, hidden)
    picked = _rows_within(rows, part)
    consultations = sum(row.consultations for row in picked)
    seconds = sum(row.total_duration_seconds for row in picked)
    average = round(sum(row.active_employees for row in picked) / len(picked), 1) if picked else 0.0
    return Bucket(
        part, consultations, seconds, average, _allowance_percent(company, consultations, part)
    )


def _shown_days(rows: list[DayRow], rule: SmallGroupRule) -> list[DayRow]:
    hidden = rule.hidden
    return [
        DayRow(row.day, hidden, hidden, hidden) if rule.withholds_day(row.active_employees) else row
        for row in rows
    ]


def _period_active_employees(
    company: Company, period: Period, verdict: GroupVerdict, rule: SmallGroupRule
) -> tuple["int | Hidden", "float | Hidden | None"]:
    """Distinct employees over the period, and that count against the seats."""
    if rule.withholds(verdict):
        return rule.hidden, rule.hidden
    active = verdict.distinct_employees
    if active is None:
        active = _distinct_active_employees(company, period)
    return active, (round(100 * active / company.seats, 1) if company.seats else None)


def _allowance_percent(company: Company, consultations: int, period: Period):
    """Consultations against the yearly allowance of all seats, prorated to the period."""
    if not company.yearly_allowance_per_employee or not company.seats:
        return None
    year_days = 366 if _is_leap(period.start.year) else 365
    allowed = company.seats * company.yearly_allowance_per_employee * period.days / year_days
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

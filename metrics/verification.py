"""What the rollups should hold, recomputed from the consultations themselves (grouped
in SQL): the source `services.counters_rebuild` writes back, and the comparison that
`manage.py rebuild_counters --verify` (and the demo seed) prints.

A consultation counts on its start date in TIME_ZONE, as the signal handler counts it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from consultations.models import Consultation
from metrics.models import CompanyDay, CountedConsultation, EmployeeDay, PractitionerDay

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


# --- Expected rollups, and their differences from the actual ones ---------------------


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

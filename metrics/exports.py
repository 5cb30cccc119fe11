"""CSV exports.

The usage format is the sketch's, byte for byte: `Date,Consultations,Durée (minutes)`,
one line per day with activity, an empty line, then `TOTAL,n,m`. Encoding UTF-8 without
BOM, lines ending in LF, no newline after the TOTAL line (exactly what the sketch
produced, so the accountants' imports keep working). Minutes are whole minutes, rounded
down, per line and for the total (computed from the total seconds). A company's usage
for HR has the same shape per ISO week or month, its first column the bucket's label
(`2026-W49`, `2026-12`).
"""

import csv
import io

from django.http import HttpResponse

from metrics.periods import Granularity
from metrics.selectors import CompanyReport, CompanyTotals, DayRow, PractitionerTotals

USAGE_HEADER = "Date,Consultations,Durée (minutes)"
CONTENT_TYPE = "text/csv; charset=utf-8"


def usage_csv(days: list[DayRow], total_consultations, total_minutes) -> str:
    return _usage(
        [(row.day.isoformat(), row.consultations, row.total_duration_minutes) for row in days],
        total_consultations,
        total_minutes,
    )


def _usage(lines: list[tuple], total_consultations, total_minutes) -> str:
    rows = [USAGE_HEADER, *(f"{label},{n},{m}" for label, n, m in lines)]
    rows += ["", f"TOTAL,{total_consultations},{total_minutes}"]
    return "\n".join(rows)


def company_report_csv(report: CompanyReport) -> str:
    """One line per published week or month (withheld ones read `< 5`), or, for HuntZen
    staff, per day with activity; TOTAL adds up the lines shown (empty while nothing of
    the period is published)."""
    buckets = report.buckets
    if report.granularity == Granularity.DAY:
        buckets = [bucket for bucket in buckets if bucket.consultations]
    total = report.total
    return _usage(
        [(b.label, b.consultations, b.total_duration_minutes) for b in buckets],
        "" if total is None else total.consultations,
        "" if total is None else total.total_duration_minutes,
    )


def _cell(value) -> str:
    """Text cells never start a spreadsheet formula."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _table(header: list[str], rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def practitioners_csv(rows: list[PractitionerTotals]) -> str:
    return _table(
        ["Praticien", "E-mail", "Consultations", "Durée (minutes)", "Jours actifs"],
        (
            [
                _cell(r.practitioner.get_full_name()),
                _cell(r.practitioner.email),
                r.consultations,
                r.total_duration_minutes,
                r.active_days,
            ]
            for r in rows
        ),
    )


def companies_csv(rows: list[CompanyTotals]) -> str:
    return _table(
        [
            "Entreprise",
            "Consultations",
            "Durée (minutes)",
            "Jours actifs",
            "Salariés actifs (moyenne par jour actif)",
        ],
        (
            [
                _cell(r.company.name),
                r.consultations,
                r.total_duration_minutes,
                r.active_days,
                r.avg_active_employees,
            ]
            for r in rows
        ),
    )


def csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response

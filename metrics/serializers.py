"""Response shapes of the metrics API: the sketch's section 6 fields, camelCase."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from huntzen.api import CamelSerializer
from metrics.periods import Granularity
from metrics.small_groups import Hidden


@extend_schema_field(
    {
        "oneOf": [{"type": "number"}, {"type": "string", "example": "< 5"}],
        "description": 'A number, or "< N" when withheld: it describes fewer than '
        "HUNTZEN_MIN_GROUP_SIZE distinct employees, or would let such a figure be computed "
        "from the others (both read the same).",
    }
)
class GroupFigureField(serializers.Field):
    def to_representation(self, value):
        return str(value) if isinstance(value, Hidden) else value


class PeriodSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "from": serializers.DateField(source="start"),
            "to": serializers.DateField(source="end"),
        }


class DaySerializer(CamelSerializer):
    date = serializers.DateField(source="day")
    consultations = serializers.IntegerField()
    total_duration_seconds = serializers.IntegerField()
    total_duration_minutes = serializers.IntegerField()


class PractitionerMetricsSerializer(CamelSerializer):
    practitioner_id = serializers.UUIDField(source="practitioner.pk")
    period = PeriodSerializer()
    consultations = serializers.IntegerField()
    total_duration_seconds = serializers.IntegerField()
    total_duration_minutes = serializers.IntegerField()
    average_duration_minutes = serializers.IntegerField()
    active_days = serializers.IntegerField()
    paid_late_cancellations = serializers.IntegerField(
        help_text="Employees' late cancellations of the period paid to the practitioner "
        "under their company's contract (HUNTZEN_CANCELLATION_NOTICE_HOURS)."
    )
    days = DaySerializer(many=True)


class EmployeeMetricsSerializer(CamelSerializer):
    """Counters only: never the practitioner, specialty, type, or any finer date."""

    employee_id = serializers.UUIDField(source="employee.pk")
    period = PeriodSerializer()
    consultations = serializers.IntegerField()
    total_duration_seconds = serializers.IntegerField()
    total_duration_minutes = serializers.IntegerField()


class RequestedPeriodSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "from": serializers.DateField(source="requested.start"),
            "to": serializers.DateField(source="requested.end"),
        }


class ReportPeriodSerializer(CamelSerializer):
    """The period read: the one asked for, snapped to whole buckets."""

    granularity = serializers.ChoiceField(choices=Granularity.choices)
    snapped = serializers.BooleanField()
    requested = RequestedPeriodSerializer(source="*")
    published_until = serializers.DateField(
        allow_null=True,
        help_text="HR: the last day published (figures come month by month, once the month "
        "is over); null for HuntZen staff, who read up to today.",
    )

    def get_fields(self):
        return {
            "from": serializers.DateField(source="period.start"),
            "to": serializers.DateField(source="period.end"),
            **super().get_fields(),
        }


class BucketSerializer(CamelSerializer):
    label = serializers.CharField(help_text="`2026-W49`, `2026-12` or `2026-12-03`.")
    period = PeriodSerializer()
    withheld = serializers.BooleanField(source="hidden")
    consultations = GroupFigureField()
    total_duration_seconds = GroupFigureField()
    total_duration_minutes = GroupFigureField()
    total_duration_hours = GroupFigureField()
    avg_active_users = GroupFigureField(source="avg_active_employees")
    allowance_used_percent = GroupFigureField(allow_null=True)


class CompanyMetricsSerializer(CamelSerializer):
    """For HR, the totals add up the buckets shown (null while nothing of the period is
    published); `activeUsers` and `seatUsedPercent` (distinct employees over the period)
    are HuntZen staff's only."""

    company_id = serializers.UUIDField(source="company.pk")
    period = ReportPeriodSerializer(source="*")
    consultations = GroupFigureField(source="total.consultations", allow_null=True)
    total_duration_seconds = GroupFigureField(
        source="total.total_duration_seconds", allow_null=True
    )
    total_duration_minutes = GroupFigureField(
        source="total.total_duration_minutes", allow_null=True
    )
    total_duration_hours = GroupFigureField(source="total.total_duration_hours", allow_null=True)
    avg_active_users = GroupFigureField(source="total.avg_active_employees", allow_null=True)
    allowance_used_percent = GroupFigureField(
        source="total.allowance_used_percent", allow_null=True
    )
    withheld_buckets = serializers.IntegerField()
    active_users = serializers.IntegerField(source="active_employees", allow_null=True)
    seats = serializers.IntegerField(source="company.seats")
    seat_used_percent = serializers.FloatField(allow_null=True)
    buckets = BucketSerializer(many=True)


# --- Hand-built representations ------------------------------------------------------
# The answers of the hot reads built without DRF's field machinery (rendering a year's
# report through the serializers above cost more than computing it). The serializers
# stay the schema; tests/metrics/test_metrics_bodies.py holds each body equal to its
# serializer's output for every kind of report (HR and staff, withheld, empty).


def _figure(value):
    return str(value) if isinstance(value, Hidden) else value


def _period(period) -> dict:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def _bucket_body(bucket) -> dict:
    return {
        "label": bucket.label,
        "period": _period(bucket.period),
        "withheld": bucket.hidden,
        "consultations": _figure(bucket.consultations),
        "totalDurationSeconds": _figure(bucket.total_duration_seconds),
        "totalDurationMinutes": _figure(bucket.total_duration_minutes),
        "totalDurationHours": _figure(bucket.total_duration_hours),
        "avgActiveUsers": _figure(bucket.avg_active_employees),
        "allowanceUsedPercent": _figure(bucket.allowance_used_percent),
    }


def company_metrics_body(report) -> dict:
    """`CompanyMetricsSerializer(report).data`, built by hand (same keys, same order,
    same values)."""
    total = report.total
    seat_percent = report.seat_used_percent
    return {
        "companyId": str(report.company.pk),
        "period": {
            **_period(report.period),
            "granularity": str(report.granularity),
            "snapped": report.snapped,
            "requested": _period(report.requested),
            "publishedUntil": report.published_until.isoformat()
            if report.published_until
            else None,
        },
        "consultations": None if total is None else _figure(total.consultations),
        "totalDurationSeconds": None if total is None else _figure(total.total_duration_seconds),
        "totalDurationMinutes": None if total is None else _figure(total.total_duration_minutes),
        "totalDurationHours": None if total is None else _figure(total.total_duration_hours),
        "avgActiveUsers": None if total is None else _figure(total.avg_active_employees),
        "allowanceUsedPercent": None if total is None else _figure(total.allowance_used_percent),
        "withheldBuckets": report.withheld_buckets,
        "activeUsers": report.active_employees,
        "seats": report.company.seats,
        "seatUsedPercent": None if seat_percent is None else float(seat_percent),
        "buckets": [_bucket_body(bucket) for bucket in report.buckets],
    }

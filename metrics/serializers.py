"""Response shapes of the metrics API: the sketch's section 6 fields, camelCase."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from huntzen.api import CamelSerializer
from metrics.small_groups import Hidden


@extend_schema_field(
    {
        "oneOf": [{"type": "number"}, {"type": "string", "example": "< 5"}],
        "description": 'A number, or "< N" when it describes fewer than '
        "HUNTZEN_MIN_GROUP_SIZE employees.",
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
    days = DaySerializer(many=True)


class EmployeeMetricsSerializer(CamelSerializer):
    """Counters only: never the practitioner, specialty, type, or any finer date."""

    employee_id = serializers.UUIDField(source="employee.pk")
    period = PeriodSerializer()
    consultations = serializers.IntegerField()
    total_duration_seconds = serializers.IntegerField()
    total_duration_minutes = serializers.IntegerField()


class CompanyDaySerializer(CamelSerializer):
    date = serializers.DateField(source="day")
    consultations = GroupFigureField()
    total_duration_seconds = GroupFigureField()
    active_users = GroupFigureField(source="active_employees")


class BucketSerializer(CamelSerializer):
    period = PeriodSerializer()
    consultations = GroupFigureField()
    total_duration_seconds = GroupFigureField()
    total_duration_hours = GroupFigureField()
    avg_active_users = GroupFigureField(source="avg_active_employees")
    allowance_used_percent = GroupFigureField(allow_null=True)


class CompanyMetricsSerializer(CamelSerializer):
    company_id = serializers.UUIDField(source="company.pk")
    period = PeriodSerializer()
    consultations = GroupFigureField(source="total.consultations")
    total_duration_seconds = GroupFigureField(source="total.total_duration_seconds")
    total_duration_hours = GroupFigureField(source="total.total_duration_hours")
    avg_active_users = GroupFigureField(source="total.avg_active_employees")
    active_users = GroupFigureField(source="active_employees")
    seats = serializers.IntegerField(source="company.seats")
    seat_used_percent = GroupFigureField(allow_null=True)
    allowance_used_percent = GroupFigureField(
        source="total.allowance_used_percent", allow_null=True
    )
    days = CompanyDaySerializer(many=True)
    weeks = BucketSerializer(many=True)
    months = BucketSerializer(many=True)

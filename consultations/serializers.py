"""API shapes (camelCase through huntzen.api): who, when, status. Never medical."""

from rest_framework import serializers

from accounts.models import Role, User
from consultations import selectors
from consultations.models import Consultation
from huntzen.api import CamelModelSerializer, CamelSerializer


class PersonSerializer(CamelSerializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)


class ConsultationSerializer(CamelModelSerializer):
    employee = PersonSerializer(read_only=True)
    practitioner = PersonSerializer(read_only=True)
    company_id = serializers.UUIDField(read_only=True)
    cancelled_by_id = serializers.UUIDField(read_only=True, allow_null=True)
    cancel_reason = serializers.SerializerMethodField(method_name="get_cancel_reason")

    class Meta:
        model = Consultation
        fields = [
            "id",
            "employee",
            "practitioner",
            "company_id",
            "kind",
            "status",
            "scheduled_at",
            "scheduled_end",
            "started_at",
            "ended_at",
            "duration_seconds",
            "cancelled_at",
            "cancelled_by_id",
            "cancel_reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_cancel_reason(self, consultation) -> str | None:
        """Only the two participants read it (it may be personal); staff do not."""
        request = self.context.get("request")
        if request is None:
            return None
        return selectors.cancel_reason_for(user=request.user, consultation=consultation)


class BookingSerializer(CamelSerializer):
    practitioner_id = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.PRACTITIONER, is_active=True)
    )
    scheduled_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=Consultation.Kind.choices)


class CancelSerializer(CamelSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class EmptySerializer(CamelSerializer):
    """No body fields: anything sent is refused with 400 naming it."""


class SlotsQuerySerializer(CamelSerializer):
    MAX_DAYS = 31

    def get_fields(self):
        return {
            "from": serializers.DateField(required=False),
            "to": serializers.DateField(required=False),
        }


class SlotSerializer(CamelSerializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class SlotsSerializer(CamelSerializer):
    practitioner_id = serializers.UUIDField()
    time_zone = serializers.CharField()
    length_minutes = serializers.IntegerField()
    slots = SlotSerializer(many=True)


class ConflictSerializer(CamelSerializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    current_status = serializers.ChoiceField(choices=Consultation.Status.choices)

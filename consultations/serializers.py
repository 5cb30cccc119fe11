"""API shapes (camelCase through huntzen.api): who, when, status. Never medical."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Role, User
from consultations import selectors
from consultations.models import Consultation
from huntzen.api import CamelModelSerializer, CamelQuerySerializer, CamelSerializer


class PersonSerializer(CamelSerializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)


class ConsultationSerializer(CamelModelSerializer):
    employee = PersonSerializer(read_only=True)
    practitioner = PersonSerializer(read_only=True)
    company_id = serializers.UUIDField(read_only=True)
    cancelled_by_id = serializers.UUIDField(read_only=True, allow_null=True)
    cancel_reason = serializers.SerializerMethodField(method_name="get_cancel_reason")
    # The sketch's name; `kind` is kept beside it for the clients written against v1.0.
    type = serializers.ChoiceField(source="kind", choices=Consultation.Kind.choices, read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "employee",
            "practitioner",
            "company_id",
            "type",
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
            "cancelled_late",
            "created_at",
        ]
        read_only_fields = fields

    def get_cancel_reason(self, consultation) -> str | None:
        """Only the two participants read it (it may be personal); staff do not."""
        request = self.context.get("request")
        if request is None:
            return None
        return selectors.cancel_reason_for(user=request.user, consultation=consultation)

    def to_representation(self, consultation):
        """The fields above, built directly: DRF's field-by-field walk was about half of
        a page of 50 consultations (bench/profiles). The same dictionary as the generic
        walk, which tests/consultations/test_api_representation.py compares it with."""
        dt = _DATETIME.to_representation

        def when(value):
            return None if value is None else dt(value)

        def person(user):
            return {"id": str(user.pk), "name": user.get_full_name()}

        return {
            "id": str(consultation.pk),
            "employee": person(consultation.employee),
            "practitioner": person(consultation.practitioner),
            "companyId": str(consultation.company_id),
            "type": consultation.kind,
            "kind": consultation.kind,
            "status": consultation.status,
            "scheduledAt": dt(consultation.scheduled_at),
            "scheduledEnd": dt(consultation.scheduled_end),
            "startedAt": when(consultation.started_at),
            "endedAt": when(consultation.ended_at),
            "durationSeconds": consultation.duration_seconds,
            "cancelledAt": when(consultation.cancelled_at),
            "cancelledById": (
                None if consultation.cancelled_by_id is None else str(consultation.cancelled_by_id)
            ),
            "cancelReason": self.get_cancel_reason(consultation),
            "cancelledLate": consultation.cancelled_late,
            "createdAt": dt(consultation.created_at),
        }


# One instance: its to_representation depends on the settings and time zone of the call.
_DATETIME = serializers.DateTimeField(read_only=True)


class BookingSerializer(CamelSerializer):
    """The sketch's CreateConsultationDto names the kind `type`; `kind`, our earlier name,
    is still accepted. One of them is required; both, if they differ, are refused."""

    practitioner_id = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.PRACTITIONER, is_active=True)
    )
    scheduled_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(
        choices=Consultation.Kind.choices,
        required=False,
        help_text="Former name of `type`, still accepted.",
    )

    def get_fields(self):
        fields = super().get_fields()
        # `type` is a builtin's name: declared here rather than as a class attribute.
        fields["type"] = serializers.ChoiceField(
            choices=Consultation.Kind.choices,
            required=False,
            help_text="The consultation's kind (the sketch's name). Required unless `kind` "
            "is sent.",
        )
        return fields

    def validate(self, attrs):
        sent = {attrs[name] for name in ("type", "kind") if name in attrs}
        if not sent:
            raise serializers.ValidationError(
                {"type": [serializers.Field.default_error_messages["required"]]}
            )
        if len(sent) > 1:
            raise serializers.ValidationError(
                {"type": [_("« type » et « kind » diffèrent : envoyez-en un seul.")]}
            )
        attrs.pop("type", None)
        attrs["kind"] = sent.pop()
        return attrs


class CancelSerializer(CamelSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RescheduleSerializer(CamelSerializer):
    scheduled_at = serializers.DateTimeField(
        help_text="Start of another bookable slot of the same practitioner."
    )


class EmptySerializer(CamelSerializer):
    """No body fields: anything sent is refused with 400 naming it."""


class SlotsQuerySerializer(CamelQuerySerializer):
    MAX_DAYS = 31

    def get_fields(self):
        return {
            "from": serializers.DateField(required=False),
            "to": serializers.DateField(required=False),
        }


class SlotSerializer(CamelSerializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()

    def to_representation(self, slot):
        """Built directly: four weeks hold a few hundred slots (held equal to DRF's walk
        by tests/consultations/test_api_representation.py)."""
        dt = _DATETIME.to_representation
        return {"start": dt(slot["start"]), "end": dt(slot["end"])}


class SlotsSerializer(CamelSerializer):
    practitioner_id = serializers.UUIDField()
    time_zone = serializers.CharField()
    length_minutes = serializers.IntegerField()
    slots = SlotSerializer(many=True)

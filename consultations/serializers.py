"""API shapes (camelCase through huntzen.api): who, when, status. Never medical."""

from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Role, User
from consultations import selectors
from consultations.models import Consultation
from huntzen import json_rows
from huntzen.api import CamelModelSerializer, CamelQuerySerializer, CamelSerializer
from huntzen.datetime_text import datetime_text
from huntzen.statements import Statement


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

    # What the list reads per consultation (values_list, no model instance): the same
    # values the representation takes from an instance (`row_of`). The list reads its
    # ids and instants as PostgreSQL's text (huntzen.statements `as_text`): each is
    # written as text, from either (`_consultation`).
    ROW_TEXT = ("uuid", "timestamptz")
    ROW_FIELDS = (
        "id",
        "employee_id",
        "employee__first_name",
        "employee__last_name",
        "employee__email",
        "practitioner_id",
        "practitioner__first_name",
        "practitioner__last_name",
        "practitioner__email",
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
        "cancel_reason_sealed",
        "cancelled_late",
        "created_at",
    )

    def get_cancel_reason(self, consultation) -> str | None:
        """Only the two participants read it (it may be personal); staff do not."""
        request = self.context.get("request")
        if request is None:
            return None
        return selectors.cancel_reason_for(user=request.user, consultation=consultation)

    @staticmethod
    def row_of(consultation) -> tuple:
        """`ROW_FIELDS` of one instance."""
        employee, practitioner = consultation.employee, consultation.practitioner
        c = consultation
        return (
            c.pk,
            c.employee_id,
            employee.first_name,
            employee.last_name,
            employee.email,
            c.practitioner_id,
            practitioner.first_name,
            practitioner.last_name,
            practitioner.email,
            c.company_id,
            c.kind,
            c.status,
            c.scheduled_at,
            c.scheduled_end,
            c.started_at,
            c.ended_at,
            c.duration_seconds,
            c.cancelled_at,
            c.cancelled_by_id,
            c.cancel_reason_sealed,
            c.cancelled_late,
            c.created_at,
        )

    @classmethod
    def represent_rows(cls, rows, *, request=None) -> list[dict]:
        """The representation of each `ROW_FIELDS` row, built directly: DRF's
        field-by-field walk over model instances was most of a page's time
        (bench/profiles). tests/consultations/test_api_representation.py holds it equal
        to the generic walk, field by field."""
        dt = datetime_text()
        user = None if request is None else request.user
        people, ids = _People(), _Ids()
        return [_consultation(row, dt, user, people, ids) for row in rows]

    @classmethod
    def represent_rows_json(cls, rows, *, request=None) -> list[str]:
        """Each row's representation (`represent_rows`) as the JSON text DRF's
        JSONRenderer writes for it (huntzen.json_rows), without its dict:
        tests/consultations/test_my_consultations_bytes.py holds a page of them equal to
        the rendered dicts."""
        instant = datetime_text(json=True)
        user = None if request is None else request.user
        people = _PeopleJson()
        return [_consultation_json(row, instant, user, people) for row in rows]

    def to_representation(self, consultation):
        request = self.context.get("request")
        user = None if request is None else request.user
        return _consultation(
            self.row_of(consultation), datetime_text(), user, _People(), _Ids(), consultation
        )


def _name(first_name: str, last_name: str, email: str) -> str:
    """User.get_full_name from its three columns."""
    return f"{first_name} {last_name}".strip() or email


_uuid = Consultation._meta.pk.to_python  # a UUID, from a UUID or the list's text of one


def _cancel_reason(row: tuple, user, consultation: Consultation | None = None) -> str | None:
    """`consultation`: the instance `row` was read from (`row_of`), when there is one
    (a cancellation's answer): asked as it is rather than rebuilt from the row."""
    sealed = row[19]
    if not sealed or user is None:
        return None
    if consultation is not None:
        return selectors.cancel_reason_for(user=user, consultation=consultation)
    # Rare (a cancelled consultation with a reason): the one selector decides and decrypts.
    consultation = Consultation(
        pk=_uuid(row[0]),
        employee_id=_uuid(row[1]),
        practitioner_id=_uuid(row[5]),
        cancelled_by_id=_uuid(row[18]),
        cancel_reason_sealed=sealed,
    )
    return selectors.cancel_reason_for(user=user, consultation=consultation)


class _People(dict):
    """A page's {"id", "name"} of each person, written once per page: a page is one
    statement's rows, so a person's columns are the same on each of its rows."""

    def __missing__(self, person: tuple) -> dict:
        pk, first_name, last_name, email = person
        self[person] = shown = {"id": str(pk), "name": _name(first_name, last_name, email)}
        return shown


class _Ids(dict):
    """A page's text of each repeated id (its company's)."""

    def __missing__(self, pk) -> str:
        self[pk] = text = str(pk)
        return text


def _consultation(row: tuple, dt, user, people: _People, ids: _Ids, instance=None) -> dict:
    (
        pk,
        employee_id,
        employee_first,
        employee_last,
        employee_email,
        practitioner_id,
        practitioner_first,
        practitioner_last,
        practitioner_email,
        company_id,
        kind,
        status,
        scheduled_at,
        scheduled_end,
        started_at,
        ended_at,
        duration_seconds,
        cancelled_at,
        cancelled_by_id,
        _sealed,
        cancelled_late,
        created_at,
    ) = row
    return {
        "id": str(pk),
        "employee": people[employee_id, employee_first, employee_last, employee_email],
        "practitioner": people[
            practitioner_id, practitioner_first, practitioner_last, practitioner_email
        ],
        "companyId": ids[company_id],
        "type": kind,
        "kind": kind,
        "status": status,
        "scheduledAt": dt(scheduled_at),
        "scheduledEnd": dt(scheduled_end),
        "startedAt": dt(started_at),
        "endedAt": dt(ended_at),
        "durationSeconds": duration_seconds,
        "cancelledAt": dt(cancelled_at),
        "cancelledById": None if cancelled_by_id is None else str(cancelled_by_id),
        "cancelReason": _cancel_reason(row, user, instance),
        "cancelledLate": cancelled_late,
        "createdAt": dt(created_at),
    }


class _PeopleJson(dict):
    """`_People`'s objects as JSON text, by id (`people.get(pk) or people.add(…)`): a
    page is one statement's rows, so the id alone tells a person's other columns, which
    are then not hashed again on each row."""

    def add(self, pk: str, first_name: str, last_name: str, email: str) -> str:
        name = json_rows.string(_name(first_name, last_name, email))
        shown = self[pk] = f'{{"id":"{pk}","name":{name}}}'
        return shown


def _consultation_json(row: tuple, instant, user, people: _PeopleJson) -> str:
    """`_consultation(row, …)` as JSON text, its keys in the same order; `instant`
    writes an instant (datetime_text with `json`). Ids (UUIDs: hex digits and "-") are written
    between quotes as they are: nothing in them to escape."""
    (
        pk,
        employee_id,
        employee_first,
        employee_last,
        employee_email,
        practitioner_id,
        practitioner_first,
        practitioner_last,
        practitioner_email,
        company_id,
        kind,
        status,
        scheduled_at,
        scheduled_end,
        started_at,
        ended_at,
        duration_seconds,
        cancelled_at,
        cancelled_by_id,
        _sealed,
        cancelled_late,
        created_at,
    ) = row
    kind = json_rows.string(kind)
    by = "null" if cancelled_by_id is None else f'"{cancelled_by_id}"'
    duration = "null" if duration_seconds is None else repr(int(duration_seconds))
    # Most rows have no sealed reason: `_cancel_reason` (None then) is not called for them.
    reason = json_rows.string_or_null(_cancel_reason(row, user)) if _sealed else "null"
    employee = people.get(employee_id) or people.add(
        employee_id, employee_first, employee_last, employee_email
    )
    practitioner = people.get(practitioner_id) or people.add(
        practitioner_id, practitioner_first, practitioner_last, practitioner_email
    )
    return (
        f'{{"id":"{pk}","employee":{employee},"practitioner":{practitioner},'
        f'"companyId":"{company_id}",'
        f'"type":{kind},"kind":{kind},"status":{json_rows.string(status)},'
        f'"scheduledAt":{instant(scheduled_at)},"scheduledEnd":{instant(scheduled_end)},'
        # Not started, not ended, not cancelled: most rows' three nulls, without a call.
        f'"startedAt":{"null" if started_at is None else instant(started_at)},'
        f'"endedAt":{"null" if ended_at is None else instant(ended_at)},'
        f'"durationSeconds":{duration},'
        f'"cancelledAt":{"null" if cancelled_at is None else instant(cancelled_at)},'
        f'"cancelledById":{by},'
        f'"cancelReason":{reason},'
        f'"cancelledLate":{json_rows.LITERALS[cancelled_late]},'
        f'"createdAt":{instant(created_at)}}}'
    )


def _practitioners():
    """Whom a booking may name: an active practitioner."""
    return User.objects.filter(role=Role.PRACTITIONER, is_active=True)


# The field's queryset (its model names the schema's type): built once, not by each
# booking's copy of the field (lazy, never evaluated: the row is read by the statement).
_PRACTITIONERS = _practitioners()


# The practitioner's whole row by key: compiled once per process (the ORM took longer
# to build this query than PostgreSQL to answer it).
_PRACTITIONER_ROW = Statement(
    lambda pk: _practitioners()
    .filter(pk=pk)
    .values_list(*(f.attname for f in User._meta.concrete_fields)),
    pk=User._meta.pk,
)


class PractitionerField(serializers.PrimaryKeyRelatedField):
    """`PrimaryKeyRelatedField(queryset=_practitioners())`, its answers and errors, the
    row read by a statement compiled once."""

    def __init__(self, **kwargs):
        super().__init__(queryset=_PRACTITIONERS, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            rows = _PRACTITIONER_ROW.rows(pk=data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not rows:
            self.fail("does_not_exist", pk_value=data)
        return User.from_db(
            DEFAULT_DB_ALIAS, [f.attname for f in User._meta.concrete_fields], rows[0]
        )


# A booking body's fields, built once per serializer class (and not bound): DRF builds
# them anew for each instance by deep copies, each re-running the field's __init__,
# a tenth of a booking's validation. A shallow copy per instance suffices for these
# flat fields: `bind` sets what is the instance's own (name, parent, source), and what
# they share (choices, error messages, the practitioners' unevaluated queryset) is
# never changed. Not for nested or list serializers, which keep bound children.
_FLAT_FIELDS: dict[type, dict] = {}


def _flat_fields(serializer_class, build) -> dict:
    fields = _FLAT_FIELDS.get(serializer_class)
    if fields is None:
        fields = _FLAT_FIELDS[serializer_class] = build()
    return fields


def _shallow_copy(field):
    """`copy.copy(field)` without its generic protocol: the same class, its own dict."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class BookingSerializer(CamelSerializer):
    """The sketch's CreateConsultationDto names the kind `type`; `kind`, our earlier name,
    is still accepted. One of them is required; both, if they differ, are refused."""

    practitioner_id = PractitionerField()
    scheduled_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(
        choices=Consultation.Kind.choices,
        required=False,
        help_text="Former name of `type`, still accepted.",
    )

    def get_fields(self):
        # Built once per class, each instance given shallow copies (module's `_flat_fields`).
        return {
            name: _shallow_copy(field)
            for name, field in _flat_fields(type(self), self._build_fields).items()
        }

    def _build_fields(self) -> dict:
        """The fields as DRF (and huntzen.api's camelCase) build them, and `type`."""
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
        dt = datetime_text()
        return {"start": dt(slot["start"]), "end": dt(slot["end"])}


# The schema of the answer; `represent` builds it (DRF's walk over a few hundred slots
# was most of the request): tests/consultations/test_api_representation.py holds the two
# equal. A comment, not a docstring: drf-spectacular would print it in the schema.
class SlotsSerializer(CamelSerializer):
    practitioner_id = serializers.UUIDField()
    time_zone = serializers.CharField()
    length_minutes = serializers.IntegerField()
    slots = SlotSerializer(many=True)

    @staticmethod
    def represent(*, practitioner_id, time_zone: str, length_minutes: int, slots) -> dict:
        dt = datetime_text()
        return {
            "practitionerId": str(practitioner_id),
            "timeZone": time_zone,
            "lengthMinutes": length_minutes,
            "slots": [{"start": dt(slot.start), "end": dt(slot.end)} for slot in slots],
        }

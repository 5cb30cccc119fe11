"""REST API of consultations: the same services and access function as the portal.

404 for a consultation the user may not know of, 403 for one they see but may not act
on, 409 {"code", "message", "currentStatus"} for an illegal transition, 400 naming bad fields.
"""

import functools
from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.gates import gated
from accounts.models import User
from companies.access import get_practitioner_for, may_browse_practitioners
from consultations import selectors, services, slots_cache
from consultations.access import get_consultation_for, may_book, may_read_own_consultations
from consultations.models import Availability, Consultation
from consultations.serializers import (
    BookingSerializer,
    CancelSerializer,
    ConsultationSerializer,
    EmptySerializer,
    PractitionerField,
    RescheduleSerializer,
    SlotsQuerySerializer,
    SlotsSerializer,
)
from huntzen import json_rows
from huntzen.api import check_query_params, render, rendered_response, with_total
from huntzen.idempotency import keys as idempotency_keys
from huntzen.statements import Statement
from huntzen.throttling import BookingRateThrottle

_ERRORS = {
    400: OpenApiResponse(description="Invalid body (fields named) or booking refused"),
    403: OpenApiResponse(description="Not allowed for this user"),
    404: OpenApiResponse(description="No such consultation for this user"),
}


class ConsultationCreateView(APIView):
    permission_classes = gated(may_book)
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, BookingRateThrottle]

    @extend_schema(
        operation_id="consultations_book",
        request=BookingSerializer,
        parameters=[idempotency_keys.PARAMETER],
        responses={
            201: ConsultationSerializer,
            409: OpenApiResponse(description="Slot taken, or the employee is busy then"),
            422: idempotency_keys.REUSED_RESPONSE,
            **_ERRORS,
        },
        description="Book a bookable slot for the signed-in employee, in their own company. "
        "Rules the schema cannot express, each a 400 with its `code`: `practitionerId` names "
        "an active practitioner (`practitioner_unavailable`; unknown: 400 naming the field); "
        "`scheduledAt` is the start of one of their slots (`GET "
        "/api/v1/practitioners/{id}/slots`: `not_a_slot`), in the future (`slot_in_past`), "
        "after the booking notice (`too_soon`) and within the booking horizon (`too_far`); "
        "`type` and `kind`, if both sent, agree. 403: the company is not active "
        "(`company_inactive`) or the yearly allowance is used up (`allowance_exhausted`). "
        "409: the slot was taken meanwhile (`slot_taken`) or the employee is busy then "
        "(`employee_busy`).",
    )
    @idempotency_keys.idempotent(whole=True)
    def post(self, request):
        data = _plain_booking(request.data)
        if data is None:
            body = _BookingBody(data=request.data)
            if not body.is_valid():
                # Refused: as BookingSerializer refuses it (its practitioner read and all).
                body = BookingSerializer(data=request.data)
                body.is_valid(raise_exception=True)
            data = body.validated_data
        practitioner = data["practitioner_id"]
        known = {"practitioner": practitioner} if isinstance(practitioner, User) else {}
        try:
            consultation = services.consultation_book(
                employee=request.user,
                practitioner_id=None if known else practitioner,
                scheduled_at=data["scheduled_at"],
                kind=data["kind"],
                **known,
            )
        except services.UnknownPractitioner:
            # BookingSerializer's refusal of that key (read with the locks, first).
            field = BookingSerializer().fields["practitionerId"]
            try:
                field.fail("does_not_exist", pk_value=request.data["practitionerId"])
            except serializers.ValidationError as refused:
                raise serializers.ValidationError({"practitionerId": refused.detail}) from None
        return Response(
            ConsultationSerializer(consultation, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class _PractitionerKey(PractitionerField):
    """The booking body's practitioner as BookingSerializer's field reads it, its row
    left to the booking's statement that locks it (services.consultation_book's
    `practitioner_id`): the key, or the field's own refusal of the value."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            return User._meta.pk.get_db_prep_value(data, connection, prepared=False)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)


class _BookingBody(BookingSerializer):
    """BookingSerializer, the practitioner's row read by the booking itself: accepts
    what BookingSerializer accepts but an unknown practitioner, which the booking then
    refuses before anything else, as the serializer words it."""

    practitioner_id = _PractitionerKey()


_PLAIN_KEYS = frozenset(("practitionerId", "scheduledAt", "type", "kind"))


@functools.cache
def _body_fields() -> dict:
    """_BookingBody's fields, built once per process for `_plain_booking`, which only
    calls their `to_internal_value` (it keeps nothing on the field)."""
    return dict(_BookingBody().fields)


def _plain_booking(data) -> dict | None:
    """The validated data _BookingBody gives a plain body, without a serializer: a JSON
    object of strings only, of the body's keys only, naming the practitioner, the
    instant and one kind (`type`, `kind` or both the same), each converted by the
    body's own field. None for any other body, or when a field refuses its value:
    _BookingBody then answers it, refusal and all. Building and walking the serializer
    for the one body every client sends cost more CPU than the booking's checks
    (tests/consultations/test_booking_plain_body.py holds the two equal over hostile
    bodies)."""
    if type(data) is not dict or not data.keys() <= _PLAIN_KEYS:
        return None
    if any(type(value) is not str for value in data.values()):
        return None
    kinds = {data[name] for name in ("type", "kind") if name in data}
    if len(kinds) != 1 or "practitionerId" not in data or "scheduledAt" not in data:
        return None
    fields = _body_fields()
    try:
        return {
            "practitioner_id": fields["practitionerId"].to_internal_value(data["practitionerId"]),
            "scheduled_at": fields["scheduledAt"].to_internal_value(data["scheduledAt"]),
            "kind": fields["type"].to_internal_value(kinds.pop()),
        }
    except (serializers.ValidationError, DjangoValidationError):
        return None


SCOPES = ["all", "upcoming", "past", "cancelled"]


def _scope_statement(scope: str) -> Statement:
    """The page of `scope` for a user (`user_id`) at an instant (`now`, for the scopes
    that depend on it): the selector's queryset, compiled once per process."""
    select = {
        "all": lambda user, now: selectors.consultations_of(user).order_by("-scheduled_at"),
        "upcoming": lambda user, now: selectors.upcoming_consultations(user, now=now),
        "past": lambda user, now: selectors.past_consultations(user, now=now),
        "cancelled": lambda user, now: selectors.cancelled_consultations(user),
    }[scope]
    fields = {"user_id": User._meta.pk}
    if scope in ("upcoming", "past"):
        fields["now"] = Consultation._meta.get_field("scheduled_end")

    def build(user_id, now=None):
        return with_total(select(User(pk=user_id), now), ConsultationSerializer.ROW_FIELDS)

    # Prepared: PostgreSQL planned this statement (its guardian subquery, two joins) in
    # 0.6 ms a request, longer than it took to run it (bench/profiles/ne/SUMMARY.md).
    return Statement(build, as_text=ConsultationSerializer.ROW_TEXT, prepared=True, **fields)


MY_CONSULTATIONS = {scope: _scope_statement(scope) for scope in SCOPES}
_SCOPE_PARAM = {"scope": serializers.ChoiceField(choices=SCOPES)}  # built once: no state kept


class MyConsultationsView(generics.ListAPIView):
    serializer_class = ConsultationSerializer
    permission_classes = gated(may_read_own_consultations)

    @extend_schema(
        operation_id="consultations_my",
        parameters=[
            OpenApiParameter(
                "scope",
                str,
                enum=SCOPES,
                description="default: all. `upcoming`: scheduled and not over, or in "
                "progress; `past`: held, missed, or scheduled but over (never a cancelled "
                "one); `cancelled`: cancelled ones, future or past.",
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        check_query_params(request, _SCOPE_PARAM)
        scope = request.query_params.get("scope", "all")
        rows = self.paginator.paginate_statement(
            MY_CONSULTATIONS[scope], request, view=self, user_id=request.user.pk, now=timezone.now()
        )
        if json_rows.writes_plain_json(self):  # each row straight to JSON text
            return json_rows.paginated_response(
                self, ConsultationSerializer.represent_rows_json(rows, request=request)
            )
        return self.get_paginated_response(
            ConsultationSerializer.represent_rows(rows, request=request)
        )


class ConsultationDetailView(APIView):
    @extend_schema(
        operation_id="consultations_read", responses={200: ConsultationSerializer, **_ERRORS}
    )
    def get(self, request, pk):
        consultation = get_consultation_for(request.user, pk)
        return Response(ConsultationSerializer(consultation, context={"request": request}).data)


class _TransitionView(APIView):
    body_serializer = EmptySerializer
    # The object permission the service checks: loaded with the visibility check.
    object_perm = ""
    # Whether the change emails both participants: their addresses read with the row.
    emails_both = False

    def act(self, *, actor, consultation, body):
        raise NotImplementedError

    @idempotency_keys.idempotent(whole=True)
    def post(self, request, pk):
        perms = (self.object_perm,) if self.object_perm else ()
        consultation = get_consultation_for(
            request.user, pk, perms=perms, lock=True, addresses=self.emails_both
        )
        body = self.body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        consultation = self.act(
            actor=request.user, consultation=consultation, body=body.validated_data
        )
        return Response(ConsultationSerializer(consultation, context={"request": request}).data)


def _transition_schema(operation_id: str, request=EmptySerializer):
    return extend_schema(
        operation_id=operation_id,
        request=request,
        parameters=[idempotency_keys.PARAMETER],
        responses={
            200: ConsultationSerializer,
            409: OpenApiResponse(description="Illegal transition (`currentStatus`)"),
            422: idempotency_keys.REUSED_RESPONSE,
            **_ERRORS,
        },
    )


class ConsultationStartView(_TransitionView):
    object_perm = "start_consultation"

    @_transition_schema("consultations_start")
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, *, actor, consultation, body):
        return services.consultation_start(actor=actor, consultation=consultation)


class ConsultationEndView(_TransitionView):
    object_perm = "end_consultation"

    @_transition_schema("consultations_end")
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, *, actor, consultation, body):
        return services.consultation_end(actor=actor, consultation=consultation)


class ConsultationCancelView(_TransitionView):
    object_perm = "cancel_consultation"
    body_serializer = CancelSerializer
    emails_both = True

    @extend_schema(
        operation_id="consultations_cancel",
        parameters=[idempotency_keys.PARAMETER],
        request=CancelSerializer,
        responses={
            200: ConsultationSerializer,
            400: OpenApiResponse(description="Invalid body; the practitioner gave no `reason`"),
            403: OpenApiResponse(description="Not a participant who may cancel"),
            404: OpenApiResponse(description="No such consultation for this user"),
            409: OpenApiResponse(description="Illegal transition (`currentStatus`)"),
            422: idempotency_keys.REUSED_RESPONSE,
        },
        description="Either participant cancels before the start. The practitioner must "
        "give a `reason` (the employee reads it and is offered other slots by email). An "
        "employee cancelling within HUNTZEN_CANCELLATION_NOTICE_HOURS makes a late "
        "cancellation (`cancelledLate`).",
    )
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, *, actor, consultation, body):
        return services.consultation_cancel(
            actor=actor, consultation=consultation, reason=body.get("reason", "")
        )


class ConsultationRescheduleView(_TransitionView):
    object_perm = "cancel_consultation"
    body_serializer = RescheduleSerializer
    emails_both = True

    @extend_schema(
        operation_id="consultations_reschedule",
        parameters=[idempotency_keys.PARAMETER],
        request=RescheduleSerializer,
        responses={
            200: ConsultationSerializer,
            400: OpenApiResponse(
                description="Invalid body, or not a bookable slot of the practitioner "
                "(`not_a_slot`, `too_soon`, `too_far`, `slot_in_past`, `same_slot`)"
            ),
            403: OpenApiResponse(description="Not the consultation's employee"),
            404: OpenApiResponse(description="No such consultation for this user"),
            409: OpenApiResponse(
                description="Slot taken (`slot_taken`), the employee is busy then "
                "(`employee_busy`), or no longer movable: not scheduled, or within "
                "HUNTZEN_CANCELLATION_NOTICE_HOURS (`illegal_transition`, `currentStatus`)"
            ),
            422: idempotency_keys.REUSED_RESPONSE,
        },
        description="The employee moves her scheduled consultation to another free slot "
        "of the same practitioner, until the cancellation notice. Same consultation (id, "
        "history); both participants get the updated calendar event.",
    )
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, *, actor, consultation, body):
        return services.consultation_reschedule(
            actor=actor, consultation=consultation, scheduled_at=body["scheduled_at"]
        )


class ConsultationNoShowView(_TransitionView):
    object_perm = "mark_no_show_consultation"
    emails_both = True

    @_transition_schema("consultations_no_show")
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, *, actor, consultation, body):
        return services.consultation_mark_no_show(actor=actor, consultation=consultation)


class PractitionerSlotsView(APIView):
    permission_classes = gated(may_browse_practitioners)

    def cache_read_ahead(self, request):
        """The cached answer's keys, fetched with a bearer token's user (one round trip)."""
        return slots_cache.read_ahead(request, practitioner_id=self.kwargs["pk"])

    @extend_schema(
        operation_id="practitioners_slots",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="first day (default today)"),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, description="last day, inclusive (default from + 6)"
            ),
        ],
        responses={200: SlotsSerializer, **_ERRORS},
        description="Bookable slots, days read in the practitioner's time zone. `to` ≥ "
        "`from`, at most 31 days at once, each parameter given once; else 400 naming it.",
    )
    def get(self, request, pk):
        now = timezone.now()
        # The same for everyone who may browse: cached (consultations.slots_cache), and
        # stored only once the practitioner and the parameters passed every check below.
        found, content = slots_cache.cached_answer(request, practitioner_id=pk, now=now)
        if content is not None:
            return rendered_response(request, content)
        profile = get_practitioner_for(request.user, pk, card=False)
        check_query_params(request, _SLOTS_QUERY_FIELDS)
        query = SlotsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        first = query.validated_data.get("from")
        last = query.validated_data.get("to")
        inputs = selectors.slot_inputs(
            practitioner_id=profile.user_id, first_day=first, last_day=last, now=now
        )
        availability = inputs.availability if inputs else Availability(practitioner=profile.user)
        first = first or now.astimezone(availability.tz).date()
        last = last or first + timedelta(days=6)
        if last < first:
            raise exceptions.ValidationError({"to": ["Must not be before `from`."]})
        if (last - first).days >= SlotsQuerySerializer.MAX_DAYS:
            raise exceptions.ValidationError({"to": ["At most 31 days at once."]})
        start, end = selectors.slot_bounds_for_days(
            availability=availability, first_day=first, last_day=last
        )
        slots = selectors.slots_from_inputs(inputs, start=start, end=end, now=now) if inputs else []
        body = SlotsSerializer.represent(
            practitioner_id=profile.user_id,
            time_zone=availability.time_zone,
            length_minutes=availability.length_minutes,
            slots=slots,
        )
        day_ends = None
        if query.validated_data.get("from") is None:  # the span starts today, wherever it is
            _, day_ends = selectors.slot_bounds_for_days(
                availability=availability, first_day=first, last_day=first
            )
        until = selectors.slots_unchanged_until(slots, end=end, now=now, day_ends=day_ends)
        content = render(self, body)
        slots_cache.store_answer(found, content, now=now, until=until)
        return rendered_response(request, content)


_SLOTS_QUERY_FIELDS = dict.fromkeys(("from", "to"))

"""The consultation's API shape is built by hand for speed
(`ConsultationSerializer.to_representation` from an instance, `represent_rows` from the
list's values rows): both must stay exactly what DRF's generic walk over the declared
fields gives, for every state a consultation can be in, and every declared field must
be seen with a value (a field added to Meta.fields and not to the hand-built shape
fails here)."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from consultations import selectors, services
from consultations.models import Consultation
from consultations.serializers import (
    ConsultationSerializer,
    SlotSerializer,
    SlotsSerializer,
    datetime_text,
)
from huntzen.api import camel
from tests.consultations.factories import book, completed

pytestmark = pytest.mark.django_db


def _both(consultation, user):
    """The hand-built shape (from the instance, checked equal to the one from the list's
    values row) and DRF's walk."""
    request = RequestFactory().get("/")
    request.user = user
    serializer = ConsultationSerializer(consultation, context={"request": request})
    generic = serializers.ModelSerializer.to_representation(serializer, consultation)
    row = Consultation.objects.filter(pk=consultation.pk).values_list(
        *ConsultationSerializer.ROW_FIELDS
    )[0]
    (from_row,) = ConsultationSerializer.represent_rows([row], request=request)
    assert from_row == serializer.data
    # The list's JSON text of the row (huntzen.json_rows): the renderer's text of its dict.
    (text,) = ConsultationSerializer.represent_rows_json([row], request=request)
    assert text.encode() == JSONRenderer().render(from_row)
    assert list(from_row) == list(serializer.data)
    return serializer.data, generic


def _declared() -> list[str]:
    return [camel(name) for name in ConsultationSerializer.Meta.fields]


def test_a_scheduled_consultation(employee_a, practitioner_p):
    consultation = book(employee_a, practitioner_p)
    fast, generic = _both(consultation, employee_a)
    assert fast == generic
    assert list(fast) == list(generic)  # same keys, same order


def test_a_held_consultation(employee_a, practitioner_p):
    at = (timezone.localtime() - timedelta(days=3)).replace(hour=10, minute=0, second=0)
    consultation = completed(employee_a, practitioner_p, at=at.replace(microsecond=0))
    fast, generic = _both(consultation, practitioner_p)
    assert fast == generic
    assert fast["durationSeconds"] and fast["startedAt"] and fast["endedAt"]


def test_a_cancelled_consultation_with_its_reason(employee_a, practitioner_p, staff_r2):
    consultation = book(employee_a, practitioner_p)
    services.consultation_cancel(
        actor=employee_a, consultation=consultation, reason="Un empêchement."
    )
    consultation.refresh_from_db()
    for reader in (employee_a, practitioner_p, staff_r2):
        fast, generic = _both(consultation, reader)
        assert fast == generic
    assert _both(consultation, employee_a)[0]["cancelReason"] == "Un empêchement."
    assert _both(consultation, staff_r2)[0]["cancelReason"] is None


def test_an_instances_reason_is_asked_of_the_instance_itself(
    employee_a, practitioner_p, monkeypatch
):
    """A cancellation's answer: the selector decides on the very instance (no second
    Consultation built from its row), and answers the same."""
    consultation = book(employee_a, practitioner_p)
    consultation = services.consultation_cancel(
        actor=employee_a, consultation=consultation, reason="Un empêchement."
    )
    asked = []
    decide = selectors.cancel_reason_for

    def recorded(*, user, consultation):
        asked.append(consultation)
        return decide(user=user, consultation=consultation)

    monkeypatch.setattr(selectors, "cancel_reason_for", recorded)
    request = RequestFactory().get("/")
    request.user = employee_a
    data = ConsultationSerializer(consultation, context={"request": request}).data
    assert data["cancelReason"] == "Un empêchement."
    assert [c is consultation for c in asked] == [True]


def test_without_a_request(employee_a, practitioner_p):
    consultation = book(employee_a, practitioner_p)
    serializer = ConsultationSerializer(consultation)
    assert serializer.data == serializers.ModelSerializer.to_representation(
        serializer, consultation
    )


def test_a_reader_without_a_name_is_shown_by_email(employee_a, practitioner_p):
    employee_a.first_name = employee_a.last_name = ""
    employee_a.save()
    consultation = book(employee_a, practitioner_p)
    fast, generic = _both(consultation, practitioner_p)
    assert fast == generic
    assert fast["employee"]["name"] == employee_a.email


def test_the_list_answers_the_same_shape(employee_a, practitioner_p, api_client):
    """GET /consultations/my reads values rows: each is the consultation's own answer."""
    held = completed(
        employee_a,
        practitioner_p,
        at=(timezone.localtime() - timedelta(days=3)).replace(
            hour=10, minute=0, second=0, microsecond=0
        ),
    )
    cancelled = book(employee_a, practitioner_p)
    services.consultation_cancel(actor=employee_a, consultation=cancelled, reason="Grippe.")
    book(employee_a, practitioner_p, at=timezone.now().replace(microsecond=0) + timedelta(days=3))
    api_client.force_authenticate(employee_a)
    listed = api_client.get("/api/v1/consultations/my").json()["results"]
    assert len(listed) == 3
    for item in listed:
        single = api_client.get(f"/api/v1/consultations/{item['id']}").json()
        assert item == single
        assert list(item) == _declared()
    assert {item["id"] for item in listed} >= {str(held.pk), str(cancelled.pk)}
    assert [i["cancelReason"] for i in listed if i["id"] == str(cancelled.pk)] == ["Grippe."]


def test_every_declared_field_is_compared_with_a_value(employee_a, practitioner_p):
    """Over a held and a late-cancelled consultation, each field of Meta.fields has a
    non-null value, so none is equal only because both sides leave it out."""
    at = (timezone.localtime() - timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    held = completed(employee_a, practitioner_p, at=at)
    soon = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=5)
    late = book(employee_a, practitioner_p, at=soon)
    services.consultation_cancel(actor=employee_a, consultation=late, reason="Un empêchement.")
    late.refresh_from_db()
    assert late.cancelled_late
    seen = set()
    for consultation in (held, late):
        fast, generic = _both(consultation, employee_a)
        assert fast == generic
        assert list(fast) == list(generic) == _declared()
        seen |= {name for name, value in generic.items() if value not in (None, False)}
    assert sorted(seen) == sorted(_declared())


DATETIMES = [
    datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # just before the spring change
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the autumn change's repeated hour
    datetime(2026, 10, 25, 1, 30, 0, 123456, tzinfo=UTC),
    datetime(2026, 6, 1, 12, 0, 0, 1, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
]


@pytest.mark.parametrize("zone", ["Europe/Paris", "UTC", "Pacific/Kiritimati"])
def test_datetimes_are_written_as_drf_writes_them(zone):
    field = serializers.DateTimeField()
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        text = datetime_text()
        for value in DATETIMES:
            assert text(value) == field.to_representation(value)
        assert text(None) is None


def test_slots_are_shaped_as_drf_would(practitioner_p):
    now = timezone.now()
    slot = {"start": now, "end": now + timedelta(minutes=50)}
    fast = SlotSerializer(slot).data
    assert fast == serializers.Serializer.to_representation(SlotSerializer(slot), slot)
    assert fast["start"] and fast["end"]


def test_the_slots_answer_is_shaped_as_drf_would(practitioner_p):
    now = timezone.now()
    slots = [
        selectors.Slot(now + timedelta(hours=n), now + timedelta(hours=n, minutes=50))
        for n in range(3)
    ]
    data = {
        "practitioner_id": practitioner_p.pk,
        "time_zone": "Europe/Paris",
        "length_minutes": 50,
        "slots": [{"start": s.start, "end": s.end} for s in slots],
    }
    fast = SlotsSerializer.represent(
        practitioner_id=practitioner_p.pk, time_zone="Europe/Paris", length_minutes=50, slots=slots
    )
    generic = serializers.Serializer.to_representation(SlotsSerializer(data), data)
    assert fast == generic
    assert list(fast) == list(generic) == ["practitionerId", "timeZone", "lengthMinutes", "slots"]

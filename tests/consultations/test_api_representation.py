"""The consultation's API shape is built by hand for speed
(`ConsultationSerializer.to_representation`): it must stay exactly what DRF's generic
walk over the declared fields gives, for every state a consultation can be in."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework import serializers

from consultations import services
from consultations.serializers import ConsultationSerializer, SlotSerializer
from tests.consultations.factories import book, completed

pytestmark = pytest.mark.django_db


def _both(consultation, user):
    request = RequestFactory().get("/")
    request.user = user
    serializer = ConsultationSerializer(consultation, context={"request": request})
    generic = serializers.ModelSerializer.to_representation(serializer, consultation)
    return serializer.data, generic


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


def test_without_a_request(employee_a, practitioner_p):
    consultation = book(employee_a, practitioner_p)
    serializer = ConsultationSerializer(consultation)
    assert serializer.data == serializers.ModelSerializer.to_representation(
        serializer, consultation
    )


def test_slots_are_shaped_as_drf_would(practitioner_p):
    now = timezone.now()
    slot = {"start": now, "end": now + timedelta(minutes=50)}
    fast = SlotSerializer(slot).data
    assert fast == serializers.Serializer.to_representation(SlotSerializer(slot), slot)
    assert fast["start"] and fast["end"]

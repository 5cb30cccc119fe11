"""The booking's body: the practitioner's row is read by the booking's own locking
statement (consultations/api.py `_BookingBody`, services.consultation_book's
`practitioner_id`), not by the body's serializer; every refusal is still the one
BookingSerializer words, byte for byte, and writes nothing."""

import uuid

import pytest
from rest_framework import serializers

from accounts.models import User
from consultations.models import Consultation, StatusChange
from consultations.serializers import BookingSerializer
from huntzen.api import error_body
from huntzen.outbox.models import OutboxMessage
from tests.consultations.conftest import paris

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9).isoformat()


def _serializer_body(body: dict) -> dict:
    """What BookingSerializer alone answers for `body` (its practitioner read)."""
    serializer = BookingSerializer(data=body)
    assert not serializer.is_valid()
    return error_body(serializers.ValidationError(serializer.errors))


def _inactive_practitioner(practitioner_q):
    User.objects.filter(pk=practitioner_q.pk).update(is_active=False)
    return practitioner_q


PRACTITIONERS = {
    "unknown": lambda p_open, employee_b, practitioner_q: str(uuid.uuid4()),
    "an employee": lambda p_open, employee_b, practitioner_q: str(employee_b.pk),
    "inactive": lambda p_open, employee_b, practitioner_q: str(
        _inactive_practitioner(practitioner_q).pk
    ),
    "not a key": lambda *users: "x",
    "a number": lambda *users: 5,
    "a boolean": lambda *users: True,
    "null": lambda *users: None,
    "a list": lambda *users: [1],
    "open": lambda p_open, employee_b, practitioner_q: str(p_open.pk),
}
OTHERS = {
    "valid": {"scheduledAt": TUESDAY_9, "type": "video"},
    "bad date": {"scheduledAt": "tomorrow", "type": "video"},
    "no kind": {"scheduledAt": TUESDAY_9},
    "kinds differ": {"scheduledAt": TUESDAY_9, "type": "video", "kind": "chat"},
    "unknown field": {"scheduledAt": TUESDAY_9, "type": "video", "room": "1"},
}


@pytest.mark.parametrize(
    "practitioner,others",
    [(p, o) for p in PRACTITIONERS for o in OTHERS if (p, o) != ("open", "valid")],
)
def test_every_refusal_is_the_serializers(
    api_client, employee_a, employee_b, p_open, practitioner_q, frozen, practitioner, others
):
    body = {
        "practitionerId": PRACTITIONERS[practitioner](p_open, employee_b, practitioner_q),
        **OTHERS[others],
    }
    expected = _serializer_body(body)
    api_client.force_authenticate(employee_a)
    response = api_client.post("/api/v1/consultations", body, format="json")
    assert response.status_code == 400
    assert response.json() == expected
    assert not Consultation.objects.exists()
    assert not StatusChange.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_an_unknown_practitioner_is_refused_before_the_company_is_checked(
    api_client, employee_a, frozen
):
    """The serializer refused the key before the service ran: an inactive company
    still gets the field's 400, not the company's refusal."""
    employee_a.company.is_active = False
    employee_a.company.save()
    body = {"practitionerId": str(uuid.uuid4()), "scheduledAt": TUESDAY_9, "type": "video"}
    expected = _serializer_body(body)
    api_client.force_authenticate(employee_a)
    response = api_client.post("/api/v1/consultations", body, format="json")
    assert (response.status_code, response.json()) == (400, expected)


def test_the_practitioner_read_with_the_locks_is_the_one_booked(
    api_client, employee_a, p_open, frozen
):
    api_client.force_authenticate(employee_a)
    response = api_client.post(
        "/api/v1/consultations",
        {"practitionerId": str(p_open.pk), "scheduledAt": TUESDAY_9, "type": "video"},
        format="json",
    )
    assert response.status_code == 201, response.content
    consultation = Consultation.objects.get()
    assert consultation.practitioner_id == p_open.pk
    assert response.json()["practitioner"] == {
        "id": str(p_open.pk),
        "name": p_open.get_full_name(),
    }
    assert sorted(OutboxMessage.objects.values_list("kind", flat=True)) == [
        "consultations/email/booked_employee",
        "consultations/email/booked_practitioner",
    ]

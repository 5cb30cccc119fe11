"""huntzen/transactions.py: a service called straight inside a handler's
`whole_transaction()` joins it without a savepoint; anywhere else it keeps its own. A
refusal then rolls back the whole block (the Idempotency-Key's row included), nothing
half-written is committed."""

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from consultations.exceptions import BookingRefused
from consultations.models import Consultation, StatusChange
from huntzen.idempotency.models import IdempotencyKey
from huntzen.outbox.models import OutboxMessage
from huntzen.transactions import atomic, whole_transaction
from tests.consultations.conftest import NOW, open_weekdays, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)


@atomic
def _service(*, fail: bool):
    IdempotencyKey.objects.none().exists()  # a statement inside the service
    if fail:
        raise BookingRefused("no", code="test")
    return "done"


def _savepoints(captured) -> list[str]:
    return [q["sql"] for q in captured if "SAVEPOINT" in q["sql"].upper()]


def test_inside_a_whole_transaction_the_service_makes_no_savepoint():
    with CaptureQueriesContext(connection) as captured, whole_transaction():
        marker = len(captured)
        assert _service(fail=False) == "done"
        inside = captured.captured_queries[marker:]
    assert _savepoints(inside) == []


def test_elsewhere_the_service_keeps_its_savepoint_and_its_caller_goes_on():
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        with pytest.raises(BookingRefused):
            _service(fail=True)
        assert not transaction.get_rollback()
        assert Consultation.objects.count() == 0  # the caller may still query
    assert len(_savepoints(captured)) == 3  # SAVEPOINT, ROLLBACK TO and RELEASE


def test_nested_in_another_block_inside_a_whole_transaction_it_keeps_its_savepoint():
    with whole_transaction(), transaction.atomic():
        with CaptureQueriesContext(connection) as captured, pytest.raises(BookingRefused):
            _service(fail=True)
        assert not transaction.get_rollback()
    assert len(_savepoints(captured)) == 3


def test_a_refusal_in_a_whole_transaction_rolls_it_all_back():
    with whole_transaction():
        IdempotencyKey.objects.none().exists()
        with pytest.raises(BookingRefused):
            _service(fail=True)
        assert transaction.get_rollback()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the request block: BEGIN
def test_a_booking_through_the_api_makes_no_savepoint(api_client, employee_a, practitioner_p):
    open_weekdays(practitioner_p)
    api_client.force_authenticate(employee_a)
    body = {"practitionerId": str(practitioner_p.pk), "scheduledAt": TUESDAY_9.isoformat()}
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
        response = api_client.post(
            "/api/v1/consultations", {**body, "kind": "video"}, format="json"
        )
    assert response.status_code == 201, response.content
    assert _savepoints(captured) == []


def test_a_refused_booking_with_a_key_leaves_no_row_at_all(
    api_client, employee_a, employee_b, practitioner_p
):
    open_weekdays(practitioner_p)
    with time_machine.travel(NOW, tick=False):
        book(employee_b, practitioner_p, at=TUESDAY_9, now=NOW)
        before = (Consultation.objects.count(), StatusChange.objects.count())
        outbox = OutboxMessage.objects.count()
        api_client.force_authenticate(employee_a)
        response = api_client.post(
            "/api/v1/consultations",
            {
                "practitionerId": str(practitioner_p.pk),
                "scheduledAt": TUESDAY_9.isoformat(),
                "kind": "video",
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY="k-refused",
        )
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "slot_taken"
        assert not IdempotencyKey.objects.exists()
        assert (Consultation.objects.count(), StatusChange.objects.count()) == before
        assert OutboxMessage.objects.count() == outbox


def test_a_refused_transition_through_the_api_answers_and_changes_nothing(
    api_client, employee_a, practitioner_p
):
    open_weekdays(practitioner_p)
    with time_machine.travel(NOW, tick=False):
        consultation = book(employee_a, practitioner_p, at=TUESDAY_9, now=NOW)
        api_client.force_authenticate(practitioner_p)
        url = f"/api/v1/consultations/{consultation.pk}/end"  # not started: 409
        response = api_client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-end")
        assert response.status_code == 409, response.content
        assert not IdempotencyKey.objects.exists()
        consultation.refresh_from_db()
        assert consultation.status == Consultation.Status.SCHEDULED


def test_a_row_read_under_its_lock_counts_only_in_its_own_whole_transaction(
    employee_a, practitioner_p
):
    from consultations.access import get_consultation_for
    from huntzen.transactions import locked_here

    open_weekdays(practitioner_p)
    consultation = book(employee_a, practitioner_p, at=TUESDAY_9, now=NOW)
    outside = get_consultation_for(employee_a, consultation.pk, lock=True)
    assert not locked_here(outside)  # no whole transaction: a plain read
    with whole_transaction():
        with CaptureQueriesContext(connection) as captured:
            read = get_consultation_for(employee_a, consultation.pk, lock=True)
        assert locked_here(read)
        if connection.vendor == "postgresql":
            assert 'FOR UPDATE OF "consultations_consultation"' in captured[0]["sql"]
    assert not locked_here(read)  # that transaction is over
    with whole_transaction():
        assert not locked_here(read)  # another one: read it again under the lock

"""Idempotency-Key on API writes (huntzen/idempotency/keys.py): a retry answers the
first answer and does not redo the write (F11)."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from consultations.models import Consultation
from huntzen.idempotency.keys import purge_expired
from huntzen.idempotency.models import IdempotencyKey
from medical.models import JournalEntry
from tests.consultations.conftest import NOW, open_weekdays, paris
from tests.consultations.factories import book
from tests.medical.scan import rows_containing

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)
JOURNAL = "/api/v1/medical/journal"


@pytest.fixture
def p_open(practitioner_p):
    open_weekdays(practitioner_p)
    return practitioner_p


def _as(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def _book(client, practitioner, key, *, at=TUESDAY_9, kind="video"):
    body = {"practitionerId": str(practitioner.pk), "scheduledAt": at.isoformat(), "kind": kind}
    return client.post("/api/v1/consultations", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_booking_retried_with_its_key_answers_the_first_answer_once(
    api_client, employee_a, p_open
):
    client = _as(api_client, employee_a)
    with time_machine.travel(NOW, tick=False):
        first = _book(client, p_open, "k-1")
        second = _book(client, p_open, "k-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Consultation.objects.count() == 1


def test_without_a_key_the_retry_is_a_new_request(api_client, employee_a, p_open):
    client = _as(api_client, employee_a)
    with time_machine.travel(NOW, tick=False):
        assert _book(client, p_open, "k-1").status_code == 201
        retry = client.post(
            "/api/v1/consultations",
            {
                "practitionerId": str(p_open.pk),
                "scheduledAt": TUESDAY_9.isoformat(),
                "kind": "video",
            },
            format="json",
        )
    assert retry.status_code == 409  # her own booking now holds the slot


def test_the_same_key_for_another_request_is_422(api_client, employee_a, p_open):
    client = _as(api_client, employee_a)
    with time_machine.travel(NOW, tick=False):
        assert _book(client, p_open, "k-1").status_code == 201
        other = _book(client, p_open, "k-1", at=paris(2026, 3, 3, 10))
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused" and other.json()["message"]
    assert Consultation.objects.count() == 1


def test_keys_are_per_user(api_client, employee_a, employee_b, p_open):
    with time_machine.travel(NOW, tick=False):
        assert _book(_as(api_client, employee_a), p_open, "same").status_code == 201
        other = _book(_as(api_client, employee_b), p_open, "same", at=paris(2026, 3, 3, 10))
    assert other.status_code == 201 and not other.has_header("Idempotent-Replayed")
    assert Consultation.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "café", "a b"])
def test_a_malformed_key_is_400_and_books_nothing(api_client, employee_a, p_open, key):
    with time_machine.travel(NOW, tick=False):
        response = _book(_as(api_client, employee_a), p_open, key)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Consultation.objects.exists()


def test_a_refused_request_keeps_no_key_so_its_retry_runs_again(
    api_client, employee_a, employee_b, p_open
):
    with time_machine.travel(NOW, tick=False):
        book(employee_b, p_open, at=TUESDAY_9, now=NOW)
        client = _as(api_client, employee_a)
        assert _book(client, p_open, "k-1").status_code == 409
        assert not IdempotencyKey.objects.exists()
        Consultation.objects.update(status=Consultation.Status.CANCELLED)
        assert _book(client, p_open, "k-1").status_code == 201


def test_a_cancel_retried_with_its_key_answers_200_not_409(api_client, employee_a, p_open):
    with time_machine.travel(NOW, tick=False):
        consultation = book(employee_a, p_open, at=TUESDAY_9, now=NOW)
        client = _as(api_client, employee_a)
        url = f"/api/v1/consultations/{consultation.pk}/cancel"
        first = client.post(url, {"reason": "empêchée"}, format="json", HTTP_IDEMPOTENCY_KEY="c")
        second = client.post(url, {"reason": "empêchée"}, format="json", HTTP_IDEMPOTENCY_KEY="c")
        without = client.post(url, {"reason": "empêchée"}, format="json")
    assert (first.status_code, second.status_code, without.status_code) == (200, 200, 409)
    assert second.json() == first.json() and first.json()["status"] == "cancelled"


def test_a_journal_write_is_not_repeated_and_its_kept_answer_is_sealed(api_client, employee_a):
    client = _as(api_client, employee_a)
    body = {"mood": 4, "text": "CANARY-idempotent-journal"}
    first = client.post(JOURNAL, body, format="json", HTTP_IDEMPOTENCY_KEY="j-1")
    second = client.post(JOURNAL, body, format="json", HTTP_IDEMPOTENCY_KEY="j-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json() and second.json()["text"] == body["text"]
    assert JournalEntry.objects.filter(owner=employee_a).count() == 1
    assert rows_containing("CANARY-idempotent") == []  # the kept answer is sealed too
    pk = first.json()["id"]
    deleted = [
        client.delete(f"{JOURNAL}/{pk}", HTTP_IDEMPOTENCY_KEY="d-1").status_code for _ in range(2)
    ]
    assert deleted == [204, 204]


def test_a_key_expires_after_its_time(api_client, employee_a, settings):
    client = _as(api_client, employee_a)
    body = {"mood": 4, "text": "Bien."}
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post(JOURNAL, body, format="json", HTTP_IDEMPOTENCY_KEY="j-1")
        clock.shift(settings.HUNTZEN_IDEMPOTENCY_TTL + timedelta(seconds=1))
        again = client.post(JOURNAL, body, format="json", HTTP_IDEMPOTENCY_KEY="j-1")
        assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
        assert JournalEntry.objects.filter(owner=employee_a).count() == 2
        clock.shift(settings.HUNTZEN_IDEMPOTENCY_TTL + timedelta(seconds=1))
        assert purge_expired() == 1
    assert not IdempotencyKey.objects.exists()


def test_the_schema_documents_the_header_on_the_writes(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path, method in [
        ("/api/v1/consultations", "post"),
        ("/api/v1/consultations/{id}/cancel", "post"),
        ("/api/v1/medical/journal", "post"),
        ("/api/v1/medical/journal/{id}", "patch"),
    ]:
        operation = schema["paths"][path][method]
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, (path, method)
        assert "422" in operation["responses"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_with_one_key_book_once_and_answer_alike(employee_a, practitioner_p):
    """Two copies of one request at once: the second waits for the first's key row,
    then answers its answer."""
    from rest_framework.test import APIClient

    open_weekdays(practitioner_p)
    at = (timezone.now() + timedelta(days=3)).astimezone(paris(2026, 1, 1).tzinfo)
    while at.weekday() >= 5:
        at += timedelta(days=1)
    at = at.replace(hour=9, minute=0, second=0, microsecond=0)
    answers, barrier = [], threading.Barrier(4)

    def run():
        try:
            client = APIClient()
            client.force_authenticate(employee_a)
            barrier.wait()
            answers.append(_book(client, practitioner_p, "race", at=at))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.content for a in answers}) == 1
    assert Consultation.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_cancel_answer_is_built_inside_the_transaction(
    api_client, employee_a, practitioner_p, monkeypatch
):
    """F11: the answer is read before the commit, never after a commit that can fail."""
    from consultations.serializers import ConsultationSerializer

    open_weekdays(practitioner_p)
    consultation = book(employee_a, practitioner_p, at=TUESDAY_9, now=NOW)
    seen = []
    original = ConsultationSerializer.to_representation

    def watching(self, instance):
        seen.append(connection.in_atomic_block)
        return original(self, instance)

    monkeypatch.setattr(ConsultationSerializer, "to_representation", watching)
    with time_machine.travel(NOW, tick=False):
        response = _as(api_client, employee_a).post(
            f"/api/v1/consultations/{consultation.pk}/cancel", {}, format="json"
        )
    assert response.status_code == 200 and seen == [True]


def test_a_refused_journal_write_with_a_key_still_logs_its_refusal(
    api_client, employee_a, employee_b
):
    from medical import services as medical_services
    from medical.models import AccessLogEntry

    entry = medical_services.journal_entry_create(owner=employee_a, mood=3, text="à moi")
    before = AccessLogEntry.objects.count()
    response = _as(api_client, employee_b).patch(
        f"{JOURNAL}/{entry.pk}", {"mood": 1}, format="json", HTTP_IDEMPOTENCY_KEY="p-1"
    )
    assert response.status_code == 404
    refusal = AccessLogEntry.objects.order_by("-id").first()
    assert AccessLogEntry.objects.count() == before + 1 and refusal.allowed is False
    assert refusal.user == employee_b and not IdempotencyKey.objects.exists()


def test_a_cancel_whose_answer_fails_is_not_committed_so_its_retry_succeeds(
    api_client, employee_a, p_open, monkeypatch
):
    """F11: before, the cancel committed and then its answer failed (500); the retry
    got 409 on the user's own cancellation. Now the answer fails inside the transaction,
    which rolls back: the retry cancels."""
    from consultations.serializers import ConsultationSerializer

    class Boom(Exception):
        pass

    original = ConsultationSerializer.to_representation

    def failing(self, instance):
        raise Boom

    with time_machine.travel(NOW, tick=False):
        consultation = book(employee_a, p_open, at=TUESDAY_9, now=NOW)
        client = _as(api_client, employee_a)
        url = f"/api/v1/consultations/{consultation.pk}/cancel"
        monkeypatch.setattr(ConsultationSerializer, "to_representation", failing)
        with pytest.raises(Boom):
            client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
        consultation.refresh_from_db()
        assert consultation.status == Consultation.Status.SCHEDULED
        assert not IdempotencyKey.objects.exists()
        monkeypatch.setattr(ConsultationSerializer, "to_representation", original)
        retry = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert retry.status_code == 200 and retry.json()["status"] == "cancelled"

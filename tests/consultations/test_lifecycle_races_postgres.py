"""Twenty requests racing on one consultation, through the API, on PostgreSQL (issue 16
item 7): the row lock lets one through, the others get a clear 409 and change nothing.
Twenty racing bookings of one slot: tests/consultations/test_booking_concurrency.py."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connections
from django.db.models import Sum
from django.test import Client

from consultations import services
from consultations.models import Consultation, StatusChange
from metrics.models import CompanyDay, CountedConsultation, EmployeeDay, PractitionerDay
from tests.consultations.factories import book, default_at

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _race(clients, path, body=None):
    """POST `path` from every client at once, each in its own thread (own connection)."""
    barrier = threading.Barrier(len(clients))
    answers = [None] * len(clients)

    def post(index, client):
        try:
            barrier.wait()
            answers[index] = client.post(path, body or {}, content_type="application/json")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def _clients(*users, count=20):
    """`count` clients, signed in in turn as each of `users`."""
    sessions = []
    for user in users:
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    clients = []
    for i in range(count):
        client = Client()
        client.cookies["sessionid"] = sessions[i % len(sessions)]
        clients.append(client)
    return clients


def test_twenty_racing_cancels_one_succeeds_the_others_get_409(employee_a, practitioner_p):
    consultation = book(employee_a, practitioner_p)
    path = f"/api/v1/consultations/{consultation.pk}/cancel"

    # The practitioner must give a reason: every request is valid, only one may win.
    answers = _race(_clients(employee_a, practitioner_p), path, {"reason": "Empêchement."})

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * 19, [a.content[:200] for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["code"] == "illegal_transition"
            assert answer.json()["currentStatus"] == "cancelled"
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CANCELLED
    cancels = StatusChange.objects.filter(
        consultation=consultation, to_status=Consultation.Status.CANCELLED
    )
    assert cancels.count() == 1  # one history row, one cancellation


def test_twenty_racing_ends_count_the_consultation_exactly_once(employee_a, practitioner_p):
    at = default_at()
    consultation = book(employee_a, practitioner_p, at=at)
    services.consultation_start(actor=practitioner_p, consultation=consultation, now=at)
    path = f"/api/v1/consultations/{consultation.pk}/end"

    with time_machine.travel(at + timedelta(minutes=45), tick=False):
        answers = _race(_clients(practitioner_p), path)

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * 19, [a.content[:200] for a in answers]
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.COMPLETED
    assert consultation.duration_seconds == 45 * 60
    assert CountedConsultation.objects.filter(consultation=consultation).count() == 1
    for model in (CompanyDay, PractitionerDay, EmployeeDay):
        totals = model.objects.aggregate(n=Sum("consultations"), s=Sum("total_duration_seconds"))
        assert totals == {"n": 1, "s": 45 * 60}, model

"""Every statement a booking and a cancellation send is one psycopg keeps converted
(its cache of `%s` → `$n` conversions takes statements of at most 50 parameters and
4096 bytes): converting a larger one again on every run cost a booking more CPU than a
round trip (bench/profiles/kc/)."""

import json

import pytest
from django.db import connection
from django.test import Client
from psycopg import _queries

from tests.consultations.conftest import paris
from tests.test_query_counts import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
TUESDAY_9 = paris(2026, 3, 3, 9).isoformat()


def _sent(request) -> tuple[list[tuple[str, int]], object]:
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, len(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = request()
    assert response.status_code in (200, 201), response.content
    return sent, response


def _kept(sent):
    return [
        (sql[:60], count)
        for sql, count in sent
        if count > _queries.MAX_CACHED_STATEMENT_PARAMS
        or len(sql.encode()) > _queries.MAX_CACHED_STATEMENT_LENGTH
    ]


def test_a_bookings_and_a_cancellations_statements_are_kept_converted(employee_a, p_open, frozen):
    assert connection.vendor == "postgresql"
    auth = bearer(employee_a)
    body = {"practitionerId": str(p_open.pk), "scheduledAt": TUESDAY_9, "type": "video"}
    booked, response = _sent(
        lambda: Client().post(
            "/api/v1/consultations", json.dumps(body), content_type="application/json", **auth
        )
    )
    assert len(booked) >= 4 and _kept(booked) == []
    pk = response.json()["id"]
    cancelled, _response = _sent(
        lambda: Client().post(
            f"/api/v1/consultations/{pk}/cancel",
            json.dumps({"reason": "Un empêchement."}),
            content_type="application/json",
            **auth,
        )
    )
    assert len(cancelled) >= 3 and _kept(cancelled) == []

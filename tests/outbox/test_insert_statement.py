"""The outbox rows a consultation's change writes in its own statement (on PostgreSQL
one JSON parameter, `jsonb_populate_recordset`) read back exactly as the ORM writes the
same rows: every column, timestamps to the microsecond, JSON columns, NULLs."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from huntzen.outbox import services as outbox
from huntzen.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 3, 8, 59, 59, 123456, tzinfo=UTC)


def _rows():
    return outbox.rows_to_render(
        [
            outbox.ToRender(
                recipient=f"r{n}@huntzen.test",
                kind="consultations/email/booked_employee",
                renderer="consultations",
                language=language,
                context={"n": n, "at": AT.isoformat(), "flags": [True, None], "é": "ü"},
            )
            for n, language in enumerate(["fr", "en"])
        ]
    )


def _columns(row) -> dict:
    return {f.attname: getattr(row, f.attname) for f in OutboxMessage._meta.concrete_fields}


def test_the_statements_rows_are_the_orms(monkeypatch):
    monkeypatch.setattr(outbox.timezone, "now", lambda: AT)
    written, saved = _rows(), _rows()
    sql, params = outbox.insert_statement(written, connection)
    if connection.vendor == "postgresql":
        assert len(params) == 1 and "jsonb_populate_recordset" in sql
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    for row in saved:
        row.save(force_insert=True)
    by_pk = OutboxMessage.objects.in_bulk()
    assert len(by_pk) == 4
    for mine, theirs in zip(written, saved, strict=True):
        read, expected = _columns(by_pk[mine.pk]), _columns(by_pk[theirs.pk])
        assert read.pop("id") == mine.pk
        expected.pop("id")
        assert read == expected
        assert read["created_at"] == AT and read["lease_until"] is None


def test_more_rows_or_a_dedup_key_are_left_to_the_orm():
    assert outbox.insert_statement(_rows() * 3, connection) is None
    row = _rows()[0]
    row.dedup_key = "once"
    assert outbox.insert_statement([row], connection) is None

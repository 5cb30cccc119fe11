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


HOSTILE = ['quo"te', "back\\slash", "ctrl\x01\x1f\x7f", "line\u2028sep\u2029", "emoji 🧠", ""]


def _messages(count: int) -> list:
    return [
        outbox.ToRender(
            recipient=f"{HOSTILE[n % len(HOSTILE)]}r{n}@huntzen.test",
            kind=("consultations/email/booked_employee" + HOSTILE[n % len(HOSTILE)]) * (n + 1),
            renderer="consultations",
            language=["fr", "en", "", "fr-CA"][n % 4],
            context=[
                {"n": n, "at": AT.isoformat(), "flags": [True, None], "é": HOSTILE[n % 6]},
                {},
                None,
                {"nested": {"list": [1.5, -0, "🧠"], "quote": '"', "sep": "\u2028"}},
            ][n % 4],
        )
        for n in range(count)
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one JSON parameter on PostgreSQL")
@pytest.mark.parametrize("count", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("shift", [0, 1, 2, 3, 4, 5])
def test_the_records_written_from_the_messages_are_the_models(monkeypatch, settings, count, shift):
    monkeypatch.setattr(outbox.timezone, "now", lambda: AT)
    settings.DEFAULT_FROM_EMAIL = 'HuntZen "Care" <no-reply@huntzen.test>'
    messages = _messages(count + shift)[shift:]
    rows = outbox.rows_to_render(messages)
    sql, params, keys = outbox.to_render_statement(messages, connection)
    expected_sql, expected_params = outbox.insert_statement(rows, connection)
    assert sql == expected_sql
    records, expected = params[0].obj, expected_params[0].obj
    assert [record.pop("id") for record in records] == [str(key) for key in keys]
    assert len(set(keys)) == len(keys)
    for record in expected:
        record.pop("id")
    assert records == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one JSON parameter on PostgreSQL")
def test_the_rows_written_from_the_messages_read_back_as_the_orms(monkeypatch):
    monkeypatch.setattr(outbox.timezone, "now", lambda: AT)
    messages = _messages(4)
    sql, params, keys = outbox.to_render_statement(messages, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    saved = outbox.rows_to_render(messages)
    for row in saved:
        row.save(force_insert=True)
    by_pk = OutboxMessage.objects.in_bulk()
    for key, theirs in zip(keys, saved, strict=True):
        read, expected = _columns(by_pk[key]), _columns(by_pk[theirs.pk])
        assert read.pop("id") == key
        expected.pop("id")
        assert read == expected


def test_messages_the_statement_does_not_hold_are_left_to_the_orm():
    assert outbox.to_render_statement(_messages(5), connection) is None
    keyed = outbox.ToRender(
        recipient="a@huntzen.test",
        kind="k",
        renderer="consultations",
        language="fr",
        context={},
        dedup_key="once",
    )
    assert outbox.to_render_statement([keyed], connection) is None


def test_an_unknown_renderer_is_refused_before_anything_is_written():
    unknown = outbox.ToRender(
        recipient="a@huntzen.test", kind="k", renderer="nobody", language="fr", context={}
    )
    with pytest.raises(LookupError):
        outbox.to_render_statement([unknown], connection)

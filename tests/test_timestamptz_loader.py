"""huntzen.postgresql.UtcTimestamptzLoader: every timestamptz PostgreSQL sends reads as
the very value Django's own loader gives (aware, in datetime.timezone.utc), through
psycopg's C parser."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from huntzen.postgresql.base import UtcTimestamptzLoader

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

VALUES = [
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),  # Paris: the spring change
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),  # Paris: the autumn change
    datetime(2026, 11, 30, 20, 23, 8, 781638, tzinfo=UTC),
    datetime(2026, 11, 30, 20, 23, 8, 780000, tzinfo=UTC),  # trailing zeros cut
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
]


class _DjangoLoader(BaseTzLoader):
    timezone = UTC


def _texts() -> list[bytes]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v::text FROM unnest(%s::timestamptz[]) AS v",  # noqa: S608  # nosec B608
            [VALUES],
        )
        return [row[0].encode() for row in cursor.fetchall()]


def test_the_connection_reads_timestamps_through_it():
    with connection.cursor() as cursor:
        loader = cursor.connection.adapters.get_loader(1184, 0)  # timestamptz, text
        cursor.execute("SELECT %s::timestamptz", [VALUES[2]])
        (value,) = cursor.fetchone()
    assert loader is UtcTimestamptzLoader
    assert value == VALUES[2] and value.tzinfo is UTC


def test_it_reads_each_value_as_djangos_loader_does():
    connection.ensure_connection()
    pg = connection.connection
    fast, django = UtcTimestamptzLoader(1184, pg), _DjangoLoader(1184, pg)
    texts = _texts()
    for text, value in zip(texts, VALUES, strict=True):
        assert fast.load(text) == django.load(text) == value
        assert fast.load(text).tzinfo is django.load(text).tzinfo is UTC


def test_offsets_other_than_utc_in_the_text_read_alike():
    connection.ensure_connection()
    pg = connection.connection
    fast, django = UtcTimestamptzLoader(1184, pg), _DjangoLoader(1184, pg)
    for text in (
        b"2026-03-29 03:00:00+02",
        b"2026-11-30 09:30:00.5-05:30",
        b"0001-01-01 00:09:21+00:09:21",
    ):
        assert fast.load(text) == django.load(text)
        assert fast.load(text).tzinfo is django.load(text).tzinfo is UTC
    assert fast.load(b"2026-11-30 09:30:00.5-05:30") - datetime(
        2026, 11, 30, 15, tzinfo=UTC
    ) == timedelta(milliseconds=500)


def test_a_connection_in_another_time_zone_falls_back_to_djangos_loader():
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Europe/Paris'")
        try:
            loader = UtcTimestamptzLoader(1184, cursor.connection)
            django = _DjangoLoader(1184, cursor.connection)
            text = b"2026-11-30 21:23:08.781638+01"
            assert loader.load(text) == django.load(text)
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")

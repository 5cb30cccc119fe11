"""huntzen.datetime_text: an instant written as DRF's DateTimeField writes it, from a
datetime or from PostgreSQL's own text of it (a statement's `as_text`), in every time
zone, across offset changes, whole-hour offsets or not, fractions of any length."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from huntzen import datetime_text as module
from huntzen.datetime_text import datetime_text
from huntzen.statements import _load_as_text

pytestmark = pytest.mark.django_db

ZONES = [
    "Europe/Paris",
    "UTC",
    "Pacific/Kiritimati",  # +14:00
    "America/New_York",
    "Asia/Kolkata",  # +05:30: converted value by value
    "Australia/Lord_Howe",  # a half-hour change of offset
    "America/St_Johns",  # -03:30, and its changes
]

INSTANTS = [
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),  # Paris: just before spring
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # Paris: the repeated hour, twice
    datetime(2026, 10, 25, 1, 30, 0, 123456, tzinfo=UTC),
    datetime(2026, 4, 4, 15, 15, 0, 500000, tzinfo=UTC),  # Lord Howe: 2:00 → 1:30
    datetime(2026, 11, 1, 5, 59, 59, 100, tzinfo=UTC),  # New York: the autumn change
    datetime(2026, 11, 1, 6, 0, 0, 10, tzinfo=UTC),
    datetime(2026, 3, 8, 5, 29, 59, 1, tzinfo=UTC),  # St John's: spring
    datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),  # a new year, east of UTC
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),  # and west of it
    datetime(2026, 6, 1, 12, 0, 0, 120000, tzinfo=UTC),  # trailing zeros of a fraction
]


def _postgresql_text(instants) -> list[str]:
    """Each instant as PostgreSQL writes a timestamptz on Django's connection (in UTC)."""
    with connection.cursor() as cursor:
        _load_as_text(cursor.cursor, (connection.connection.adapters.types["timestamptz"].oid,))
        cursor.execute("SELECT unnest(%s::timestamptz[])", [list(instants)])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("zone", ZONES)
def test_each_instant_is_written_as_drf_writes_it(zone):
    field = serializers.DateTimeField()
    texts = _postgresql_text(INSTANTS)
    assert texts[0] == "2026-03-29 00:59:59.999999+00"
    assert texts[-1] == "2026-06-01 12:00:00.12+00"  # PostgreSQL drops trailing zeros
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        for _ in range(2):  # the hours worked out, then read again
            text = datetime_text()
            for instant, written in zip(INSTANTS, texts, strict=True):
                expected = field.to_representation(instant)
                assert text(written) == expected
                assert text(instant) == expected
                assert text(instant.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))) == expected
            assert text(None) is None


@pytest.mark.parametrize("zone", ZONES)
def test_as_json_each_instant_is_the_renderers_text_of_drfs(zone):
    """`json=True`: each value as JSON text, what DRF's renderer writes for DRF's text."""
    field = serializers.DateTimeField()
    texts = _postgresql_text(INSTANTS)
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        for _ in range(2):
            text = datetime_text(json=True)
            for instant, written in zip(INSTANTS, texts, strict=True):
                expected = JSONRenderer().render(field.to_representation(instant)).decode()
                assert text(written) == expected
                assert text(instant) == expected
                assert (
                    text("2026-06-01T12:00:00.5+02:00")
                    == JSONRenderer()
                    .render(
                        field.to_representation(
                            datetime.fromisoformat("2026-06-01T12:00:00.5+02:00")
                        )
                    )
                    .decode()
                )
            assert text(None) == "null"


def test_every_hour_of_a_year_in_paris():
    """Both offset changes and every hour between them, against DRF."""
    field = serializers.DateTimeField()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    instants = [start + timedelta(hours=h, minutes=h % 60, seconds=h % 7) for h in range(8760)]
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    text = datetime_text(paris)
    with timezone.override(paris):
        for instant, written in zip(instants, _postgresql_text(instants), strict=True):
            assert text(written) == field.to_representation(instant)


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/St_Johns"])
def test_every_hour_of_a_year_as_json(zone):
    """The hours kept quoted for JSON (a table of their own beside the plain one, both
    used in turn): each instant the renderer's text of DRF's, whole seconds and
    fractions, across both offset changes."""
    field = serializers.DateTimeField()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    instants = [
        start + timedelta(hours=h, minutes=h % 60, seconds=h % 7, microseconds=(h % 3) * 250_000)
        for h in range(8760)
    ]
    tz = zoneinfo.ZoneInfo(zone)
    as_json, plain = datetime_text(tz, json=True), datetime_text(tz)
    with timezone.override(tz):
        for instant, written in zip(instants, _postgresql_text(instants), strict=True):
            expected = field.to_representation(instant)
            assert as_json(written) == JSONRenderer().render(expected).decode()
            assert plain(written) == expected
    assert as_json(None) == "null" and plain(None) is None


def test_an_hour_whose_offset_changes_or_has_minutes_is_not_shortened():
    paris, kolkata = zoneinfo.ZoneInfo("Europe/Paris"), zoneinfo.ZoneInfo("Asia/Kolkata")
    assert module._hour("2026-07-01 10", paris) == ("2026-07-01T12", "+02:00")
    assert module._hour("2026-07-01 10", UTC) == ("2026-07-01T10", "Z")
    assert module._hour("2026-07-01 10", kolkata) is False
    assert module._hour("2026-04-04 15", zoneinfo.ZoneInfo("Australia/Lord_Howe")) is False
    assert module._hour("not a date!!", paris) is False


def test_text_of_another_shape_is_read_as_iso_8601():
    """PostgreSQL's text in a session time zone other than UTC, or with minutes in its
    offset: converted as a datetime is."""
    field = serializers.DateTimeField()
    with timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        text = datetime_text()
        for written in ("2026-06-01 14:00:00.5+02", "2026-06-01 17:30:00+05:30"):
            assert text(written) == field.to_representation(datetime.fromisoformat(written))
        with pytest.raises(ValueError):
            text("01/06/2026 12:00:00 UTC")  # DateStyle SQL: refused, never misread


def test_the_hours_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(module, "_HOURS_KEPT", 3)
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    text = datetime_text(paris)
    for hour in range(10):
        text(f"2026-07-01 {hour:02d}:00:00+00")
    assert len(module._HOURS[paris, ""]) == 10  # one list's instants: kept while it is written
    datetime_text(paris)
    assert module._HOURS[paris, ""] == {}  # the next list starts afresh

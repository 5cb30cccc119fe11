"""The slots' cached answer's key (consultations.slots_cache._answer_key) is worked out
once per request and practitioner: the same key as written out in full each time, for a
UUID or a text id, and a new one as soon as anything it names changes on the request
(practitioner, media type, query string, notice, horizon, time zone)."""

import hashlib
import itertools
import uuid

import pytest
from django.test import RequestFactory
from django.utils import timezone

from consultations import slots_cache

PRACTITIONERS = [uuid.UUID(int=0), uuid.UUID("3a85f688-375a-46f9-a7f1-a93a05401f45")]
MEDIA_TYPES = ["application/json", "application/json; indent=4", "text/html"]
QUERIES = ["", "from=2026-03-03", "from=2026-03-03&to=2026-03-31", "to=%E2%80%A8&from=x"]
ZONES = ["Europe/Paris", "America/St_Johns", "UTC"]


def _written_out(request, practitioner_id, settings) -> str:
    """The key as the cache stores it, from its definition."""
    asked = f"{request.accepted_media_type}\n{request.META.get('QUERY_STRING', '')}"
    query = hashlib.sha256(asked.encode()).hexdigest()[:32]
    rules = (
        f"{settings.HUNTZEN_BOOKING_NOTICE_MINUTES}:{settings.HUNTZEN_BOOKING_HORIZON_WEEKS}:"
        f"{timezone.get_current_timezone_name()}"
    )
    return f"slots:answer:v2:{uuid.UUID(str(practitioner_id)).hex}:{rules}:{query}"


def _request(query, media_type):
    request = RequestFactory().get("/api/v1/practitioners/x/slots", QUERY_STRING=query)
    request.META["QUERY_STRING"] = query
    request.accepted_media_type = media_type
    return request


def test_the_key_is_the_written_out_one_for_every_input(settings):
    keys = set()
    for pk, media_type, query, zone, notice in itertools.product(
        PRACTITIONERS, MEDIA_TYPES, QUERIES, ZONES, [120, 24 * 60]
    ):
        settings.HUNTZEN_BOOKING_NOTICE_MINUTES = notice
        request = _request(query, media_type)
        with timezone.override(zone):
            expected = _written_out(request, pk, settings)
            for asked_as in (pk, str(pk), str(pk).upper()):
                assert slots_cache._answer_key(request, asked_as) == expected
        keys.add(expected)
    assert len(keys) == 2 * 3 * 4 * 3 * 2


def test_the_key_is_worked_out_once_per_request(monkeypatch):
    request = _request(QUERIES[1], MEDIA_TYPES[0])
    first = slots_cache._answer_key(request, PRACTITIONERS[1])
    monkeypatch.setattr(slots_cache, "_key_of", lambda *asked: pytest.fail("again"))
    assert slots_cache._answer_key(request, PRACTITIONERS[1]) == first


def test_anything_the_key_names_changed_on_the_request_is_another_key(settings):
    request = _request(QUERIES[1], MEDIA_TYPES[0])
    first = slots_cache._answer_key(request, PRACTITIONERS[1])
    assert slots_cache._answer_key(request, PRACTITIONERS[0]) != first
    assert slots_cache._answer_key(request, PRACTITIONERS[1]) == first
    request.accepted_media_type = MEDIA_TYPES[1]
    assert slots_cache._answer_key(request, PRACTITIONERS[1]) != first
    request.accepted_media_type = MEDIA_TYPES[0]
    request.META["QUERY_STRING"] = QUERIES[2]
    assert slots_cache._answer_key(request, PRACTITIONERS[1]) != first
    request.META["QUERY_STRING"] = QUERIES[1]
    with timezone.override("UTC"):
        assert slots_cache._answer_key(request, PRACTITIONERS[1]) != first
    settings.HUNTZEN_BOOKING_HORIZON_WEEKS += 1
    assert slots_cache._answer_key(request, PRACTITIONERS[1]) != first
    settings.HUNTZEN_BOOKING_HORIZON_WEEKS -= 1
    settings.HUNTZEN_BOOKING_NOTICE_MINUTES += 1
    assert slots_cache._answer_key(request, PRACTITIONERS[1]) != first
    settings.HUNTZEN_BOOKING_NOTICE_MINUTES -= 1
    assert slots_cache._answer_key(request, PRACTITIONERS[1]) == first


def test_kept_instants_keep_their_order_exactly():
    """A kept answer's instants are whole microseconds since 1970: the same order as the
    instants (a microsecond apart, across DST changes and odd offsets), and exact."""
    import random
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    rng = random.Random(15)
    zones = [
        UTC,
        ZoneInfo("Europe/Paris"),
        ZoneInfo("Asia/Kathmandu"),
        ZoneInfo("America/St_Johns"),
    ]
    edges = [datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC)]
    instants = []
    for edge in edges:
        for step in range(-3, 4):
            instants.append(edge + timedelta(microseconds=step))
    for _ in range(300):
        instants.append(
            datetime(2020, 1, 1, tzinfo=UTC) + timedelta(microseconds=rng.randrange(10**16))
        )
    instants = [instant.astimezone(rng.choice(zones)) for instant in instants]
    for a, b in itertools.product(instants[:120], instants):
        kept_a, kept_b = slots_cache._microseconds(a), slots_cache._microseconds(b)
        # As the view compares them: `now` is UTC (two instants of one zone compare by
        # their wall clocks, which a DST change reorders).
        a_utc, b_utc = a.astimezone(UTC), b.astimezone(UTC)
        assert (kept_a < kept_b, kept_a == kept_b) == (a_utc < b_utc, a_utc == b_utc)
    for instant in instants:
        kept = slots_cache._microseconds(instant)
        assert slots_cache._EPOCH + timedelta(microseconds=kept) == instant.astimezone(UTC)

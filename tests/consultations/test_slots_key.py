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
    return f"slots:answer:{uuid.UUID(str(practitioner_id)).hex}:{rules}:{query}"


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

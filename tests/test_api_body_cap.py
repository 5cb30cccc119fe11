"""API JSON bodies are capped (HUNTZEN_API_MAX_BODY_BYTES): 413 before any parsing."""

import json
from io import BytesIO

import pytest
from django.urls import reverse
from rest_framework.parsers import JSONParser

from huntzen.parsers import BoundedJSONParser, RequestTooLarge

pytestmark = pytest.mark.django_db

THIRTY_MB = 30 * 1024 * 1024


@pytest.fixture
def parses(monkeypatch):
    """Every call of DRF's JSON parsing, recorded."""
    calls = []
    original = JSONParser.parse

    def spy(self, stream, media_type=None, parser_context=None):
        calls.append(stream)
        return original(self, stream, media_type, parser_context)

    monkeypatch.setattr(JSONParser, "parse", spy)
    return calls


def _big_json(size: int) -> bytes:
    return json.dumps({"note": "x" * size}).encode()


def test_a_30_mb_body_is_refused_with_413_and_never_parsed(client, employee_a, parses):
    client.force_login(employee_a)
    response = client.post(
        reverse("api-consultations"), data=_big_json(THIRTY_MB), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == {
        "code": "request_too_large",
        "message": "Le corps de la requête est trop volumineux.",
    }
    assert parses == []


def test_a_body_within_the_cap_is_parsed_as_before(client, employee_a, parses):
    client.force_login(employee_a)
    response = client.post(
        reverse("api-consultations"), data={"unknown": 1}, content_type="application/json"
    )
    assert response.status_code == 400 and "unknown" in response.json()["fields"]
    assert len(parses) == 1


def test_the_cap_is_a_setting(client, employee_a, parses, settings):
    settings.HUNTZEN_API_MAX_BODY_BYTES = 2048
    client.force_login(employee_a)
    url = reverse("api-consultations")
    assert client.post(url, data=_big_json(2100), content_type="application/json").status_code == (
        413
    )
    assert client.post(url, data=_big_json(1000), content_type="application/json").status_code == (
        400
    )
    assert len(parses) == 1


def test_a_body_without_a_length_is_read_only_one_byte_past_the_cap(settings):
    """A chunked body, or one whose Content-Length lies: the read itself is bounded."""
    settings.HUNTZEN_API_MAX_BODY_BYTES = 4096
    stream = BytesIO(_big_json(100_000))
    with pytest.raises(RequestTooLarge):
        BoundedJSONParser().parse(stream, "application/json", {"request": None})
    assert stream.tell() == 4097


def test_a_lying_content_length_is_bounded_too(settings, rf):
    settings.HUNTZEN_API_MAX_BODY_BYTES = 4096
    request = rf.post("/", data=b"{}", content_type="application/json")
    request.META["CONTENT_LENGTH"] = "2"
    stream = BytesIO(_big_json(100_000))
    with pytest.raises(RequestTooLarge):
        BoundedJSONParser().parse(stream, "application/json", {"request": request})
    assert stream.tell() == 4097

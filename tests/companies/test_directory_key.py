"""The directory's cached answer is keyed by what its absolute URI is built from
(companies.directory._uri_inputs), not by the URI itself: equal inputs must build equal
URIs, over hosts, ports, proxies' headers, schemes, script prefixes and hostile query
strings; a disallowed host is still refused, warm or not."""

import itertools
import uuid

import pytest
from django.test import RequestFactory, override_settings

from companies import directory

HOSTS = [None, "testserver", "other.test", "other.test:8000", "[::1]:8000", "Other.Test"]
SERVER_PORTS = ["80", "443", "8000"]
FORWARDED_HOSTS = [None, "proxy.test", "proxy.test:444"]
FORWARDED_PORTS = [None, "8443"]
QUERIES = [
    "",
    "page=2",
    "page=2&pageSize=1",
    "pageSize=1&page=2",
    "specialty=%C3%A9&x=%00",
    "q=%E2%80%A8%22%5C",
    "q=a%2Bb+c",
    "q=/../",
    "a=1&a=2",
]
SCRIPT_NAMES = [None, "/app"]
SETTINGS = [
    {"USE_X_FORWARDED_HOST": host, "USE_X_FORWARDED_PORT": port, "SECURE_PROXY_SSL_HEADER": ssl}
    for host, port, ssl in itertools.product(
        [False, True], [False, True], [None, ("HTTP_X_FORWARDED_PROTO", "https")]
    )
]


def _requests():
    factory = RequestFactory()
    for host, port, forwarded_host, forwarded_port, query, script, secure in itertools.product(
        HOSTS, SERVER_PORTS, FORWARDED_HOSTS, FORWARDED_PORTS, QUERIES, SCRIPT_NAMES, [False, True]
    ):
        extra = {"SERVER_PORT": port, "QUERY_STRING": query, "HTTP_X_FORWARDED_PROTO": "https"}
        if host:
            extra["HTTP_HOST"] = host
        if forwarded_host:
            extra["HTTP_X_FORWARDED_HOST"] = forwarded_host
        if forwarded_port:
            extra["HTTP_X_FORWARDED_PORT"] = forwarded_port
        if script:
            extra["SCRIPT_NAME"] = script
        request = factory.get("/api/v1/practitioners", secure=secure, **extra)
        request.META["QUERY_STRING"] = query  # as sent, not re-encoded by the factory
        if not host:
            request.META.pop("HTTP_HOST", None)  # the server's name and port, then
        yield request


@override_settings(ALLOWED_HOSTS=["*"])
def test_equal_inputs_build_equal_uris():
    """Every request under every proxy setting: one URI per key input (and inputs that
    differ only where the URI does not are merely kept apart)."""
    uri_of = {}
    uris = set()
    for values in SETTINGS:
        with override_settings(**values):
            for request in _requests():
                inputs = directory._uri_inputs(request)
                uri = request.build_absolute_uri()
                assert uri_of.setdefault(inputs, uri) == uri, (inputs, uri_of[inputs], uri)
                uris.add(uri)
    # The cases build many URIs: each part above changes it somewhere.
    assert len(uris) > 300
    for part in ("http://testserver:8000/", "https://testserver:8443/", "https://proxy.test:444/"):
        assert any(uri.startswith(part) for uri in uris), part
    assert any("/app/api/v1/practitioners?q=%E2%80%A8%22%5C" in uri for uri in uris)
    assert len(uri_of) >= len(uris)


@override_settings(ALLOWED_HOSTS=["*"], USE_X_FORWARDED_HOST=True)
def test_each_input_that_changes_the_uri_changes_the_key():
    factory = RequestFactory()
    base = {"HTTP_HOST": "a.test", "QUERY_STRING": "page=2"}
    variants = [
        {},
        {"HTTP_HOST": "b.test"},
        {"HTTP_X_FORWARDED_HOST": "proxy.test"},
        {"QUERY_STRING": "page=3"},
        {"SCRIPT_NAME": "/app"},
        {"wsgi.url_scheme": "https"},
    ]
    keys, uris = set(), set()
    for variant in variants:
        request = factory.get("/api/v1/practitioners", **(base | variant))
        request.META["QUERY_STRING"] = (base | variant)["QUERY_STRING"]
        request.accepted_media_type = "application/json"
        keys.add(directory._answer_key(request))
        uris.add(request.build_absolute_uri())
    assert len(uris) == len(variants) and len(keys) == len(variants)


def test_the_key_is_worked_out_once_per_media_type_and_language(rf, monkeypatch):
    request = rf.get("/api/v1/practitioners")
    request.accepted_media_type = "application/json"
    first = directory._answer_key(request)
    monkeypatch.setattr(directory, "_uri_inputs", lambda request: pytest.fail("again"))
    assert directory._answer_key(request) == first
    monkeypatch.undo()
    request.accepted_media_type = "application/json; indent=4"
    assert directory._answer_key(request) != first


@pytest.mark.django_db
def test_a_disallowed_host_is_refused_warm_or_not(api_client, employee_a, practitioner_p, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    api_client.force_authenticate(employee_a)
    cold = api_client.get("/api/v1/practitioners")
    warm = api_client.get("/api/v1/practitioners")
    assert cold.status_code == warm.status_code == 200 and cold.content == warm.content
    refused = api_client.get("/api/v1/practitioners", HTTP_HOST=f"{uuid.uuid4().hex}.test")
    assert refused.status_code == 400
    forged = api_client.get(
        "/api/v1/practitioners", HTTP_HOST="testserver", HTTP_X_FORWARDED_HOST="evil.test"
    )
    # Not read without USE_X_FORWARDED_HOST: the same answer (kept under its own key).
    assert forged.status_code == 200 and forged.content == cold.content

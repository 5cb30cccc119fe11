"""huntzen.cache_headers: the project's `never_cache` writes the headers Django's writes,
in the same order, whatever the response already had; it refuses what is not a request
as Django's does; the journal's API and pages use it."""

import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.cache import add_never_cache_headers as django_add_never_cache_headers
from django.views.decorators.cache import never_cache as django_never_cache

from huntzen import cache_headers
from huntzen.cache_headers import add_never_cache_headers, never_cache
from medical import api as medical_api
from medical import views as medical_views

NOW = 1_798_761_599.9999996  # rounds up to the next second as datetime does


def _response(**headers) -> HttpResponse:
    response = HttpResponse(b"{}", content_type="application/json")
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Cache_Control": "max-age=60, public"},
        {"Cache_Control": "no-cache=Set-Cookie, max-age=0"},
        {"Expires": "Thu, 01 Jan 2026 00:00:00 GMT"},
        {"Vary": "Cookie"},
    ],
)
@pytest.mark.parametrize(
    "now", [NOW, NOW - 0.5, NOW - 0.0000006, NOW + 0.5, 0.0, 1_767_225_600.5, 1_767_225_600.25]
)
def test_the_headers_are_djangos(monkeypatch, headers, now):
    monkeypatch.setattr(time, "time", lambda: now)
    ours, djangos = _response(**headers), _response(**headers)
    add_never_cache_headers(ours)
    django_add_never_cache_headers(djangos)
    assert list(ours.headers.items()) == list(djangos.headers.items())
    assert "Expires" in ours.headers and "no-store" in ours.headers["Cache-Control"]


def test_expires_is_djangos_through_a_second():
    from django.utils.http import http_date

    base = 1_767_225_600
    for now in [base + 0.1, base + 0.7, base + 0.9999994, base + 0.9999995, base + 0.9999996]:
        for _ in range(2):  # written, then taken from the last second's
            assert cache_headers._expires(now) == http_date(now)
    assert cache_headers._expires(base + 1.2) == http_date(base + 1.2)


def test_the_decorator_answers_as_djangos(monkeypatch):
    monkeypatch.setattr(time, "time", lambda: NOW)
    request = RequestFactory().get("/")

    def view(request):
        return _response()

    ours, djangos = never_cache(view)(request), django_never_cache(view)(request)
    assert list(ours.headers.items()) == list(djangos.headers.items())
    assert never_cache(view).__wrapped__ is view
    with pytest.raises(TypeError, match="HttpRequest"):
        never_cache(view)(object())


def test_the_journal_uses_it():
    for module in (medical_api, medical_views):
        assert module.never_cache is cache_headers.never_cache

"""huntzen/url_cache.py: the URLconf behind a resolver that keeps each path's resolution
answers every path exactly as Django's own resolver over the same patterns, the first
time and from its memory; hands out copies no request can spoil for another; keeps no
404 and no more than MAX_PATHS paths; and keeps nothing where the answer depends on more
than the path (translated routes, i18n_patterns, a converter of our own)."""

import uuid

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import Resolver404, URLResolver, get_resolver, path, register_converter
from django.urls.resolvers import RoutePattern
from django.utils import translation
from django.utils.translation import gettext_lazy

from huntzen import url_cache, urls
from huntzen.url_cache import CachedResolver

ID = str(uuid.UUID(int=0x1234))

PATHS = [
    "",
    "favicon.ico",
    "api/v1/auth/me",
    "api/v1/consultations",
    "api/v1/consultations/my",
    f"api/v1/consultations/{ID}",
    f"api/v1/consultations/{ID.upper()}",
    "api/v1/practitioners",
    f"api/v1/practitioners/{ID}/slots",
    f"api/v1/metrics/companies/{ID}",
    "api/v1/medical/journal",
    "api/v1/nope",
    "api/v1/auth/me/",
    "api/docs",
    "api/docs/",
    "api/schema/",
    "metrics/company/",
    "journal/",
    "consultations/",
    "accounts/login/",
    "accounts/email/",
    "_allauth/app/v1/auth/session",
    "i18n/setlang/",
    "admin/",
    f"admin/accounts/user/{ID}/change/",
    "admin/accounts/user/x'\"\\/change/",
    'it\'s "quoted"',
    "back\\slash",
    "line\u2028para\u2029sep",
    "emoji/🧠/",
    "%2e%2e/%00",
    "control\x01\x1f\x7f",
    "nope/" * 50,
]


@pytest.fixture
def ours():
    return CachedResolver(urls._patterns)


@pytest.fixture
def djangos():
    return URLResolver(RoutePattern(""), urls._patterns)


def _fields(match):
    return (
        match.func,
        match.args,
        match.kwargs,
        match.url_name,
        match.app_names,
        match.namespaces,
        match.route,
        match.captured_kwargs,
        match.extra_kwargs,
        match._func_path,
        match.view_name,
        match.tried,
    )


def _answer(resolver, path):
    try:
        return _fields(resolver.resolve(path))
    except Resolver404 as error:
        return ("404", error.args[0].get("tried"), error.args[0].get("path"))


@pytest.mark.parametrize("path", PATHS)
def test_it_answers_as_djangos_resolver_the_first_time_and_after(ours, djangos, path):
    expected = _answer(djangos, path)
    assert _answer(ours, path) == expected
    assert _answer(ours, path) == expected
    assert _answer(ours, path) == expected


def test_the_urlconf_is_behind_it_and_resolves_as_before():
    root = get_resolver()
    assert isinstance(urls.urlpatterns[0], CachedResolver)
    assert root.resolve("/api/v1/auth/me").url_name == "api-auth-me"
    assert root.resolve("/api/v1/auth/me").route == "api/v1/auth/me"
    match = root.resolve(f"/api/v1/consultations/{ID}")
    assert match.kwargs and all(isinstance(v, uuid.UUID) for v in match.kwargs.values())
    with pytest.raises(Resolver404):
        root.resolve("/no/such/page/")


def test_a_request_cannot_spoil_the_next_ones_match(ours):
    first = ours.resolve(f"api/v1/consultations/{ID}")
    kwargs, captured = dict(first.kwargs), dict(first.captured_kwargs)
    first.kwargs["evil"] = 1
    first.captured_kwargs["evil"] = 1
    first.extra_kwargs["evil"] = 1
    first.app_names.append("evil")
    first.tried and first.tried[0].append("evil")
    second = ours.resolve(f"api/v1/consultations/{ID}")
    assert second.kwargs == kwargs
    assert second.captured_kwargs == captured
    assert "evil" not in second.extra_kwargs
    assert "evil" not in second.app_names
    assert not second.tried or "evil" not in second.tried[0]


def test_it_keeps_no_404_and_at_most_max_paths(ours, monkeypatch):
    with pytest.raises(Resolver404):
        ours.resolve("no/such/page/")
    assert ours._matches == {}
    monkeypatch.setattr(url_cache, "MAX_PATHS", 3)
    for n in range(10):
        ours.resolve(f"api/v1/consultations/{uuid.UUID(int=n)}")
        assert 1 <= len(ours._matches) <= 3


def _view(request):
    return HttpResponse("ok")


def test_translated_routes_are_resolved_each_time():
    resolver = CachedResolver([path(gettext_lazy("Home"), _view, name="home")])  # admin's
    assert resolver._cacheable is False
    with translation.override("en"):
        assert resolver.resolve("Home").url_name == "home"
    with translation.override("fr"):
        assert resolver.resolve("Accueil").url_name == "home"
        with pytest.raises(Resolver404):
            resolver.resolve("Home")
    assert resolver._matches == {}


def test_i18n_patterns_are_resolved_each_time():
    resolver = CachedResolver(i18n_patterns(path("page/", _view, name="page")))
    assert resolver._cacheable is False
    with translation.override("en"):
        assert resolver.resolve("en/page/").url_name == "page"
    assert resolver._matches == {}


class _EvenConverter:
    regex = "[0-9]+"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


def test_a_converter_of_our_own_is_resolved_each_time():
    register_converter(_EvenConverter, "la_even")
    resolver = CachedResolver([path("n/<la_even:n>", _view, name="n")])
    assert resolver._cacheable is False
    assert resolver.resolve("n/4").kwargs == {"n": 4}
    assert resolver._matches == {}
    assert CachedResolver([path("n/<int:n>", _view)])._cacheable is True

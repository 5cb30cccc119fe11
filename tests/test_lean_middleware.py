"""Django's locale and messages middleware with less work per request
(huntzen.middleware): the same language, headers and messages as Django's own."""

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.test import RequestFactory
from django.urls import path
from django.utils import translation

from huntzen import middleware
from huntzen.middleware import LocaleMiddleware, MessageMiddleware

# A URLconf with language prefixes (request.urlconf = __name__): Django's own steps.
urlpatterns = i18n_patterns(path("page/", lambda request: HttpResponse("page")))

LANGUAGE_REQUESTS = [
    {},
    {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"},
    {"HTTP_ACCEPT_LANGUAGE": "de,fr;q=0.5"},
    {"HTTP_ACCEPT_LANGUAGE": "*"},
    {"HTTP_COOKIE": "django_language=en"},
    {"HTTP_COOKIE": "django_language=xx", "HTTP_ACCEPT_LANGUAGE": "en"},
]


def _locale(middleware_class, path_info, meta, *, urlconf=None, vary=None, status=200):
    request = RequestFactory().get(path_info, **meta)
    if urlconf:
        request.urlconf = urlconf
    mw = middleware_class(lambda request: None)
    with translation.override(None):
        mw.process_request(request)
        language = translation.get_language()
        response = HttpResponse("x", status=status)
        if vary:
            response["Vary"] = vary
        response = mw.process_response(request, response)
    return (
        language,
        request.LANGUAGE_CODE,
        response.status_code,
        response.get("Vary"),
        response.get("Content-Language"),
        response.get("Location"),
    )


@pytest.mark.parametrize("meta", LANGUAGE_REQUESTS)
@pytest.mark.parametrize("vary", [None, "Cookie", "accept-language"])
def test_the_language_and_headers_are_djangos(meta, vary):
    ours = _locale(LocaleMiddleware, "/api/v1/auth/me", meta, vary=vary)
    assert ours == _locale(DjangoLocaleMiddleware, "/api/v1/auth/me", meta, vary=vary)


def test_english_when_asked():
    language, code, _, vary, content_language, _ = _locale(
        LocaleMiddleware, "/", {"HTTP_ACCEPT_LANGUAGE": "en"}
    )
    assert (language, code, vary, content_language) == ("en", "en", "Accept-Language", "en")


@pytest.mark.parametrize("path_info", ["/en/page/", "/page/", "/fr/missing/"])
@pytest.mark.parametrize("status", [200, 404])
def test_a_urlconf_with_language_prefixes_gets_djangos_steps(path_info, status):
    for meta in LANGUAGE_REQUESTS:
        ours = _locale(LocaleMiddleware, path_info, meta, urlconf=__name__, status=status)
        theirs = _locale(DjangoLocaleMiddleware, path_info, meta, urlconf=__name__, status=status)
        assert ours == theirs
    # The prefix decides: Django's answer, not the lean one.
    assert _locale(LocaleMiddleware, "/en/page/", {}, urlconf=__name__)[0] == "en"


def _with_messages(middleware_class, view, cookies=None):
    request = RequestFactory().get("/", HTTP_COOKIE=cookies or "")
    SessionMiddleware(lambda request: None).process_request(request)
    mw = middleware_class(lambda request: None)
    mw.process_request(request)
    response = view(request)
    return request, mw.process_response(request, response)


def _adds(request):
    messages.success(request, "Enregistré.")
    return HttpResponse("x")


def _shows(request):
    return HttpResponse(" | ".join(str(message) for message in messages.get_messages(request)))


@pytest.mark.parametrize("middleware_class", [MessageMiddleware, DjangoMessageMiddleware])
def test_a_message_added_is_stored_then_shown_once(middleware_class):
    _, response = _with_messages(middleware_class, _adds)
    cookie = response.cookies["messages"]
    assert cookie.value
    cookies = f"messages={cookie.value}"
    _, shown = _with_messages(middleware_class, _shows, cookies)
    assert shown.content == "Enregistré.".encode()
    # Shown, then cleared: the cookie is deleted as Django deletes it.
    assert shown.cookies["messages"].value == ""
    assert shown.cookies["messages"]["max-age"] == 0


def test_a_request_that_uses_no_message_builds_no_storage(monkeypatch):
    built = []
    monkeypatch.setattr(
        middleware, "default_storage", lambda request: built.append(request) or 1 / 0
    )
    request, response = _with_messages(MessageMiddleware, lambda request: HttpResponse("x"))
    assert built == []
    assert "messages" not in response.cookies


def test_messages_reach_a_page_of_the_site(client, employee_a):
    client.force_login(employee_a)
    request, response = _with_messages(MessageMiddleware, _adds)
    client.cookies["messages"] = response.cookies["messages"].value
    page = client.get("/")
    while page.status_code in (301, 302):
        page = client.get(page["Location"])
    assert "Enregistré." in page.text
    assert isinstance(page.wsgi_request._messages, middleware.SimpleLazyObject)


def _truth_then_adds(request):
    before = bool(messages.get_messages(request))
    messages.success(request, "Enregistré.")
    return HttpResponse(f"{before} {bool(messages.get_messages(request))}")


@pytest.mark.parametrize("middleware_class", [MessageMiddleware, DjangoMessageMiddleware])
def test_the_storages_truth_is_djangos(middleware_class):
    """False with nothing to show; True once a message is added, or when the request
    brings one in its cookie; the cookie's message shown as Django shows it."""
    _, response = _with_messages(middleware_class, _truth_then_adds)
    assert response.content == b"False True"
    cookies = f"messages={response.cookies['messages'].value}"
    _, response = _with_messages(middleware_class, _truth_then_adds, cookies)
    assert response.content == b"True True"
    _, response = _with_messages(middleware_class, _shows, "messages=not-a-signed-value")
    assert response.content == b""


def test_a_page_with_nothing_to_show_builds_no_storage(client, employee_a, monkeypatch):
    """`{% if messages %}` on every page, answered without building the storage when
    the request brings no messages cookie (Django's storage would stop at that)."""
    client.force_login(employee_a)
    built = []
    real = middleware.default_storage
    monkeypatch.setattr(
        middleware, "default_storage", lambda request: built.append(request) or real(request)
    )
    page = client.get("/employee/")
    assert page.status_code == 200
    assert 'class="messages"' not in page.text
    assert built == []
    assert "messages" not in page.cookies

"""The CSP built once per process (huntzen.middleware.CSPMiddleware): every response's
headers byte-equal to django-csp's own middleware's, for the settings' policy, a
response's own (`csp_update`, `csp_replace`, `csp`), exemptions, excluded prefixes, a
report-only policy, a policy naming the nonce and Django's debug pages."""

import pytest
from csp import constants
from csp.middleware import CSPMiddleware as DjangoCspMiddleware
from csp.utils import build_policy
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.test import RequestFactory
from django.utils.functional import lazy

from huntzen import middleware
from huntzen.middleware import CSPMiddleware

PAGES = [
    ("/", lambda: HttpResponse("<p>page</p>")),
    ("/api/v1/auth/me", lambda: JsonResponse({"a": 1})),
    ("/missing", lambda: HttpResponseNotFound("no")),
]

# What a response may carry, as django-csp's decorators set it.
RESPONSE_OWN = [
    {},
    {"_csp_update": {"script-src": ["https://meet.example"]}},
    {"_csp_replace": {"frame-src": ["https://meet.example"]}},
    {"_csp_config": {"default-src": ["'none'"]}},
    {"_csp_update_ro": {"img-src": ["https://img.example"]}},
    {"_csp_replace_ro": {"img-src": None}},
    {"_csp_exempt": True},
    {"_csp_exempt_ro": True},
]

REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp-report"}}


def _headers(middleware_class, path, make_response, own, *, nonce=False):
    request = RequestFactory().get(path)
    mw = middleware_class(lambda request: None)
    mw.process_request(request)
    if nonce:
        str(request.csp_nonce)  # a template read it
        request._csp_nonce = "fixed-nonce"  # the same in both runs
    response = make_response()
    for name, value in own.items():
        setattr(response, name, value)
    response = mw.process_response(request, response)
    after = request.csp_nonce
    return {
        name: response.headers.get(name)
        for name in (constants.HEADER, constants.HEADER_REPORT_ONLY)
    }, bool(after)


def _assert_same_everywhere(**kwargs):
    for path, make_response in PAGES:
        for own in RESPONSE_OWN:
            ours = _headers(CSPMiddleware, path, make_response, own, **kwargs)
            theirs = _headers(DjangoCspMiddleware, path, make_response, own, **kwargs)
            assert ours == theirs, (path, own)


@pytest.fixture(autouse=True)
def _fresh_policies():
    middleware.settings_csp_policies.cache_clear()
    yield
    middleware.settings_csp_policies.cache_clear()


def test_the_settings_policy_is_django_csps_own():
    ours = _headers(CSPMiddleware, "/", PAGES[0][1], {})[0]
    assert ours[constants.HEADER] == build_policy()
    assert "frame-ancestors 'none'" in ours[constants.HEADER]
    assert ours[constants.HEADER_REPORT_ONLY] is None


@pytest.mark.parametrize("nonce", [False, True])
def test_every_response_gets_django_csps_headers(nonce):
    _assert_same_everywhere(nonce=nonce)


def test_with_a_report_only_policy_and_excluded_prefixes(settings):
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "EXCLUDE_URL_PREFIXES": ["/api/"],
    }
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = REPORT_ONLY
    _assert_same_everywhere()
    api = _headers(CSPMiddleware, "/api/v1/auth/me", PAGES[1][1], {})[0]
    assert api[constants.HEADER] is None
    assert api[constants.HEADER_REPORT_ONLY] == "default-src 'self'; report-uri /csp-report"


def test_a_settings_change_is_seen_at_once(settings):
    before = _headers(CSPMiddleware, "/", PAGES[0][1], {})[0][constants.HEADER]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    after = _headers(CSPMiddleware, "/", PAGES[0][1], {})[0][constants.HEADER]
    assert before != after == "default-src 'none'"


@pytest.mark.parametrize("nonce", [False, True])
def test_a_policy_naming_the_nonce_is_built_per_request(settings, nonce):
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["script-src"] = ["'self'", constants.NONCE]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    assert middleware.settings_csp_policies() is None
    _assert_same_everywhere(nonce=nonce)
    if nonce:
        header = _headers(CSPMiddleware, "/", PAGES[0][1], {}, nonce=True)[0]
        assert "'nonce-fixed-nonce'" in header[constants.HEADER]


def test_a_lazy_value_is_built_per_request(settings):
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "report-uri": lazy(lambda: "/r", str)()}
    }
    assert middleware.settings_csp_policies() is None
    _assert_same_everywhere()


def test_debug_pages_are_left_as_django_csp_leaves_them(settings):
    settings.DEBUG = True
    _assert_same_everywhere()
    missing = _headers(CSPMiddleware, "/missing", PAGES[2][1], {})[0]
    assert missing[constants.HEADER] is None


def test_a_header_set_by_the_view_is_kept():
    def make_response():
        response = HttpResponse("x")
        response[constants.HEADER] = "default-src 'none'"
        return response

    ours = _headers(CSPMiddleware, "/", make_response, {})[0]
    assert ours[constants.HEADER] == "default-src 'none'"


def test_the_middleware_in_the_settings_is_ours(client, settings):
    assert "huntzen.middleware.CSPMiddleware" in settings.MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE
    response = client.get("/api/v1/auth/me")
    assert response[constants.HEADER] == build_policy()

import contextlib
import functools
import logging
import re
import uuid

from asgiref.local import Local
from csp import constants as csp_constants
from csp import middleware as csp_middleware
from csp.utils import build_policy as csp_build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.messages import middleware as messages_middleware
from django.contrib.messages.storage import default_storage
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.signals import setting_changed
from django.db import connections
from django.middleware import locale
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise, SimpleLazyObject, empty

# What a client's own X-Request-ID may look like to be kept (beside ours, never as ours).
_CLIENT_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_local = Local()
logger = logging.getLogger(__name__)


def current_request_id() -> str | None:
    """The server's id of the request being served (for the medical access log), if any."""
    return getattr(_local, "request_id", None)


def current_client_request_id() -> str | None:
    """The client's own X-Request-ID for the request being served, if it was sane."""
    return getattr(_local, "client_request_id", None)


def client_request_id(value: str) -> str | None:
    """A client's X-Request-ID kept only if it is short and plain (at most 64 of
    [A-Za-z0-9._-]); anything else is dropped, not trimmed."""
    return value if _CLIENT_REQUEST_ID_RE.fullmatch(value or "") else None


class RequestIdMiddleware:
    """Tags each request with a fresh server id (uuid4), echoed in X-Request-ID.

    The id in the access log must be ours: a client choosing it could forge links
    between rows or smuggle text into the log. A sane client value is kept apart, as
    `request.client_id`, for correlating with the client's own logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4().hex
        request.client_id = client_request_id(request.headers.get("X-Request-ID", ""))
        _local.request_id = request.id
        _local.client_request_id = request.client_id
        try:
            response = self.get_response(request)
        finally:
            _local.request_id = None
            _local.client_request_id = None
        response["X-Request-ID"] = request.id
        return response


class PrivateByDefaultCacheMiddleware:
    """`Cache-Control: no-store, private` on every response whose view chose none.

    Chat history, chat tickets, consultation details, per-employee figures and every
    signed-in page must never sit in a browser's or a proxy's cache; anonymous pages
    carry CSRF tokens, invitation and password-reset keys, so they get it too. A view
    that may be cached says so itself (Django's `cache_control` decorator: the articles);
    static files are answered by WhiteNoise, outside this middleware, with their own
    header."""

    VALUE = "no-store, private"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = self.VALUE
        return response


def release_connections() -> None:
    """Close this thread's database connections (back to the pool, with one), as
    Django's request_finished does, unless one is inside a transaction that outlives
    the request (a test's)."""
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        try:
            conn.close_if_unusable_or_obsolete()
        except Exception:  # a broken connection must not turn the answer into a 500
            logger.warning("Closing the database connection %r failed", conn.alias)
            with contextlib.suppress(Exception):
                conn.close()


class ReleaseConnectionsMiddleware:
    """Gives the request's database connections back in the thread that used them (F1).

    Django's ASGI handler cancels the request when the client leaves, and daphne then
    cancels the handler itself past its close timeout: the end-of-request cleanup
    (request_finished, sent on the event loop) never runs, while the view's thread
    goes on and keeps its pooled connection; twenty such requests emptied the pool for
    good. This `finally` runs in the view's own thread once the work is done, whether
    anyone still listens or not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            release_connections()


# A response's own policy (django-csp's decorators) or exemption: django-csp builds it.
_CSP_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_CSP_SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
# django-csp leaves these answers alone in DEBUG (Django's technical pages).
_CSP_DEBUG_STATUSES = (500, 404)


@functools.cache
def settings_csp_policies() -> tuple[tuple[str, str, str, tuple[str, ...]], ...] | None:
    """The settings' policies as django-csp builds them for a response of no policy of
    its own: (header, policy, the response's exemption attribute, excluded path
    prefixes) for the enforced one, then the report-only one. None when a policy cannot
    be built once for all: it names the nonce (each request's own), or holds a lazy
    value (translated per language)."""
    policies = []
    for name, header, exempt, report_only in (
        (_CSP_SETTINGS[0], csp_constants.HEADER, "_csp_exempt", False),
        (_CSP_SETTINGS[1], csp_constants.HEADER_REPORT_ONLY, "_csp_exempt_ro", True),
    ):
        config = getattr(settings, name) or {}
        for value in (config.get("DIRECTIVES") or {}).values():
            values = value if isinstance(value, list | tuple | set) else (value,)
            if any(v is csp_constants.NONCE or isinstance(v, Promise) for v in values):
                return None
        prefixes = tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ())
        policies.append((header, csp_build_policy(report_only=report_only), exempt, prefixes))
    return tuple(policies)


def _csp_settings_changed(*, setting, **kwargs) -> None:
    if setting in _CSP_SETTINGS:
        settings_csp_policies.cache_clear()


setting_changed.connect(_csp_settings_changed, dispatch_uid="huntzen.middleware.csp")


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware, the settings' policies built once per process.

    django-csp builds the policy twice per response (enforced and report-only: a
    dataclass turned into a dict, every directive copied, sorted and joined), the same
    text each time unless the response brings its own (`csp_update`, `csp_replace`...)
    or the policy names the request's nonce. Those responses, and Django's debug pages,
    are still built by django-csp; every other one gets the text built once, which is
    django-csp's own (`settings_csp_policies`), under the same conditions."""

    def process_response(self, request, response):
        policies = None
        if not any(getattr(response, name, None) is not None for name in _CSP_PER_RESPONSE):
            policies = settings_csp_policies()
        if policies is None or (settings.DEBUG and response.status_code in _CSP_DEBUG_STATUSES):
            return super().process_response(request, response)
        for header, policy, exempt, prefixes in policies:
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = policy
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's LocaleMiddleware, without its language-prefixed URL steps where the
    URLconf has no `i18n_patterns` (ours): each request looked for a language in its
    path twice and asked twice whether prefixes are used, for answers that only matter
    with prefixes. The language chosen, `request.LANGUAGE_CODE`, `Vary` and
    `Content-Language` are Django's; a URLconf with prefixes gets Django's middleware."""

    def process_request(self, request):
        if _language_prefixes_used(request):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        if _language_prefixes_used(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def _language_prefixes_used(request) -> bool:
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    return is_language_prefix_patterns_used(urlconf)[0]


# Django's default message storage: it reads the messages cookie first and, when the
# request carries none, stops there (never reaching the session).
_FALLBACK_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"


class _LazyMessages(SimpleLazyObject):
    """`request._messages`: the storage built on first use. Its truth (`{% if messages
    %}` on every page) is answered without building it when the storage would load
    nothing: Django's default storage, no messages cookie, nothing added yet (adding
    builds it). Every other use builds it, and it answers as before."""

    def __init__(self, request):
        super().__init__(functools.partial(default_storage, request))
        self.__dict__["_request"] = request

    def __bool__(self):
        if (
            self._wrapped is empty
            and not self.__dict__["_request"].COOKIES.get(CookieStorage.cookie_name)
            and settings.MESSAGE_STORAGE == _FALLBACK_STORAGE
        ):
            return False
        return super().__bool__()


class MessageMiddleware(messages_middleware.MessageMiddleware):
    """Django's MessageMiddleware, its storage built when a request first uses it.

    Django builds the message storage (a cookie storage with its signer and a session
    storage) for every request, API calls included, which never use it. Here
    `request._messages` is that same storage, made on first use (`messages.add_message`,
    the templates' `messages`); at the response it is saved as Django saves it, and not
    built at all when nothing used it (an untouched storage saves nothing)."""

    def process_request(self, request):
        request._messages = _LazyMessages(request)

    def process_response(self, request, response):
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response
        return super().process_response(request, response)

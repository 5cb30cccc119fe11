import re
import uuid

from asgiref.local import Local

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_local = Local()


def current_request_id() -> str | None:
    """The id of the request being served (for the medical access log), if any."""
    return getattr(_local, "request_id", None)


class RequestIdMiddleware:
    """Tags each request with an id (kept from a sane X-Request-ID, else fresh)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        _local.request_id = request.id
        try:
            response = self.get_response(request)
        finally:
            _local.request_id = None
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

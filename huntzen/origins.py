"""The origins of this site, and the websocket handshake check built from them.

A browser always sends `Origin` with a websocket handshake, and with it the session
cookie: accepting a page of another origin would let it act as the signed-in user
(cross-site websocket hijacking). So a handshake is accepted only from an exact origin
of the site — scheme, host and port — as listed by `allowed_origins()`. Native API
clients send no `Origin` and no cookie: they authenticate with a ticket in their first
frame, which no other site can obtain, so a handshake without `Origin` is let through
when it carries no cookie, and refused when it does (as before).
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL or origin, lower-cased; None if it is not
    one."""
    try:
        parts = urlsplit(url.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def allowed_origins() -> frozenset[tuple[str, str, int]]:
    """HUNTZEN_SITE_URL, CSRF_TRUSTED_ORIGINS, and with DEBUG every exact ALLOWED_HOSTS
    name on the port of HUNTZEN_SITE_URL (the demo's: http://localhost:8000 too)."""
    origins = {_origin(settings.HUNTZEN_SITE_URL)}
    origins.update(_origin(url) for url in settings.CSRF_TRUSTED_ORIGINS)
    site = _origin(settings.HUNTZEN_SITE_URL)
    if settings.DEBUG and site is not None:
        scheme, _host, port = site
        origins.update(
            _origin(f"{scheme}://{host}:{port}")
            for host in settings.ALLOWED_HOSTS
            if host != "*" and not host.startswith(".")
        )
    origins.discard(None)
    return frozenset(origins)


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


class SiteOriginValidator:
    """ASGI middleware for websockets: the handshake's `Origin` must be one of the
    site's origins (see the module docstring for a missing one); others get a bare
    403."""

    def __init__(self, application, origins: frozenset | None = None):
        self.application = application
        self.origins = allowed_origins() if origins is None else origins

    def allows(self, scope) -> bool:
        origin = _header(scope, b"origin")
        if origin is None:
            return _header(scope, b"cookie") is None
        return _origin(origin.decode("latin1")) in self.origins

    async def __call__(self, scope, receive, send):
        if self.allows(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)

"""HTTP and websockets: daphne serves both from here."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huntzen.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.auth import ChatAuthMiddlewareStack  # noqa: E402
from chat.guard import SocketGuard  # noqa: E402
from chat.handshake import lighten_autobahn  # noqa: E402
from chat.routing import websocket_urlpatterns  # noqa: E402
from huntzen.origins import SiteOriginValidator  # noqa: E402
from huntzen.process import settle  # noqa: E402

lighten_autobahn()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # SocketGuard outermost: a fault in the session or user lookup closes with 4503.
        "websocket": SocketGuard(
            SiteOriginValidator(ChatAuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
settle()

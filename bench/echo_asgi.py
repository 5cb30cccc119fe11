"""Bench only: a bare Channels echo consumer (no auth, no database, no channel layer),
the floor against which the chat's latency is compared (bench/chat_load.py)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huntzen.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class EchoConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = "bench-no-layer"  # not configured: no layer at all

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data)


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/echo/", EchoConsumer.as_asgi())])}
)

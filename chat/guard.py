"""The outermost layer of the websocket stack (huntzen.asgi): what no consumer can do
for itself.

- **A fault before the consumer answers** (the session or the user cannot be loaded:
  PostgreSQL down; the channel layer cannot give the socket its channel: Redis down)
  would reach daphne as an exception, which the client sees as a failed handshake or
  1011. Here it becomes an `unavailable` error frame and the close code 4503, which the
  page and API clients retry (chat.access.CLOSE_UNAVAILABLE).
- **A reader that does not keep up** would make the process hold every frame sent to
  it (daphne has no backpressure: about 1 MiB/s of memory for a client that never
  reads). Under daphne, Twisted flags the connection when its write buffer for the
  socket passes its 64 KiB mark; past SEND_BUFFER_LIMIT bytes more, the connection is
  dropped (the client sees 1006 and reconnects; what it missed comes back with the
  history on join).
"""

import functools
import json
import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from redis.exceptions import RedisError

from chat.access import CLOSE_UNAVAILABLE

logger = logging.getLogger(__name__)

# What "unavailable, try again" is made of: the database, the cache and the channel
# layer (redis-py's errors are not OSError's: redis.exceptions.ConnectionError is its
# own class), a timeout, a connection refused or reset.
UNAVAILABLE_ERRORS = (DatabaseError, RedisError, OSError, TimeoutError)

# Bytes a connection may hold on top of Twisted's 64 KiB buffer while its reader is
# behind: four full history pages (chat.consumers.HISTORY_FRAME_BYTES).
SEND_BUFFER_LIMIT = 1024 * 1024


def unavailable_frame() -> str:
    from chat.consumers import ERRORS

    return json.dumps(
        {"type": "error", "code": "unavailable", "message": str(ERRORS["unavailable"])}
    )


class _PushProducer:
    """A do-nothing streaming producer: registered on a connection that has none, so
    that Twisted keeps its `producerPaused` flag (it does so only with a producer)."""

    def pauseProducing(self):  # noqa: N802
        pass

    def resumeProducing(self):  # noqa: N802
        pass

    def stopProducing(self):  # noqa: N802
        pass


class SendBuffer:
    """What one websocket connection holds for its reader. Twisted flags its transport
    `producerPaused` while its write buffer for the socket is over its 64 KiB mark (the
    connection's producer, twisted.web's HTTPChannel under daphne, is told to pause),
    and clears it once the socket drained the buffer. `admit` counts what is sent while
    the flag is up and says when the reader is too slow."""

    def __init__(self, transport, limit: int = SEND_BUFFER_LIMIT):
        self.transport, self.limit = transport, limit
        self.held = 0
        if getattr(transport, "producer", None) is None:
            transport.registerProducer(_PushProducer(), True)

    def admit(self, message: dict) -> bool:
        if not self.transport.producerPaused:
            self.held = 0
            return True
        payload = message.get("bytes") or (message.get("text") or "").encode("utf-8")
        self.held += len(payload)
        return self.held <= self.limit

    def drop(self):
        logger.warning(
            "Chat socket dropped: its reader is %d bytes behind (limit %d)", self.held, self.limit
        )
        self.transport.abortConnection()


def _daphne_transport(send):
    """The Twisted transport of daphne's connection behind `send` (daphne's ASGI `send`
    is functools.partial(Server.handle_reply, protocol)), or None under another server
    or the test communicator. tests/faults/test_chat_slow_reader.py pins this on the
    daphne we run."""
    if isinstance(send, functools.partial) and send.args:
        transport = getattr(send.args[0], "transport", None)
        if hasattr(transport, "producerPaused") and hasattr(transport, "abortConnection"):
            return transport
    return None


class SocketGuard:
    def __init__(self, app, *, send_buffer_limit: int = SEND_BUFFER_LIMIT):
        self.app, self.send_buffer_limit = app, send_buffer_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ImproperlyConfigured("SocketGuard wraps the websocket stack only")
        state = {"accepted": False, "closed": False}
        transport = _daphne_transport(send)
        buffer = None

        async def guarded_send(message):
            nonlocal buffer
            kind = message["type"]
            if state["closed"]:
                return
            if kind == "websocket.send" and buffer is not None and not buffer.admit(message):
                state["closed"] = True
                buffer.drop()
                return
            await send(message)
            if kind == "websocket.accept":
                state["accepted"] = True
                if transport is not None:
                    buffer = SendBuffer(transport, self.send_buffer_limit)
            elif kind == "websocket.close":
                state["closed"] = True

        try:
            return await self.app(scope, receive, guarded_send)
        except UNAVAILABLE_ERRORS:
            logger.exception("Chat socket unavailable before its consumer could answer")
            if state["closed"]:
                return
            if not state["accepted"]:
                await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": unavailable_frame()})
            await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})

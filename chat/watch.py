"""Does this process still hear the channel layer? Closes its chat sockets when not.

Redis pub/sub forgets: a message published while a process is not subscribed (Redis
down, or back but this process not yet re-subscribed: channels_redis retries once a
second) never reaches that process's sockets, and nothing tells them. So each process
publishes a numbered ping to a channel of its own every PING_EVERY seconds and listens
to it: a publish that fails, or a ping that never arrives while a later one does, means
the process was deaf for a while. Every chat socket it holds is then closed with 4503
(`unavailable`, retry): the page reconnects, and the history on join brings what was
missed. A slow event loop only delays the pings (they arrive in order): no false alarm.

Only for a layer that goes over the network (not the in-memory layer of the demo).
"""

import asyncio
import logging
import time
import weakref

from channels.layers import InMemoryChannelLayer

logger = logging.getLogger(__name__)

PING_EVERY = 0.25  # seconds; channels_redis re-subscribes after at least 1 s


class LayerWatch:
    def __init__(self, layer, on_lost):
        self.layer, self.on_lost = layer, on_lost
        # consumer -> when it joined: one that joined after a lost ping missed nothing
        # (its subscription was up, its history read after it).
        self.consumers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.published: dict[int, float] = {}  # ping number -> when it was published
        self.tasks: list[asyncio.Task] = []
        self.channel = None

    def watch(self, consumer) -> None:
        self.consumers[consumer] = time.monotonic()
        if not self.tasks or any(task.done() for task in self.tasks):
            for task in self.tasks:
                task.cancel()
            self.tasks = [asyncio.ensure_future(self._run())]

    def forget(self, consumer) -> None:
        self.consumers.pop(consumer, None)

    def lost(self, why: str, since: float | None = None) -> None:
        """Close the sockets that joined before `since` (all of them by default)."""
        since = time.monotonic() if since is None else since
        consumers = [c for c, joined in list(self.consumers.items()) if joined <= since]
        for consumer in consumers:
            self.consumers.pop(consumer, None)
        if consumers:
            logger.error(
                "Chat: the channel layer was unreachable (%s): closing %d sockets",
                why,
                len(consumers),
            )
        for consumer in consumers:
            asyncio.ensure_future(self.on_lost(consumer))

    async def _run(self):
        from chat.consumers import LAYER_ERRORS

        while True:
            try:
                self.channel = await self.layer.new_channel(prefix="chat-watch.")
                break
            except LAYER_ERRORS:
                self.lost("cannot subscribe")
                await asyncio.sleep(1)
        listener = asyncio.ensure_future(self._listen())
        self.tasks.append(listener)
        sequence = 0
        while True:
            await asyncio.sleep(PING_EVERY)
            sequence += 1
            self.published[sequence] = time.monotonic()
            self.published.pop(sequence - 10_000, None)
            try:
                await self.layer.send(self.channel, {"type": "chat.ping", "n": sequence})
            except LAYER_ERRORS:
                self.lost("publish failed")

    async def _listen(self):
        expected = None
        while True:
            ping = await self.layer.receive(self.channel)
            if expected is not None and ping["n"] != expected:
                last_missing = ping["n"] - 1
                self.lost(
                    f"pings {expected} to {last_missing} never arrived",
                    since=self.published.get(last_missing),
                )
            expected = ping["n"] + 1


# One watch per layer and event loop (daphne runs one loop; tests one per test).
_watches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def watch(consumer, on_lost) -> LayerWatch | None:
    """Watch the layer of `consumer` for it; None for the in-memory layer, which
    cannot lose a message."""
    layer = consumer.channel_layer
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        return None
    per_layer = _watches.setdefault(asyncio.get_running_loop(), {})
    found = per_layer.get(id(layer))
    if found is None or found.layer is not layer:
        found = per_layer[id(layer)] = LayerWatch(layer, on_lost)
    found.watch(consumer)
    return found

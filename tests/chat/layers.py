"""A channel layer that can be told to fail, as Redis does when it goes down."""

from channels.layers import InMemoryChannelLayer


class FailingLayer(InMemoryChannelLayer):
    fail_group_send = False
    fail_group_add = False

    async def group_send(self, group, message):
        if FailingLayer.fail_group_send:
            raise ConnectionError("channel layer down")
        return await super().group_send(group, message)

    async def group_add(self, group, channel):
        if FailingLayer.fail_group_add:
            raise ConnectionError("channel layer down")
        return await super().group_add(group, channel)

"""The chat on the Redis channel layer (CI): nothing lost across many rooms."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from accounts.models import Role
from chat.models import ChatMessage
from tests.chat.conftest import joined, open_consultation, receive_type, send, ws_for
from tests.conftest import _user

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.asyncio,
]

ROOMS = 12
PER_SENDER = 8


async def test_the_layer_is_redis_pubsub():
    assert isinstance(get_channel_layer(), RedisPubSubChannelLayer)


async def test_every_message_reaches_the_other_participant(acme):
    @sync_to_async
    def rooms():
        made = []
        for i in range(ROOMS):
            employee = _user(f"e{i}@acme.test", Role.EMPLOYEE, acme)
            practitioner = _user(f"p{i}@huntzen.test", Role.PRACTITIONER)
            made.append((open_consultation(employee, practitioner), employee, practitioner))
        return made

    made = await rooms()
    sockets = []
    for consultation, employee, practitioner in made:
        a = await ws_for(consultation.pk, employee)
        b = await ws_for(consultation.pk, practitioner)
        await joined(a)
        await joined(b)
        sockets.append((a, b))

    async def converse(a, b, room):
        for n in range(PER_SENDER):
            await send(a, f"{room}-a-{n}", f"a{n}")
            await send(b, f"{room}-b-{n}", f"b{n}")
        got_a = [
            (await receive_type(a, "message", timeout=10))["body"] for _ in range(2 * PER_SENDER)
        ]
        got_b = [
            (await receive_type(b, "message", timeout=10))["body"] for _ in range(2 * PER_SENDER)
        ]
        expected = {f"{room}-{who}-{n}" for who in "ab" for n in range(PER_SENDER)}
        assert set(got_a) == expected == set(got_b)

    await asyncio.gather(*(converse(a, b, i) for i, (a, b) in enumerate(sockets)))
    assert await sync_to_async(ChatMessage.objects.count)() == ROOMS * 2 * PER_SENDER
    for a, b in sockets:
        await a.disconnect()
        await b.disconnect()

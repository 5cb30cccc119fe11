"""The chat on the Redis channel layer (CI): nothing lost across many rooms."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from accounts.models import Role
from chat.models import ChatMessage
from huntzen.channel_layer import SealedSerializer
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
    layer = get_channel_layer()
    assert isinstance(layer, RedisPubSubChannelLayer)
    # Sealed with AES-GCM under the keys derived from HUNTZEN_ENCRYPTION_KEYS.
    assert isinstance(layer._serializer, SealedSerializer)


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


async def test_a_message_crosses_redis_sealed(employee_a, practitioner_p, consultation):
    """What Redis pub/sub carries for the room is sealed: neither the body nor the
    sender's id appears in it, and the other participant reads the message."""
    from django.conf import settings
    from redis import asyncio as aioredis

    from chat.consumers import group_name

    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    spy = aioredis.Redis.from_url(settings.REDIS_URL)
    pubsub = spy.pubsub()
    await pubsub.subscribe(f"{prefix}__group__{group_name(consultation.pk)}")
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    body = "Je n'ai pas dormi depuis trois nuits"
    await send(alice, body, "sealed-1")
    assert (await receive_type(paula, "message", timeout=5))["body"] == body
    payloads = []
    for _ in range(20):  # the subscription's confirmation reads as None: go on a while
        found = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if found is not None:
            payloads.append(found["data"])
    assert payloads, "the spy heard the room"
    for data in payloads:
        assert b"dormi" not in data and str(employee_a.pk).encode() not in data
    await alice.disconnect()
    await paula.disconnect()
    await pubsub.aclose()
    await spy.aclose()

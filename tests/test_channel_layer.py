"""The channel layer (huntzen.channel_layer): what crosses Redis pub/sub is sealed; a
group's members on the sending process are served without Redis, each once."""

import asyncio
import time
import uuid

import pytest
from channels_redis.pubsub import RedisSingleShardConnection
from django.core.exceptions import ImproperlyConfigured
from redis import asyncio as aioredis

from huntzen.channel_layer import (
    KEY_ID_BYTES,
    ORIGIN_KEY,
    SENDER_KEY,
    SealedMessageError,
    SealedPubSubChannelLayer,
    SealedSerializer,
)

OLD, NEW = "old-layer-key-" + "a" * 50, "new-layer-key-" + "b" * 50
MESSAGE = {"type": "chat.message", "text": '{"body":"Je dors mal","sender":"42"}'}


def test_a_message_opens_as_it_was_sealed():
    serializer = SealedSerializer([NEW])
    assert serializer.deserialize(serializer.serialize(MESSAGE)) == MESSAGE


def test_what_is_sealed_holds_nothing_readable_and_never_twice_the_same():
    serializer = SealedSerializer([NEW])
    first, second = serializer.serialize(MESSAGE), serializer.serialize(MESSAGE)
    for sealed in (first, second):
        assert b"dors" not in sealed and b"42" not in sealed and b"chat.message" not in sealed
    assert first != second  # a fresh nonce each time


def test_during_a_rotation_the_first_key_seals_and_every_key_opens():
    before, during = SealedSerializer([OLD]), SealedSerializer([NEW, OLD])
    assert during.deserialize(before.serialize(MESSAGE)) == MESSAGE
    sealed_new = during.serialize(MESSAGE)
    assert sealed_new[:KEY_ID_BYTES] != before.serialize(MESSAGE)[:KEY_ID_BYTES]
    after = SealedSerializer([NEW])
    assert after.deserialize(sealed_new) == MESSAGE
    # A process that does not hold the new key refuses, it does not misread.
    with pytest.raises(SealedMessageError):
        before.deserialize(sealed_new)


@pytest.mark.parametrize(
    "alter",
    [
        lambda sealed: sealed[:-1] + bytes([sealed[-1] ^ 1]),  # the tag
        lambda sealed: sealed[:8] + bytes([sealed[8] ^ 1]) + sealed[9:],  # the nonce
        lambda sealed: sealed[:20] + bytes([sealed[20] ^ 1]) + sealed[21:],  # the body
        lambda sealed: sealed[: KEY_ID_BYTES + 12 + 3],  # truncated below a tag
        lambda sealed: sealed[:KEY_ID_BYTES],  # the key id alone
        lambda sealed: b"",
    ],
)
def test_an_altered_message_is_refused(alter):
    serializer = SealedSerializer([NEW])
    with pytest.raises(SealedMessageError):
        serializer.deserialize(alter(serializer.serialize(MESSAGE)))


def test_a_layer_without_keys_does_not_start():
    with pytest.raises(ImproperlyConfigured):
        SealedSerializer([])


# --- In-process fan-out (LocalFirstLoopLayer), on Redis ------------------------------

GROUP = "room"
QUIET = 0.3  # seconds a duplicate would have had to arrive (a loopback Redis round trip)


@pytest.fixture
def processes(settings):
    """Two layers as two processes would hold them: same Redis, same keys and prefix."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL)")
    prefix = f"test-layer-{uuid.uuid4().hex[:8]}"
    config = {"hosts": [settings.REDIS_URL], "prefix": prefix, "sealing_keys": [NEW]}
    return SealedPubSubChannelLayer(**config), SealedPubSubChannelLayer(**config)


async def _member(layer, group=GROUP) -> str:
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


async def _received(layer, channel, timeout=2.0) -> dict:
    return await asyncio.wait_for(layer.receive(channel), timeout)


async def _nothing_more(layer, channel) -> bool:
    """Nothing arrives for `channel` within QUIET (its queue looked at: a receive that
    times out would unsubscribe the channel)."""
    await asyncio.sleep(QUIET)
    return layer._get_layer().channels[channel].empty()


async def _flush(*layers):
    for layer in layers:
        await layer.flush()


@pytest.mark.redis
@pytest.mark.asyncio
async def test_a_group_message_reaches_each_member_once_here_and_on_another_process(processes):
    here, there = processes
    try:
        a1, a2, b1 = await _member(here), await _member(here), await _member(there)
        await here.group_send(GROUP, MESSAGE)
        for layer, channel in ((here, a1), (here, a2), (there, b1)):
            assert await _received(layer, channel) == MESSAGE
        # The copy Redis brings back to the sending process is not delivered again.
        for layer, channel in ((here, a1), (here, a2), (there, b1)):
            assert await _nothing_more(layer, channel)
        # And the other way round: the other process's message, once, through Redis.
        await there.group_send(GROUP, {"type": "chat.other"})
        for layer, channel in ((here, a1), (here, a2), (there, b1)):
            assert await _received(layer, channel) == {"type": "chat.other"}
            assert await _nothing_more(layer, channel)
    finally:
        await _flush(here, there)


@pytest.mark.redis
@pytest.mark.asyncio
async def test_members_on_this_process_are_served_without_redis(processes, monkeypatch):
    here, there = processes
    try:
        a1, b1 = await _member(here), await _member(there)

        async def refused(self, channel, message):
            raise ConnectionError("Redis down")

        monkeypatch.setattr(RedisSingleShardConnection, "publish", refused)
        # The caller learns that the other processes missed it; this one's member has it.
        with pytest.raises(ConnectionError):
            await here.group_send(GROUP, MESSAGE)
        assert await _received(here, a1) == MESSAGE
        assert await _nothing_more(there, b1)
    finally:
        await _flush(here, there)


@pytest.mark.redis
@pytest.mark.asyncio
async def test_the_sending_channel_is_not_handed_its_own_message_here(processes):
    here, there = processes
    try:
        sender, a2, b1 = await _member(here), await _member(here), await _member(there)
        message = {**MESSAGE, SENDER_KEY: sender}
        await here.group_send(GROUP, message)
        # Every other member, here and on the other process, gets it once, the key kept
        # (a layer that delivers to every member leaves the sender to skip it).
        for layer, channel in ((here, a2), (there, b1)):
            assert await _received(layer, channel) == message
            assert await _nothing_more(layer, channel)
        assert await _nothing_more(here, sender)
        # A message naming no sender, or another one, still reaches that channel.
        await here.group_send(GROUP, MESSAGE)
        await here.group_send(GROUP, {**MESSAGE, SENDER_KEY: a2})
        assert await _received(here, sender) == MESSAGE
        assert await _received(here, sender) == {**MESSAGE, SENDER_KEY: a2}
    finally:
        await _flush(here, there)


@pytest.mark.redis
@pytest.mark.asyncio
async def test_each_member_gets_its_own_copy_as_redis_would_give_it(processes):
    here, there = processes
    try:
        a1, a2 = await _member(here), await _member(here)
        await here.group_send(GROUP, {"type": "chat.signal", "frame": {"ids": ("x", "y")}})
        first, second = await _received(here, a1), await _received(here, a2)
        assert first == second == {"type": "chat.signal", "frame": {"ids": ["x", "y"]}}
        first["frame"]["ids"].append("z")
        assert second["frame"]["ids"] == ["x", "y"]
    finally:
        await _flush(here, there)


@pytest.mark.redis
@pytest.mark.asyncio
async def test_the_redis_copy_is_sealed_origin_included(processes, settings):
    here, there = processes
    listener = aioredis.Redis.from_url(settings.REDIS_URL).pubsub()
    try:
        await _member(here)
        await listener.subscribe(here._get_layer()._get_group_channel_name(GROUP))
        await here.group_send(GROUP, MESSAGE)
        published = None
        for _ in range(20):
            got = await listener.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if got is not None:
                published = got["data"]
                break
        assert published is not None
        for clear in (b"dors", ORIGIN_KEY.encode(), here._get_layer().origin):
            assert clear not in published
        opened = SealedSerializer([NEW]).deserialize(published)
        assert opened == {**MESSAGE, ORIGIN_KEY: here._get_layer().origin}
    finally:
        await listener.aclose()
        await _flush(here, there)


@pytest.mark.redis
@pytest.mark.asyncio
async def test_an_altered_group_message_is_dropped_and_the_next_one_delivered(processes, settings):
    here, there = processes
    redis = aioredis.Redis.from_url(settings.REDIS_URL)
    try:
        b1 = await _member(there)
        group_channel = there._get_layer()._get_group_channel_name(GROUP)
        sealed = SealedSerializer([NEW]).serialize(MESSAGE)
        await redis.publish(group_channel, sealed[:-1] + bytes([sealed[-1] ^ 1]))
        started = time.monotonic()
        await here.group_send(GROUP, {"type": "chat.next"})
        assert await _received(there, b1) == {"type": "chat.next"}
        # Not after channels_redis's one-second pause on an error in its receive loop.
        assert time.monotonic() - started < 0.9
    finally:
        await redis.aclose()
        await _flush(here, there)

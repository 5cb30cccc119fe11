"""The channel layer's sealing (huntzen.channel_layer): what crosses Redis pub/sub."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from huntzen.channel_layer import KEY_ID_BYTES, SealedMessageError, SealedSerializer

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

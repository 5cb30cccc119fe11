import base64
import uuid

import pytest
from django.test import override_settings

from medical import crypto

KEY_A = ("a", bytes(range(32)))
KEY_B = ("b", bytes(range(32, 64)))


def _aad(row=None, owner=None, field="text"):
    return crypto.associated_data(
        table="medical_note",
        row_id=row or uuid.UUID(int=1),
        owner_id=owner or uuid.UUID(int=2),
        field=field,
    )


@override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A])
def test_round_trip_and_key_id_beside_ciphertext():
    sealed = crypto.seal("Je me sens épuisé", aad=_aad())
    assert sealed.startswith("a:")
    assert "épuisé" not in sealed
    assert crypto.unseal(sealed, aad=_aad()) == "Je me sens épuisé"


@override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A])
def test_each_write_uses_a_fresh_12_byte_nonce():
    one, two = crypto.seal("same", aad=_aad()), crypto.seal("same", aad=_aad())
    assert one != two
    raw_one = base64.urlsafe_b64decode(one.split(":", 1)[1])
    raw_two = base64.urlsafe_b64decode(two.split(":", 1)[1])
    assert raw_one[:12] != raw_two[:12]
    assert len(raw_one) == 12 + len("same") + 16


@override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A])
@pytest.mark.parametrize(
    "other",
    [
        {"row": uuid.UUID(int=9)},
        {"owner": uuid.UUID(int=9)},
        {"field": "plan"},
    ],
)
def test_a_ciphertext_moved_to_another_row_owner_or_field_fails(other):
    sealed = crypto.seal("secret", aad=_aad())
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(sealed, aad=_aad(**other))


@override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A])
def test_a_tampered_ciphertext_fails_without_returning_text():
    sealed = crypto.seal("secret", aad=_aad())
    key_id, body = sealed.split(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    tampered = f"{key_id}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(crypto.DecryptionError) as error:
        crypto.unseal(tampered, aad=_aad())
    assert "secret" not in str(error.value)


@pytest.mark.parametrize("garbage", ["", "a:", "a:!!!", "a:c2hvcnQ=", "nokey"])
@override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A])
def test_malformed_values_fail_loudly(garbage):
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(garbage, aad=_aad())


def test_a_wrong_key_fails():
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A]):
        sealed = crypto.seal("secret", aad=_aad())
    with (
        override_settings(HUNTZEN_ENCRYPTION_KEYS=[("a", KEY_B[1])]),
        pytest.raises(crypto.DecryptionError),
    ):
        crypto.unseal(sealed, aad=_aad())


def test_old_keys_decrypt_and_reseal_moves_to_the_newest():
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A]):
        sealed = crypto.seal("secret", aad=_aad())
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        assert crypto.unseal(sealed, aad=_aad()) == "secret"
        resealed = crypto.reseal(sealed, aad=_aad())
        assert crypto.key_id_of(resealed) == "b"
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_B]):
        assert crypto.unseal(resealed, aad=_aad()) == "secret"

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


# The AESGCM of each key is built once per process (crypto._aead): the ring as configured
# at each call still decides which keys exist.


@override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A])
def test_the_cipher_of_a_key_is_built_once_for_many_values():
    crypto._aead.cache_clear()
    values = [crypto.seal(f"entrée {n}", aad=_aad()) for n in range(5)]
    assert [crypto.unseal(v, aad=_aad()) for v in values] == [f"entrée {n}" for n in range(5)]
    assert crypto._aead.cache_info().misses == 1


def test_a_key_removed_from_the_ring_stops_decrypting_though_its_cipher_was_built():
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        old = crypto.seal("secret", aad=_aad())  # under KEY_B: first of the ring
        assert crypto.unseal(old, aad=_aad()) == "secret"
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A]):
        with pytest.raises(crypto.DecryptionError):
            crypto.unseal(old, aad=_aad())
        assert crypto.key_id_of(crypto.seal("new", aad=_aad())) == "a"


def test_a_key_id_given_new_key_bytes_uses_the_new_bytes_at_once():
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A]):
        sealed = crypto.seal("secret", aad=_aad())
        assert crypto.unseal(sealed, aad=_aad()) == "secret"
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[("a", KEY_B[1])]):
        with pytest.raises(crypto.DecryptionError):
            crypto.unseal(sealed, aad=_aad())
        resealed = crypto.seal("secret", aad=_aad())
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A]), pytest.raises(crypto.DecryptionError):
        crypto.unseal(resealed, aad=_aad())


def test_the_aad_of_several_fields_is_each_fields_own():
    row, owner = uuid.uuid4(), uuid.uuid4()
    fields = ("mood", "text", "")
    together = crypto.associated_data_of_fields(
        table="medical_journalentry", row_id=row, owner_id=owner, fields=fields
    )
    assert together == tuple(
        crypto.associated_data(table="medical_journalentry", row_id=row, owner_id=owner, field=f)
        for f in fields
    )
    from medical.models import JournalEntry

    assert JournalEntry.aads_of(row, owner, "mood", "text") == (
        JournalEntry.aad_of(row, owner, "mood"),
        JournalEntry.aad_of(row, owner, "text"),
    )


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "QUJD",
        "QUJ",
        "QU",
        "Q",
        "QUJD\n",
        "-_-_",
        "+/+/",
        "QUJD====",
        "Q!U@J#D",
        "QUJDé",
        "ＱＵＪＤ",
    ],
)
def test_the_payload_is_read_as_urlsafe_b64decode_reads_it(encoded):
    """unseal_bytes decodes with binascii directly: what base64.urlsafe_b64decode gives
    or refuses, byte for byte."""
    import binascii

    try:
        expected = base64.urlsafe_b64decode(encoded.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as error:
        expected = type(error)
    try:
        got = binascii.a2b_base64(encoded.encode("ascii").translate(crypto._URLSAFE_TO_STANDARD))
    except (binascii.Error, ValueError, UnicodeEncodeError) as error:
        got = type(error)
    assert got == expected


def test_a_lists_writer_of_associated_data_writes_what_aads_of_writes():
    from medical.models import JournalEntry

    writer = JournalEntry.aads_writer("mood", "text")
    row, owner = uuid.uuid4(), uuid.uuid4()
    assert writer(row, owner) == JournalEntry.aads_of(row, owner, "mood", "text")
    assert writer(row.hex, owner.hex) == writer(row, owner)  # hex text, as lists name them
    assert writer(row, owner) != writer(owner, row)


def test_a_lists_unsealer_reads_as_unseal_does():
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        under_b = crypto.seal("épuisé", aad=_aad())
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A, KEY_B]):
        under_a = crypto.seal("calme", aad=_aad())
        unseal = crypto.unsealer()
        assert [unseal(v, aad=_aad()) for v in (under_a, under_b)] == ["calme", "épuisé"]
        for bad in (under_a, "c:" + under_a[2:], "a:%%%", "", None):
            with pytest.raises(crypto.DecryptionError):
                unseal(bad, aad=_aad(field="mood") if bad == under_a else _aad())
        binary = crypto.seal_bytes(b"\xff\xfe", aad=_aad())
        with pytest.raises(crypto.DecryptionError, match="not text"):
            unseal(binary, aad=_aad())


def test_a_key_removed_from_the_ring_stops_the_next_lists_unsealer():
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        old = crypto.seal("secret", aad=_aad())
        assert crypto.unsealer()(old, aad=_aad()) == "secret"
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_A]), pytest.raises(crypto.DecryptionError):
        crypto.unsealer()(old, aad=_aad())
    with (
        override_settings(HUNTZEN_ENCRYPTION_KEYS=[("b", KEY_A[1])]),
        pytest.raises(crypto.DecryptionError),
    ):
        crypto.unsealer()(old, aad=_aad())  # the id given other bytes: those bytes


def test_every_reader_of_the_format_refuses_what_the_others_refuse():
    """unseal, unseal_bytes and a list's unsealer share one reader (`_open`): binary
    content reads as bytes only, and each refuses a moved, tampered or unknown value."""
    binary = crypto.seal_bytes(b"\xff\xfe", aad=_aad())
    text = crypto.seal("calme", aad=_aad())
    list_unseal = crypto.unsealer()
    assert crypto.unseal_bytes(binary, aad=_aad()) == b"\xff\xfe"
    assert crypto.unseal_bytes(text, aad=_aad()) == b"calme"
    for read in (crypto.unseal, list_unseal):
        with pytest.raises(crypto.DecryptionError, match="not text"):
            read(binary, aad=_aad())
        assert read(text, aad=_aad()) == "calme"
    key_id, _, payload = text.partition(":")
    middle = len(payload) // 2  # a ciphertext byte, not the padding's bits
    changed = "A" if payload[middle] != "A" else "B"
    tampered = f"{key_id}:{payload[:middle]}{changed}{payload[middle + 1 :]}"
    unknown = f"unknown:{payload}"
    for read in (crypto.unseal, crypto.unseal_bytes, list_unseal):
        for bad, aad in ((text, _aad(field="mood")), (tampered, _aad()), (unknown, _aad())):
            with pytest.raises(crypto.DecryptionError):
                read(bad, aad=aad)

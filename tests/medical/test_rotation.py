"""manage.py rotate_encryption_key: everything under the newest key, resumable."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from medical import crypto, rotation, selectors, services
from medical.models import ClinicalNote, ClinicalNoteVersion, JournalEntry

pytestmark = pytest.mark.django_db

KEY_1 = ("k1", bytes(range(32)))
KEY_2 = ("k2", bytes(range(100, 132)))


def _all_sealed_values():
    values = []
    for entry in rotation.registered():
        for row in entry.model.objects.values_list(*entry.fields):
            values.extend(v for v in row if v)
    return values


def _write_everything(employee_a, practitioner_p, consultation):
    note = services.note_create(
        author=practitioner_p,
        consultation=consultation,
        reason="r1",
        observations="o1",
        plan="p1",
    )
    services.note_amend(author=practitioner_p, consultation=note.consultation_id, plan="p2")
    for mood in (1, 2, 3, 4, 5):
        services.journal_entry_create(owner=employee_a, mood=mood, text=f"entrée {mood}")


def test_data_written_under_key_1_reads_after_rotating_to_key_2_and_dropping_key_1(
    employee_a, practitioner_p, consultation
):
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_1]):
        _write_everything(employee_a, practitioner_p, consultation)
        assert {crypto.key_id_of(v) for v in _all_sealed_values()} == {"k1"}
    out = StringIO()
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_2, KEY_1]):
        call_command("rotate_encryption_key", batch_size=2, stdout=out)
    report = out.getvalue()
    assert "medical.ClinicalNote: 1 rows re-encrypted (3 values)" in report
    assert "medical.ClinicalNoteVersion: 1 rows re-encrypted (3 values)" in report
    assert "medical.JournalEntry: 5 rows re-encrypted (10 values) in 3 batches" in report
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_2]):
        assert {crypto.key_id_of(v) for v in _all_sealed_values()} == {"k2"}
        note = ClinicalNote.objects.get()
        assert selectors.note_content(note).plan == "p2"
        assert selectors.note_versions(note)[0].content.plan == "p1"
        moods = sorted(e.mood for e in selectors.entries_content(JournalEntry.objects.all()))
        assert moods == [1, 2, 3, 4, 5]


def test_a_second_run_has_nothing_left_to_do(employee_a, entry):
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_2, *crypto._key_ring()]):
        call_command("rotate_encryption_key", stdout=StringIO())
        out = StringIO()
        call_command("rotate_encryption_key", stdout=out)
    assert "medical.JournalEntry: 0 rows re-encrypted" in out.getvalue()


def test_an_interrupted_rotation_resumes_where_it_stopped(employee_a):
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_1]):
        for mood in (1, 2, 3, 4, 5):
            services.journal_entry_create(owner=employee_a, mood=mood, text="x")
    entry = next(e for e in rotation.registered() if e.label == "medical.JournalEntry")
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_2, KEY_1]):
        batches = rotation.rotate(entry, batch_size=2)
        next(batches)  # one batch committed, then the process "dies"
        batches.close()
        assert rotation.pending(entry) == 3
        out = StringIO()
        call_command("rotate_encryption_key", batch_size=2, stdout=out)
        assert "medical.JournalEntry: 3 rows re-encrypted" in out.getvalue()
        assert rotation.pending(entry) == 0


def test_dry_run_counts_and_changes_nothing(employee_a, entry):
    before = list(JournalEntry.objects.values_list("mood_sealed", "text_sealed"))
    out = StringIO()
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_2, *crypto._key_ring()]):
        call_command("rotate_encryption_key", dry_run=True, stdout=out)
    assert "medical.JournalEntry: 1 rows to re-encrypt" in out.getvalue()
    assert list(JournalEntry.objects.values_list("mood_sealed", "text_sealed")) == before


def test_a_row_that_cannot_be_decrypted_stops_the_command_and_keeps_its_value(employee_a):
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_1]):
        good = services.journal_entry_create(owner=employee_a, mood=3, text="bon")
        bad = services.journal_entry_create(owner=employee_a, mood=3, text="abîmé")
    JournalEntry.objects.filter(pk=bad.pk).update(text_sealed=good.text_sealed)
    err = StringIO()
    with (
        override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_2, KEY_1]),
        pytest.raises(CommandError, match="could not be re-encrypted"),
    ):
        call_command("rotate_encryption_key", stdout=StringIO(), stderr=err)
    assert str(bad.pk) in err.getvalue()
    assert crypto.key_id_of(JournalEntry.objects.get(pk=bad.pk).text_sealed) == "k1"
    assert crypto.key_id_of(JournalEntry.objects.get(pk=good.pk).text_sealed) == "k2"


def test_a_medical_model_left_unregistered_stops_the_command(monkeypatch):
    monkeypatch.delitem(rotation._registry, "medical.journalentry")
    with pytest.raises(CommandError, match="medical.JournalEntry"):
        call_command("rotate_encryption_key", stdout=StringIO())


def test_version_rows_are_registered_for_rotation():
    labels = {e.label for e in rotation.registered()}
    assert {"medical.ClinicalNote", "medical.ClinicalNoteVersion", "medical.JournalEntry"} <= labels
    assert ClinicalNoteVersion.SEALED == ClinicalNote.SEALED


def test_the_background_rotation_runs_on_a_worker_and_covers_kept_api_answers(
    employee_a, practitioner_p, consultation, api_client
):
    """`--background` queues medical.tasks.rotate_encryption_key (run in process here,
    as without a broker); the sealed answers of Idempotency-Key rotate with the rest."""
    from huntzen.idempotency.models import IdempotencyKey

    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_1]):
        _write_everything(employee_a, practitioner_p, consultation)
        api_client.force_authenticate(employee_a)
        response = api_client.post(
            "/api/v1/medical/journal",
            {"mood": 3, "text": "gardée"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="rot-1",
        )
        assert response.status_code == 201
    out = StringIO()
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_2, KEY_1]):
        call_command("rotate_encryption_key", background=True, stdout=out)
    assert "queued" in out.getvalue()
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[KEY_2]):
        assert {crypto.key_id_of(v) for v in _all_sealed_values()} == {"k2"}
        assert crypto.key_id_of(IdempotencyKey.objects.get().response_sealed) == "k2"
        replay = api_client.post(
            "/api/v1/medical/journal",
            {"mood": 3, "text": "gardée"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="rot-1",
        )
        assert replay.json()["text"] == "gardée" and replay["Idempotent-Replayed"] == "true"

"""Sealed columns fail when moved, tampered with, or read with the wrong key: the
selectors answer "unreadable" (and record it, tests/medical/test_integrity.py), never
the text."""

import base64

import pytest
from django.test import override_settings

from medical import selectors, services
from medical.models import ClinicalNote, JournalEntry

pytestmark = pytest.mark.django_db

OTHER_KEY = [("test1", bytes(range(32)))]


def test_a_ciphertext_swapped_between_two_entries_fails(employee_a, employee_b, entry, entry_b):
    JournalEntry.objects.filter(pk=entry.pk).update(text_sealed=entry_b.text_sealed)
    assert selectors.entry_content(JournalEntry.objects.get(pk=entry.pk)).unreadable


def test_a_ciphertext_moved_between_two_entries_of_the_same_owner_fails(employee_a, entry):
    other = services.journal_entry_create(owner=employee_a, mood=5, text="autre")
    JournalEntry.objects.filter(pk=entry.pk).update(mood_sealed=other.mood_sealed)
    assert selectors.entry_content(JournalEntry.objects.get(pk=entry.pk)).unreadable


def test_a_ciphertext_moved_to_another_field_of_the_same_note_fails(note):
    ClinicalNote.objects.filter(pk=note.pk).update(plan_sealed=note.reason_sealed)
    assert selectors.note_content(ClinicalNote.objects.get()).unreadable


def test_a_note_given_to_another_author_fails(note, practitioner_q):
    ClinicalNote.objects.filter(pk=note.pk).update(author=practitioner_q)
    assert selectors.note_content(ClinicalNote.objects.get()).unreadable


def test_a_tampered_ciphertext_fails_without_returning_text(entry):
    key_id, body = entry.text_sealed.split(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[14] ^= 0x01
    JournalEntry.objects.filter(pk=entry.pk).update(
        text_sealed=f"{key_id}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    )
    content = selectors.entry_content(JournalEntry.objects.get())
    assert content.unreadable and content.text is None and content.mood is None


def test_a_wrong_key_under_the_same_id_fails(entry):
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=OTHER_KEY):
        assert selectors.entry_content(JournalEntry.objects.get()).unreadable

"""Audit inside the action: each medical service decides access and writes its access-log
row in its own transaction. One row per call: "allowed" with the write, "denied" with
nothing else. A write that fails after access was allowed (bad input, a state conflict,
an error) rolls back with its "allowed" row: the log never claims a write that did not
happen."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from medical import selectors, services
from medical.exceptions import NoteNotWritable
from medical.models import AccessLogEntry, ClinicalNote, ClinicalNoteVersion, JournalEntry

pytestmark = pytest.mark.django_db


def _rows(after=0):
    return list(
        AccessLogEntry.objects.filter(id__gt=after)
        .order_by("id")
        .values_list("user__email", "object_type", "object_id", "action", "allowed")
    )


@pytest.fixture
def fresh_log():
    """The rows written since the fixtures listed before it were built."""
    last = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return lambda: _rows(after=last)


class Boom(Exception):
    pass


def _boom(*args, **kwargs):
    raise Boom


# --- Clinical notes -------------------------------------------------------------------


def test_note_create_logs_one_allowed_write(practitioner_p, consultation, fresh_log):
    services.note_create(author=practitioner_p, consultation=consultation, reason="Motif")
    assert fresh_log() == [
        (practitioner_p.email, "clinical_note", str(consultation.pk), "write", True)
    ]


@pytest.mark.parametrize(
    "who, refusal", [("employee_a", PermissionDenied), ("practitioner_q", Http404)]
)
def test_a_refused_note_leaves_its_denied_row_and_no_note(
    cast, consultation, fresh_log, who, refusal
):
    with pytest.raises(refusal):
        services.note_create(author=cast[who], consultation=consultation, reason="SECRET")
    assert fresh_log() == [(cast[who].email, "clinical_note", str(consultation.pk), "write", False)]
    assert not ClinicalNote.objects.exists()


def test_a_note_refused_for_bad_input_leaves_no_row(practitioner_p, consultation, fresh_log):
    with pytest.raises(ValidationError):
        services.note_create(author=practitioner_p, consultation=consultation, reason="x" * 5000)
    assert fresh_log() == []
    assert not ClinicalNote.objects.exists()


def test_a_note_refused_by_the_consultations_state_leaves_no_row(
    practitioner_p, scheduled, fresh_log
):
    with pytest.raises(NoteNotWritable):
        services.note_create(author=practitioner_p, consultation=scheduled, reason="Motif")
    assert fresh_log() == []


def test_a_note_whose_write_fails_leaves_no_row_and_no_note(
    practitioner_p, consultation, fresh_log, monkeypatch
):
    monkeypatch.setattr(services, "assign_perm", _boom)  # after the INSERT of the note
    with pytest.raises(Boom):
        services.note_create(author=practitioner_p, consultation=consultation, reason="Motif")
    assert fresh_log() == []
    assert not ClinicalNote.objects.exists()


def test_note_amend_logs_one_allowed_write(practitioner_p, note, fresh_log):
    services.note_amend(author=practitioner_p, consultation=note.consultation_id, plan="Autre")
    assert fresh_log() == [
        (practitioner_p.email, "clinical_note", str(note.consultation_id), "write", True)
    ]


def test_a_refused_amendment_leaves_its_denied_row_and_no_version(employee_a, note, fresh_log):
    with pytest.raises(PermissionDenied):
        services.note_amend(author=employee_a, consultation=note.consultation_id, plan="SECRET")
    assert fresh_log() == [
        (employee_a.email, "clinical_note", str(note.consultation_id), "write", False)
    ]
    assert not ClinicalNoteVersion.objects.exists()
    assert selectors.note_content(note).plan == "Revoir dans quinze jours."


def test_an_amendment_that_empties_the_note_leaves_no_row(practitioner_p, note, fresh_log):
    with pytest.raises(ValidationError):
        services.note_amend(
            author=practitioner_p,
            consultation=note.consultation_id,
            reason="",
            observations="",
            plan="",
        )
    assert fresh_log() == []
    assert not ClinicalNoteVersion.objects.exists()


def test_amending_a_note_not_written_yet_is_404_without_a_row(
    practitioner_p, consultation, fresh_log
):
    with pytest.raises(Http404):
        services.note_amend(author=practitioner_p, consultation=consultation, plan="x")
    assert fresh_log() == []


def test_the_request_body_is_read_only_once_access_is_decided(employee_a, note):
    def parse():
        raise AssertionError("a refused user's body must not be parsed")

    with pytest.raises(PermissionDenied):
        services.note_amend(author=employee_a, consultation=note.consultation_id, parse=parse)


# --- Private journal ------------------------------------------------------------------


def test_journal_entry_create_logs_one_allowed_write(employee_a, fresh_log):
    services.journal_entry_create(owner=employee_a, mood=3, text="Bien.")
    assert fresh_log() == [(employee_a.email, "journal", str(employee_a.pk), "write", True)]


def test_a_refused_entry_leaves_its_denied_row_and_no_entry(practitioner_p, fresh_log):
    with pytest.raises(PermissionDenied):
        services.journal_entry_create(owner=practitioner_p, mood=3, text="SECRET")
    assert fresh_log() == [
        (practitioner_p.email, "journal", str(practitioner_p.pk), "write", False)
    ]
    assert not JournalEntry.objects.exists()


def test_an_entry_refused_for_bad_input_leaves_no_row(employee_a, fresh_log):
    with pytest.raises(ValidationError):
        services.journal_entry_create(owner=employee_a, mood=9, text="x")
    assert fresh_log() == []


def test_an_entry_whose_write_fails_leaves_no_row_and_no_entry(employee_a, fresh_log, monkeypatch):
    monkeypatch.setattr(services, "assign_perm", _boom)
    with pytest.raises(Boom):
        services.journal_entry_create(owner=employee_a, mood=3, text="x")
    assert fresh_log() == []
    assert not JournalEntry.objects.exists()


def test_journal_entry_update_logs_one_allowed_write(employee_a, entry, fresh_log):
    services.journal_entry_update(owner=employee_a, entry=entry.pk, mood=5)
    assert fresh_log() == [(employee_a.email, "journal_entry", str(entry.pk), "write", True)]


@pytest.mark.parametrize("who", ["employee_b", "staff_r2"])
def test_a_refused_update_leaves_its_denied_row_and_changes_nothing(cast, entry, fresh_log, who):
    before = JournalEntry.objects.values().get()
    with pytest.raises(Http404):
        services.journal_entry_update(owner=cast[who], entry=entry, text="SECRET")
    assert fresh_log() == [(cast[who].email, "journal_entry", str(entry.pk), "write", False)]
    assert JournalEntry.objects.values().get() == before


def test_an_update_whose_write_fails_leaves_no_row(employee_a, entry, fresh_log, monkeypatch):
    monkeypatch.setattr(services.crypto, "seal", _boom)
    with pytest.raises(Boom):
        services.journal_entry_update(owner=employee_a, entry=entry, mood=5)
    assert fresh_log() == []
    assert selectors.entry_content(JournalEntry.objects.get()).mood == 2


def test_journal_entry_delete_logs_one_allowed_delete(employee_a, entry, fresh_log):
    services.journal_entry_delete(owner=employee_a, entry=entry.pk)
    assert fresh_log() == [(employee_a.email, "journal_entry", str(entry.pk), "delete", True)]
    assert not JournalEntry.objects.exists()


def test_a_refused_delete_leaves_its_denied_row_and_the_entry(employee_b, entry, fresh_log):
    with pytest.raises(Http404):
        services.journal_entry_delete(owner=employee_b, entry=entry)
    assert fresh_log() == [(employee_b.email, "journal_entry", str(entry.pk), "delete", False)]
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


def test_a_delete_that_fails_leaves_no_row_and_the_entry(employee_a, entry, fresh_log, monkeypatch):
    monkeypatch.setattr(JournalEntry, "delete", _boom)
    with pytest.raises(Boom):
        services.journal_entry_delete(owner=employee_a, entry=entry)
    assert fresh_log() == []
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


def test_erasing_the_journal_logs_one_allowed_delete(employee_a, entry, fresh_log):
    assert services.journal_delete_all(owner=employee_a) == 1
    assert fresh_log() == [(employee_a.email, "journal", str(employee_a.pk), "delete", True)]


def test_a_refused_erase_leaves_its_denied_row_and_every_entry(hr_acme, entry, fresh_log):
    with pytest.raises(PermissionDenied):
        services.journal_delete_all(owner=hr_acme)
    assert fresh_log() == [(hr_acme.email, "journal", str(hr_acme.pk), "delete", False)]
    assert JournalEntry.objects.exists()


def test_an_unconfirmed_erase_leaves_no_row_and_every_entry(employee_a, entry, fresh_log):
    def unconfirmed():
        raise ValidationError({"confirm": ["?"]})

    with pytest.raises(ValidationError):
        services.journal_delete_all(owner=employee_a, parse=unconfirmed)
    assert fresh_log() == []
    assert JournalEntry.objects.exists()


# --- The export -----------------------------------------------------------------------


def test_the_export_logs_one_export(employee_a, entry, fresh_log):
    assert selectors.personal_data_export(user=employee_a)
    assert fresh_log() == [(employee_a.email, "journal", str(employee_a.pk), "export", True)]


@pytest.mark.parametrize("who", ["practitioner_p", "hr_acme", "staff_r2", "superuser"])
def test_a_non_employee_export_logs_one_account_export(cast, fresh_log, who):
    # Issue 12: every role has an export (no journal): one "personal_data" row.
    selectors.personal_data_export(user=cast[who])
    assert fresh_log() == [(cast[who].email, "personal_data", str(cast[who].pk), "export", True)]


# --- Per request: one row for what happened --------------------------------------------


def test_an_owners_bad_patch_is_400_and_logs_nothing(api_client, employee_a, entry, fresh_log):
    api_client.force_authenticate(employee_a)
    response = api_client.patch(f"/api/v1/medical/journal/{entry.pk}", {"mood": 9}, format="json")
    assert response.status_code == 400
    assert fresh_log() == []


def test_someone_elses_bad_patch_is_404_with_one_refusal(api_client, employee_b, entry, fresh_log):
    api_client.force_authenticate(employee_b)
    response = api_client.patch(f"/api/v1/medical/journal/{entry.pk}", {"mood": 9}, format="json")
    assert response.status_code == 404
    assert fresh_log() == [(employee_b.email, "journal_entry", str(entry.pk), "write", False)]


def test_a_refused_note_post_logs_one_refusal_and_stores_nothing(
    client, practitioner_q, consultation, fresh_log
):
    client.force_login(practitioner_q)
    response = client.post(
        reverse("medical:note", args=[consultation.pk]), {"reason": "SECRET", "plan": "x"}
    )
    assert response.status_code == 404
    assert fresh_log() == [
        (practitioner_q.email, "clinical_note", str(consultation.pk), "write", False)
    ]
    assert not ClinicalNote.objects.exists()


def test_a_bad_note_post_logs_the_read_of_the_editor_it_shows_again(
    client, practitioner_p, note, fresh_log
):
    client.force_login(practitioner_p)
    response = client.post(
        reverse("medical:note", args=[note.consultation_id]), {"reason": "x" * 2001}
    )
    assert response.status_code == 400
    # No write happened; the page shows the note's earlier versions again: one read.
    assert fresh_log() == [
        (practitioner_p.email, "clinical_note", str(note.consultation_id), "read", True)
    ]

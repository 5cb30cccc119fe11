"""medical.services: writing and amending clinical notes."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from consultations import services as consultation_services
from medical import crypto, limits, selectors, services
from medical.exceptions import NoteNotWritable
from medical.models import ClinicalNote, ClinicalNoteVersion
from tests.consultations.factories import book

from .conftest import past

pytestmark = pytest.mark.django_db


def _write(author, consultation, **overrides):
    values = {"reason": "Motif", "observations": "Observations", "plan": "Plan"}
    values.update(overrides)
    return services.note_create(author=author, consultation=consultation, **values)


def test_the_practitioner_writes_a_sealed_note_bound_to_its_row(practitioner_p, consultation):
    note = _write(practitioner_p, consultation, reason="Anxiété")
    assert note.author == practitioner_p and note.version == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reason_sealed FROM medical_clinicalnote WHERE id = %s", [note.pk.hex]
        )
        (raw,) = cursor.fetchone()
    assert crypto.key_id_of(raw) == crypto.current_key_id()
    assert "Anxiété" not in raw
    assert selectors.note_content(note).reason == "Anxiété"


def test_the_author_alone_gets_object_permissions(practitioner_p, employee_a, consultation):
    note = _write(practitioner_p, consultation)
    assert practitioner_p.has_perm("medical.view_clinicalnote", note)
    assert practitioner_p.has_perm("medical.change_clinicalnote", note)
    assert not employee_a.has_perm("medical.view_clinicalnote", note)


def test_a_note_can_be_written_during_the_consultation(employee_a, practitioner_p):
    at = past(days=0, hour=0)
    consultation = book(employee_a, practitioner_p, at=at)
    with time_machine.travel(at):
        consultation_services.consultation_start(actor=practitioner_p, consultation=consultation)
        note = _write(practitioner_p, consultation)
    assert note.pk


@pytest.mark.parametrize("status", ["scheduled", "cancelled", "no_show"])
def test_no_note_before_the_consultation_started_or_when_it_did_not_happen(
    status, practitioner_p, scheduled
):
    type(scheduled).objects.filter(pk=scheduled.pk).update(status=status)
    scheduled.refresh_from_db()
    with pytest.raises(NoteNotWritable):
        _write(practitioner_p, scheduled)
    assert not ClinicalNote.objects.exists()


def test_one_note_per_consultation(practitioner_p, consultation):
    _write(practitioner_p, consultation)
    with pytest.raises(NoteNotWritable):
        _write(practitioner_p, consultation)
    assert ClinicalNote.objects.count() == 1


@pytest.mark.parametrize(
    "role, refusal",
    [
        ("employee_a", PermissionDenied),  # knows the consultation
        ("practitioner_q", Http404),
        ("staff_r2", Http404),
        ("superuser", Http404),
    ],
)
def test_nobody_else_can_write_it(role, refusal, cast, consultation):
    with pytest.raises(refusal):
        _write(cast[role], consultation)
    assert not ClinicalNote.objects.exists()


@pytest.mark.parametrize(
    "field, size",
    [
        ("reason", limits.NOTE_REASON_MAX),
        ("plan", limits.NOTE_PLAN_MAX),
        ("observations", limits.NOTE_OBSERVATIONS_MAX),
    ],
)
def test_over_long_fields_are_refused(field, size, practitioner_p, consultation):
    with pytest.raises(ValidationError) as error:
        _write(practitioner_p, consultation, **{field: "x" * (size + 1)})
    assert field in error.value.message_dict
    assert not ClinicalNote.objects.exists()


def test_an_empty_note_is_refused(practitioner_p, consultation):
    with pytest.raises(ValidationError):
        _write(practitioner_p, consultation, reason=" ", observations="", plan="")


def test_amending_keeps_the_earlier_version_sealed_with_its_timestamps(
    practitioner_p, consultation
):
    with time_machine.travel(past(days=1)):
        note = _write(practitioner_p, consultation, plan="Revoir dans 15 jours")
    written_at = note.updated_at
    note = services.note_amend(
        author=practitioner_p, consultation=note.consultation_id, plan="Revoir dans 8 jours"
    )
    assert note.version == 2
    assert selectors.note_content(note).plan == "Revoir dans 8 jours"
    assert selectors.note_content(note).reason == "Motif"
    (previous,) = selectors.note_versions(note)
    assert previous.number == 1
    assert previous.content.plan == "Revoir dans 15 jours"
    assert previous.written_at == written_at
    assert previous.replaced_at == note.updated_at
    raw = ClinicalNoteVersion.objects.get().plan_sealed
    assert "Revoir" not in raw


def test_amending_with_no_change_makes_no_version(practitioner_p, note):
    services.note_amend(
        author=practitioner_p, consultation=note.consultation_id, plan="Revoir dans quinze jours."
    )
    assert not ClinicalNoteVersion.objects.exists()


@pytest.mark.parametrize(
    "role, refusal",
    [
        ("employee_a", PermissionDenied),
        ("practitioner_q", Http404),
        ("operator_r1", Http404),
        ("superuser", Http404),
    ],
)
def test_only_the_author_amends(role, refusal, cast, note):
    with pytest.raises(refusal):
        services.note_amend(author=cast[role], consultation=note.consultation_id, plan="autre")
    assert not ClinicalNoteVersion.objects.exists()


def test_an_invalid_amendment_changes_nothing(practitioner_p, note):
    before = ClinicalNote.objects.values().get()
    with pytest.raises(ValidationError):
        services.note_amend(
            author=practitioner_p, consultation=note.consultation_id, reason="x" * 5000
        )
    assert ClinicalNote.objects.values().get() == before
    assert not ClinicalNoteVersion.objects.exists()

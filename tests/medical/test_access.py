"""medical.access: the one rule. Barred accounts are refused first, even when they hold
the guardian permission by mistake; the verdict is always logged."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.shortcuts import assign_perm

from medical import access
from medical.models import AccessLogEntry

from .conftest import BARRED, ROLES

pytestmark = pytest.mark.django_db


def _grant_everything_by_mistake(user, consultation, note, entry):
    for perm in ("view_consultation", "chat_consultation", "write_clinical_note"):
        assign_perm(f"consultations.{perm}", user, consultation)
    for perm in ("view_clinicalnote", "change_clinicalnote"):
        assign_perm(f"medical.{perm}", user, note)
    for perm in ("view_journalentry", "change_journalentry", "delete_journalentry"):
        assign_perm(f"medical.{perm}", user, entry)


@pytest.mark.parametrize("role", BARRED)
def test_barred_accounts_are_refused_even_holding_every_object_perm(
    role, cast, consultation, note, entry
):
    user = cast[role]
    _grant_everything_by_mistake(user, consultation, note, entry)
    assert user.has_perm("medical.view_clinicalnote", note)  # guardian alone would say yes
    assert access.is_barred(user)
    assert not access.may_read_note(user, note)
    assert not access.may_write_note(user, consultation)
    assert not access.may_read_entry(user, entry)
    assert not access.can_chat(user, consultation)
    with pytest.raises(Http404):
        access.get_note_for(user, consultation.pk)
    with pytest.raises(Http404):
        access.get_entry_for(user, entry.pk)
    with pytest.raises(PermissionDenied):
        access.require_journal(user, action="read")


def test_a_staff_flag_alone_bars_an_otherwise_entitled_practitioner(
    practitioner_p, consultation, note
):
    practitioner_p.is_staff = True
    practitioner_p.save(update_fields=["is_staff"])
    assert not access.may_read_note(practitioner_p, note)


def test_an_inactive_author_is_refused(practitioner_p, note):
    practitioner_p.is_active = False
    practitioner_p.save(update_fields=["is_active"])
    assert not access.may_read_note(practitioner_p, note)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_author_may_read_the_note(role, cast, note):
    assert access.may_read_note(cast[role], note) is (role == "practitioner_p")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_consultations_practitioner_may_write_its_note(role, cast, consultation):
    assert access.may_write_note(cast[role], consultation) is (role == "practitioner_p")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_may_read_a_journal_entry(role, cast, entry):
    assert access.may_read_entry(cast[role], entry) is (role == "employee_a")


@pytest.mark.parametrize("role", ROLES)
def test_note_refusals_say_404_to_outsiders_and_403_to_the_employee(role, cast, note):
    user = cast[role]
    if role == "practitioner_p":
        assert access.get_note_for(user, note.consultation_id) == (note.consultation, note)
    elif role == "employee_a":
        with pytest.raises(PermissionDenied):
            access.get_note_for(user, note.consultation_id)
    else:
        with pytest.raises(Http404):
            access.get_note_for(user, note.consultation_id)


@pytest.mark.parametrize("role", ROLES)
def test_journal_is_for_employees_only(role, cast):
    user = cast[role]
    if role.startswith("employee"):
        access.require_journal(user, action="write")
    else:
        with pytest.raises(PermissionDenied):
            access.require_journal(user, action="write")


def test_every_verdict_is_logged_without_content(practitioner_p, employee_a, note):
    before = AccessLogEntry.objects.count()
    access.may_read_note(practitioner_p, note)
    with pytest.raises(PermissionDenied):
        access.get_note_for(employee_a, note.consultation_id)
    rows = list(AccessLogEntry.objects.order_by("id"))[before:]
    assert [(r.user_id, r.action, r.allowed, r.object_type) for r in rows] == [
        (practitioner_p.pk, "read", True, "clinical_note"),
        (employee_a.pk, "read", False, "clinical_note"),
    ]
    assert {r.object_id for r in rows} == {str(note.consultation_id)}
    assert all(r.role and r.user_email for r in rows)


def test_a_missing_note_is_404_for_its_future_author_without_a_refusal(
    practitioner_p, consultation
):
    before = AccessLogEntry.objects.count()
    with pytest.raises(Http404):
        access.get_note_for(practitioner_p, consultation.pk)
    assert AccessLogEntry.objects.count() == before
    assert access.get_note_for(practitioner_p, consultation.pk, allow_missing=True) == (
        consultation,
        None,
    )

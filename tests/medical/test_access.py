"""medical.access: the one rule. Barred accounts are refused first, even when they hold
the guardian permission by mistake; the verdict is always logged."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Role
from medical import access, services
from medical.models import AccessLogEntry, ClinicalNote

from .conftest import BARRED, ROLES

pytestmark = pytest.mark.django_db

PARTICIPANTS = ["employee_a", "practitioner_p"]


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
    assert not access.is_medical_participant(user, consultation)
    assert not access.can_chat(user, consultation)
    assert not access.can_write_note(user, consultation)
    assert not access.can_read_note(user, note)
    assert not access.can_amend_note(user, note)
    with pytest.raises(Http404):
        access.get_note_for(user, consultation.pk)
    with pytest.raises(Http404):
        access.get_entry_for(user, entry.pk)
    with pytest.raises(PermissionDenied):
        access.require_journal(user, action="read")
    with pytest.raises(Http404):
        services.note_amend(author=user, consultation=consultation, plan="x")
    with pytest.raises(Http404):
        services.journal_entry_update(owner=user, entry=entry, mood=5)
    assert note.versions.count() == 0


# --- The participant rule of medical content ----------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_two_participants_are_medical_participants(role, cast, consultation):
    assert access.is_medical_participant(cast[role], consultation) is (role in PARTICIPANTS)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_two_participants_may_chat(role, cast, consultation):
    assert access.can_chat(cast[role], consultation) is (role in PARTICIPANTS)


@pytest.mark.parametrize("who", PARTICIPANTS)
@pytest.mark.parametrize("flag", ["is_superuser", "is_staff"])
def test_a_participant_who_is_also_superuser_or_staff_is_barred(who, flag, cast, consultation):
    user = cast[who]
    setattr(user, flag, True)
    user.save(update_fields=[flag])
    assert not access.is_medical_participant(user, consultation)
    assert not access.can_chat(user, consultation)


@pytest.mark.parametrize("who", PARTICIPANTS)
def test_an_inactive_participant_is_barred(who, cast, consultation):
    user = cast[who]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not access.is_medical_participant(user, consultation)
    assert not access.can_chat(user, consultation)


@pytest.mark.parametrize("who", PARTICIPANTS)
def test_the_chat_needs_the_role_permission_to_chat(who, cast, consultation):
    role = {"employee_a": Role.EMPLOYEE, "practitioner_p": Role.PRACTITIONER}[who]
    Group.objects.get(name=role).permissions.remove(
        Permission.objects.get(codename="chat_participate")
    )
    user = type(cast[who]).objects.get(pk=cast[who].pk)  # no cached permissions
    assert access.is_medical_participant(user, consultation)
    assert not access.can_chat(user, consultation)


def test_the_chat_needs_the_chat_object_permission(employee_a, consultation):
    remove_perm("consultations.chat_consultation", employee_a, consultation)
    assert access.is_medical_participant(employee_a, consultation)
    assert not access.can_chat(employee_a, consultation)


def test_the_chat_rule_costs_no_query_for_barred_and_outsiders(
    cast, consultation, django_assert_num_queries
):
    with django_assert_num_queries(0):
        for role in ("employee_b", "practitioner_q", "hr_acme", "staff_r2", "superuser"):
            assert not access.can_chat(cast[role], consultation)


# --- Clinical notes ----------------------------------------------------------------


def test_a_staff_flag_alone_bars_an_otherwise_entitled_practitioner(
    practitioner_p, consultation, note
):
    practitioner_p.is_staff = True
    practitioner_p.save(update_fields=["is_staff"])
    with pytest.raises(Http404):
        access.get_note_for(practitioner_p, consultation.pk)


def test_an_inactive_author_is_refused(practitioner_p, note):
    practitioner_p.is_active = False
    practitioner_p.save(update_fields=["is_active"])
    with pytest.raises(Http404):
        access.get_note_for(practitioner_p, note.consultation_id)


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
def test_only_the_consultations_practitioner_may_write_its_note(role, cast, consultation):
    assert access.can_write_note(cast[role], consultation) is (role == "practitioner_p")
    refusal = {"practitioner_p": None, "employee_a": PermissionDenied}.get(role, Http404)
    if refusal is None:
        services.note_create(author=cast[role], consultation=consultation, reason="x")
    else:
        with pytest.raises(refusal):
            services.note_create(author=cast[role], consultation=consultation, reason="x")
    assert ClinicalNote.objects.exists() is (refusal is None)


def test_every_verdict_is_logged_without_content(practitioner_p, employee_a, note):
    before = AccessLogEntry.objects.count()
    access.get_note_for(practitioner_p, note.consultation_id)
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


# --- Private journal ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_may_read_a_journal_entry(role, cast, entry):
    if role == "employee_a":
        assert access.get_entry_for(cast[role], entry.pk) == entry
    else:
        with pytest.raises(Http404):
            access.get_entry_for(cast[role], entry.pk)
    row = AccessLogEntry.objects.get(action="read")
    assert (row.user_id, row.allowed) == (cast[role].pk, role == "employee_a")


@pytest.mark.parametrize("role", ROLES)
def test_journal_is_for_employees_only(role, cast):
    user = cast[role]
    if role.startswith("employee"):
        access.require_journal(user, action="write")
    else:
        with pytest.raises(PermissionDenied):
            access.require_journal(user, action="write")


@pytest.mark.parametrize("role", ROLES)
def test_an_empty_journal_page_logs_only_a_refusal(role, cast):
    if role.startswith("employee"):
        access.require_journal(cast[role], action="write", log_allowed=False)
        assert not AccessLogEntry.objects.exists()
    else:
        with pytest.raises(PermissionDenied):
            access.require_journal(cast[role], action="write", log_allowed=False)
        assert AccessLogEntry.objects.get().allowed is False

"""/api/v1/medical/clinical-notes: each role allowed or refused exactly."""

import pytest
from guardian.shortcuts import assign_perm

from medical import limits, selectors
from medical.models import AccessLogEntry, ClinicalNote, ClinicalNoteVersion

from .conftest import ROLES

pytestmark = pytest.mark.django_db

URL = "/api/v1/medical/clinical-notes"
BODY = {"reason": "Motif", "observations": "Obs", "plan": "Plan"}
CREATE = {"practitioner_p": 201, "employee_a": 403}
READ = {"practitioner_p": 200, "employee_a": 403}


@pytest.mark.parametrize("role", ROLES)
def test_create_is_for_the_consultations_practitioner_only(role, cast, api_as, consultation):
    response = api_as(cast[role]).post(
        URL, {"consultationId": str(consultation.pk), **BODY}, format="json"
    )
    assert response.status_code == CREATE.get(role, 404)
    assert ClinicalNote.objects.exists() is (role == "practitioner_p")


def test_create_answers_camel_case_with_the_content(api_as, practitioner_p, consultation):
    response = api_as(practitioner_p).post(
        URL, {"consultationId": str(consultation.pk), **BODY}, format="json"
    )
    body = response.json()
    assert body["consultationId"] == str(consultation.pk)
    assert body["authorId"] == str(practitioner_p.pk)
    assert (body["reason"], body["observations"], body["plan"]) == ("Motif", "Obs", "Plan")
    assert body["version"] == 1 and body["previousVersions"] == []
    assert "no-store" in response["Cache-Control"]


def test_create_refuses_unknown_fields_naming_them(api_as, practitioner_p, consultation):
    response = api_as(practitioner_p).post(
        URL, {"consultationId": str(consultation.pk), **BODY, "authorId": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "authorId" in response.json()["fields"]
    assert not ClinicalNote.objects.exists()


def test_create_refuses_over_long_fields_without_echoing_them(api_as, practitioner_p, consultation):
    text = "SECRET" * 1000
    response = api_as(practitioner_p).post(
        URL, {"consultationId": str(consultation.pk), "reason": text}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    assert "SECRET" not in response.content.decode()
    assert not ClinicalNote.objects.exists()


def test_create_refuses_an_empty_note(api_as, practitioner_p, consultation):
    response = api_as(practitioner_p).post(
        URL, {"consultationId": str(consultation.pk)}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]


def test_create_before_the_consultation_started_is_409(api_as, practitioner_p, scheduled):
    response = api_as(practitioner_p).post(
        URL, {"consultationId": str(scheduled.pk), **BODY}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["currentStatus"] == "scheduled"


def test_a_second_create_is_409(api_as, practitioner_p, note):
    response = api_as(practitioner_p).post(
        URL, {"consultationId": str(note.consultation_id), **BODY}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "note_exists"
    assert ClinicalNote.objects.count() == 1


def test_an_unknown_consultation_is_404(api_as, practitioner_p):
    response = api_as(practitioner_p).post(
        URL, {"consultationId": "00000000-0000-0000-0000-000000000000", **BODY}, format="json"
    )
    assert response.status_code == 404


def test_anonymous_is_refused(api_client, note):
    assert api_client.get(f"{URL}/{note.consultation_id}").status_code == 401
    assert api_client.post(URL, {}, format="json").status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_read_is_for_the_author_only(role, cast, api_as, note):
    response = api_as(cast[role]).get(f"{URL}/{note.consultation_id}")
    assert response.status_code == READ.get(role, 404)
    if response.status_code != 200:
        assert "Stress" not in response.content.decode()


@pytest.mark.parametrize("role", ["staff_r2", "operator_r1", "superuser"])
def test_staff_holding_the_guardian_perms_by_mistake_still_get_404(role, cast, api_as, note):
    user = cast[role]
    assign_perm("medical.view_clinicalnote", user, note)
    assign_perm("medical.change_clinicalnote", user, note)
    assign_perm("consultations.view_consultation", user, note.consultation)
    assign_perm("consultations.write_clinical_note", user, note.consultation)
    client = api_as(user)
    assert client.get(f"{URL}/{note.consultation_id}").status_code == 404
    assert (
        client.patch(f"{URL}/{note.consultation_id}", {"plan": "x"}, format="json").status_code
        == 404
    )
    assert not ClinicalNoteVersion.objects.exists()


def test_read_before_the_note_exists_is_404_for_its_practitioner(
    api_as, practitioner_p, consultation
):
    assert api_as(practitioner_p).get(f"{URL}/{consultation.pk}").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_amend_is_for_the_author_only(role, cast, api_as, note):
    response = api_as(cast[role]).patch(
        f"{URL}/{note.consultation_id}", {"plan": "Nouveau plan"}, format="json"
    )
    assert response.status_code == READ.get(role, 404)
    note.refresh_from_db()
    assert note.version == (2 if role == "practitioner_p" else 1)


def test_amend_answers_with_the_previous_versions(api_as, practitioner_p, note):
    response = api_as(practitioner_p).patch(
        f"{URL}/{note.consultation_id}", {"plan": "Nouveau plan"}, format="json"
    )
    body = response.json()
    assert body["plan"] == "Nouveau plan" and body["version"] == 2
    (previous,) = body["previousVersions"]
    assert previous["version"] == 1 and previous["plan"] == "Revoir dans quinze jours."
    assert {"writtenAt", "replacedAt"} <= set(previous)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"plan": "x" * (limits.NOTE_PLAN_MAX + 1)}, "plan"),
        ({"version": 9}, "version"),
        ({"reason": "", "observations": "", "plan": ""}, "reason"),
    ],
)
def test_a_bad_amendment_is_400_and_changes_nothing(body, field, api_as, practitioner_p, note):
    before = ClinicalNote.objects.values().get()
    response = api_as(practitioner_p).patch(f"{URL}/{note.consultation_id}", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert ClinicalNote.objects.values().get() == before
    assert selectors.note_content(note).plan == "Revoir dans quinze jours."


def test_each_read_write_and_refusal_is_logged(api_as, practitioner_p, employee_a, note):
    start = AccessLogEntry.objects.count()
    api_as(practitioner_p).get(f"{URL}/{note.consultation_id}")
    api_as(practitioner_p).patch(f"{URL}/{note.consultation_id}", {"plan": "x"}, format="json")
    api_as(employee_a).get(f"{URL}/{note.consultation_id}")
    rows = list(AccessLogEntry.objects.order_by("id"))[start:]
    assert [(r.user_id, r.action, r.allowed) for r in rows] == [
        (practitioner_p.pk, "read", True),
        (practitioner_p.pk, "write", True),
        (employee_a.pk, "read", False),
    ]
    assert all(r.request_id for r in rows)


@pytest.mark.parametrize("flag", ["is_superuser", "is_staff", "is_active"])
@pytest.mark.parametrize("who", ["practitioner_p", "employee_a"])
def test_a_barred_participant_gets_404_to_read_and_write(flag, who, cast, api_as, note):
    user = cast[who]
    setattr(user, flag, flag != "is_active")  # superuser, staff, or inactive
    user.save(update_fields=[flag])
    start = AccessLogEntry.objects.count()
    client = api_as(user)
    assert client.get(f"{URL}/{note.consultation_id}").status_code == 404
    response = client.patch(f"{URL}/{note.consultation_id}", {"plan": "x"}, format="json")
    assert response.status_code == 404
    assert not ClinicalNoteVersion.objects.exists()
    rows = list(AccessLogEntry.objects.order_by("id"))[start:]
    assert [(r.action, r.allowed) for r in rows] == [("read", False), ("write", False)]

"""GDPR export (art. 15 and 20) for every role: everything the person wrote or is the
subject of, never someone else's medical text."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import invitation_create
from chat.services import message_send
from consultations.services import consultation_cancel
from medical import selectors
from medical.models import AccessLogEntry
from metrics.consent import usage_sharing_set
from tests.consultations.factories import book

from .conftest import CANARY

pytestmark = pytest.mark.django_db

EMPLOYEE_WORDS = "Je dors mal depuis deux semaines."
PRACTITIONER_WORDS = CANARY + " réponse du praticien"
NOTE_WORDS = "Sommeil perturbé depuis trois semaines."


@pytest.fixture
def chatted(consultation, employee_a, practitioner_p):
    during = consultation.started_at + timedelta(minutes=5)
    message_send(
        sender=employee_a,
        consultation=consultation,
        body=EMPLOYEE_WORDS,
        client_message_id="e1",
        now=during,
    )
    message_send(
        sender=practitioner_p,
        consultation=consultation,
        body=PRACTITIONER_WORDS,
        client_message_id="p1",
        now=during + timedelta(minutes=1),
    )
    return consultation


def _export(client, user):
    client.force_login(user)
    response = client.post(reverse("medical:export"))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        data = json.loads(archive.read(selectors.EXPORT_JSON_NAME))
        html = archive.read(selectors.EXPORT_HTML_NAME).decode()
    return data, html, response.content.decode("latin-1")


def test_the_employee_export_has_her_own_words_and_none_of_the_practitioners(
    client, employee_a, practitioner_p, chatted, note, entry
):
    cancelled = book(employee_a, practitioner_p)
    consultation_cancel(actor=employee_a, consultation=cancelled, reason="Réunion imprévue")
    usage_sharing_set(employee=employee_a, shared=True)
    data, html, raw = _export(client, employee_a)
    assert [m["body"] for m in data["chatMessages"]] == [EMPLOYEE_WORDS]
    assert {c["id"] for c in data["consultations"]} == {str(chatted.pk), str(cancelled.pk)}
    reasons = {c["id"]: c["cancelReason"] for c in data["consultations"]}
    assert reasons[str(cancelled.pk)] == "Réunion imprévue"
    assert [e["text"] for e in data["journal"]] == ["Journée difficile."]
    assert [r["action"] for r in data["consentHistory"]] == ["consent"]
    assert data["clinicalNotes"] == []
    assert EMPLOYEE_WORDS in html and "Journée difficile." in html
    for secret in (CANARY, NOTE_WORDS, "Sommeil"):
        assert secret not in json.dumps(data, ensure_ascii=False) and secret not in html


def test_the_employee_export_lists_who_accessed_her_data(client, employee_a, chatted, note):
    selectors.note_editor(user=note.author, consultation_id=note.consultation_id)
    data, _html, _raw = _export(client, employee_a)
    assert any(
        r["by"] == note.author.email and r["objectType"] == "clinical_note"
        for r in data["accessLogAboutMe"]
    )


def test_the_practitioner_export_has_his_notes_and_messages_not_hers(
    client, practitioner_p, employee_a, chatted, note
):
    data, html, _raw = _export(client, practitioner_p)
    assert [m["body"] for m in data["chatMessages"]] == [PRACTITIONER_WORDS]
    assert [n["observations"] for n in data["clinicalNotes"]] == [NOTE_WORDS]
    assert [c["id"] for c in data["consultations"]] == [str(chatted.pk)]
    assert data["consultations"][0]["employee"] == employee_a.get_full_name()
    assert data["journal"] == []
    assert EMPLOYEE_WORDS not in json.dumps(data, ensure_ascii=False)
    assert EMPLOYEE_WORDS not in html and NOTE_WORDS in html


def test_another_practitioner_gets_nothing_of_this_consultation(
    client, practitioner_q, chatted, note
):
    data, _html, _raw = _export(client, practitioner_q)
    assert data["consultations"] == data["clinicalNotes"] == data["chatMessages"] == []


def test_the_hr_export_has_the_profile_and_invitations_and_nothing_medical(
    client, hr_acme, employee_a, chatted, note, entry, django_capture_on_commit_callbacks
):
    invitation_create(
        inviter=hr_acme,
        email="nina@acme.test",
        first_name="Nina",
        last_name="N",
        role=Role.EMPLOYEE,
        company=hr_acme.company,
    )
    data, html, _raw = _export(client, hr_acme)
    assert data["profile"]["email"] == hr_acme.email
    assert [i["email"] for i in data["invitationsSent"]] == ["nina@acme.test"]
    assert data["consultations"] == data["journal"] == data["chatMessages"] == []
    assert data["clinicalNotes"] == []
    text = json.dumps(data, ensure_ascii=False) + html
    for secret in (EMPLOYEE_WORDS, CANARY, NOTE_WORDS, "Journée difficile.", employee_a.email):
        assert secret not in text


@pytest.mark.parametrize("role", ["practitioner_p", "hr_acme", "staff_r2", "operator_r1"])
def test_each_export_is_one_access_log_row(role, cast, client):
    _export(client, cast[role])
    rows = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT)
    assert [(r.user_id, r.subject_id, r.object_type) for r in rows] == [
        (cast[role].pk, cast[role].pk, "personal_data")
    ]


def test_the_employee_export_is_one_access_log_row(client, employee_a, entry):
    _export(client, employee_a)
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).count() == 1


def test_anonymous_cannot_export(client):
    response = client.post(reverse("medical:export"))
    assert response.status_code == 302

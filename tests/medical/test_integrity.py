"""One ciphertext that fails to decrypt (tampered, moved to another row, unknown key)
shows as unreadable, is recorded as an integrity event, and the rest still renders."""

import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from medical import services
from medical.models import AccessLogEntry, ClinicalNote, ClinicalNoteVersion, JournalEntry
from medical.selectors import EXPORT_JSON_NAME

pytestmark = pytest.mark.django_db

Action = AccessLogEntry.Action
UNREADABLE_FR = "Cette entrée est illisible"


def _integrity_rows():
    return AccessLogEntry.objects.filter(action=Action.INTEGRITY)


@pytest.fixture
def journal(employee_a):
    today = timezone.localdate()
    return [
        services.journal_entry_create(owner=employee_a, mood=m, text=t, entry_date=today)
        for m, t in ((2, "Première lisible."), (3, "Deuxième abîmée."), (4, "Troisième lisible."))
    ]


def _corrupt(entry, how):
    rows = JournalEntry.objects.filter(pk=entry.pk)
    if how == "tampered":
        sealed = entry.text_sealed
        rows.update(text_sealed=sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"))
    elif how == "unknown key":
        rows.update(text_sealed="nokey:" + entry.text_sealed.partition(":")[2])
    elif how == "moved":
        other = JournalEntry.objects.exclude(pk=entry.pk).filter(owner=entry.owner).first()
        rows.update(text_sealed=other.text_sealed)  # the AAD names another row


@pytest.mark.parametrize("how", ["tampered", "unknown key", "moved"])
def test_the_journal_page_marks_the_bad_entry_and_shows_the_others(how, login, journal):
    _corrupt(journal[1], how)
    response = login(journal[0].owner).get(reverse("medical:journal"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Première lisible." in html and "Troisième lisible." in html
    assert "Deuxième abîmée." not in html
    assert html.count(UNREADABLE_FR) == 1
    row = _integrity_rows().get()
    assert row.object_type == "journal_entry" and row.object_id == str(journal[1].pk)
    assert row.subject_id == journal[0].owner_id and row.allowed is False


def test_the_entry_page_says_it_is_unreadable(login, journal):
    _corrupt(journal[1], "tampered")
    response = login(journal[0].owner).get(reverse("medical:journal_entry", args=[journal[1].pk]))
    assert response.status_code == 200 and UNREADABLE_FR in response.content.decode()


def test_the_api_list_flags_the_bad_entry(api_as, journal):
    _corrupt(journal[1], "moved")
    response = api_as(journal[0].owner).get("/api/v1/medical/journal")
    assert response.status_code == 200
    by_id = {item["id"]: item for item in response.json()["results"]}
    bad = by_id[str(journal[1].pk)]
    assert bad["unreadable"] is True and bad["text"] is None and bad["mood"] is None
    good = by_id[str(journal[0].pk)]
    assert good["unreadable"] is False and good["text"] == "Première lisible."
    assert _integrity_rows().count() == 1


def test_an_unreadable_entry_can_be_rewritten_whole_only(api_as, journal):
    _corrupt(journal[1], "tampered")
    client = api_as(journal[0].owner)
    url = f"/api/v1/medical/journal/{journal[1].pk}"
    assert client.patch(url, {"text": "Nouveau"}, format="json").status_code == 400
    response = client.patch(url, {"text": "Nouveau", "mood": 3}, format="json")
    assert response.status_code == 200 and response.json()["text"] == "Nouveau"


def test_the_export_still_downloads(login, journal):
    _corrupt(journal[1], "tampered")
    response = login(journal[0].owner).post(reverse("medical:export"))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        data = json.loads(archive.read(EXPORT_JSON_NAME))
    texts = {item["id"]: item for item in data["journal"]}
    assert texts[str(journal[1].pk)]["unreadable"] is True
    assert texts[str(journal[1].pk)]["text"] is None
    assert texts[str(journal[0].pk)]["text"] == "Première lisible."
    assert _integrity_rows().count() == 1


def test_the_schema_documents_the_flag(api_as, staff_r2, settings):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    entry = schema["components"]["schemas"]["JournalEntry"]["properties"]
    assert "integrity" in entry["unreadable"]["description"]
    assert entry["text"].get("nullable") is True


# --- Clinical notes ---------------------------------------------------------------


@pytest.fixture
def amended(note, practitioner_p):
    return services.note_amend(
        author=practitioner_p, consultation=note.consultation_id, plan="Revoir dans un mois."
    )


def test_an_unreadable_note_is_marked_on_the_editor_and_not_amendable(
    login, api_as, amended, practitioner_p
):
    ClinicalNote.objects.filter(pk=amended.pk).update(plan_sealed="k:@@@")
    url = reverse("medical:note", args=[amended.consultation_id])
    response = login(practitioner_p).get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Cette note est illisible" in html
    assert "Revoir dans quinze jours." in html  # the earlier version still reads
    assert _integrity_rows().count() == 1
    refused = api_as(practitioner_p).patch(
        f"/api/v1/medical/clinical-notes/{amended.consultation_id}", {"plan": "x"}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "note_unreadable"


def test_an_unreadable_note_version_is_marked_and_the_note_still_reads(
    login, api_as, amended, practitioner_p
):
    version = ClinicalNoteVersion.objects.get(note=amended)
    ClinicalNoteVersion.objects.filter(pk=version.pk).update(reason_sealed=amended.reason_sealed)
    response = api_as(practitioner_p).get(
        f"/api/v1/medical/clinical-notes/{amended.consultation_id}"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["unreadable"] is False and body["plan"] == "Revoir dans un mois."
    [old] = body["previousVersions"]
    assert old["unreadable"] is True and old["reason"] is None
    row = _integrity_rows().get()
    assert row.object_type == "clinical_note" and row.object_id == str(amended.consultation_id)
    html = (
        login(practitioner_p)
        .get(reverse("medical:note", args=[amended.consultation_id]))
        .content.decode()
    )
    assert "Le texte de cette version est illisible" in html


def test_the_integrity_event_holds_no_content(login, journal, caplog):
    _corrupt(journal[1], "tampered")
    with caplog.at_level("ERROR"):
        login(journal[0].owner).get(reverse("medical:journal"))
    assert "Integrity" in caplog.text and "abîmée" not in caplog.text
    assert journal[1].text_sealed not in caplog.text

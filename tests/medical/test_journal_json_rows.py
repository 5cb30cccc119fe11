"""GET /api/v1/medical/journal writes each entry straight to JSON text (huntzen.json_rows)
when the answer is DRF's compact JSON: the same bytes and headers as the dict path that
DRF's JSONRenderer renders, for any text and an unreadable entry, with the same READ row
in the access log; an indented answer takes the dict path."""

import json
from datetime import date, timedelta

import pytest
import time_machine
from rest_framework.renderers import JSONRenderer

from medical import api, services
from medical.models import AccessLogEntry, JournalEntry
from medical.serializers import JournalEntrySerializer

pytestmark = pytest.mark.django_db

URL = "/api/v1/medical/journal"
TEXTS = [
    'Guillemets "doubles" et \\ barre',
    "Ligne\nsuivante\ttab\x01",
    "Séparateurs\u2028de ligne\u2029et 🙂",
    "</script>&<>'",
]


@pytest.fixture
def journal(employee_a):
    for n, text in enumerate(TEXTS):
        services.journal_entry_create(
            owner=employee_a, mood=n + 1, text=text, entry_date=date(2026, 3, 27 + n)
        )
    broken = services.journal_entry_create(owner=employee_a, mood=2, text="Abîmée.")
    JournalEntry.objects.filter(pk=broken.pk).update(text_sealed=broken.text_sealed[:-4] + "AAAA")
    return employee_a


def _headers(response) -> dict:
    headers = dict(response.headers)
    assert headers.pop("X-Request-ID")  # each request's own
    return headers


@pytest.mark.parametrize("query", ["", "?pageSize=2", "?pageSize=2&page=3"])
def test_the_page_answers_the_dict_paths_bytes_and_headers(journal, api_as, monkeypatch, query):
    client = api_as(journal)
    reads = AccessLogEntry.objects.filter(object_type="journal", action="read", allowed=True)
    before = reads.count()
    fast = client.get(URL + query)
    with monkeypatch.context() as patched:
        patched.setattr(api.json_rows, "writes_plain_json", lambda view: False)
        generic = client.get(URL + query)
    assert fast.status_code == generic.status_code == 200
    assert fast.content == generic.content
    assert _headers(fast) == _headers(generic)
    assert reads.count() == before + 2  # each list read logged, as before
    results = json.loads(fast.content)["results"]
    if not query:
        assert {r["text"] for r in results} == {*TEXTS, None}
        assert "\\u2028" in fast.content.decode() and "\u2028" not in fast.content.decode()


def test_an_indented_answer_takes_the_dict_path(journal, api_as, monkeypatch):
    calls = []
    original = JournalEntrySerializer.represent_many_json

    def counted(entries):
        calls.append(1)
        return original(entries)

    monkeypatch.setattr(JournalEntrySerializer, "represent_many_json", counted)
    client = api_as(journal)
    indented = client.get(URL, HTTP_ACCEPT="application/json; indent=4")
    assert indented.status_code == 200 and not calls
    compact = client.get(URL)
    assert compact.status_code == 200 and calls
    assert indented.content == JSONRenderer().render(
        json.loads(compact.content), "application/json; indent=4"
    )


@pytest.mark.parametrize("query", ["", "?pageSize=2"])
def test_an_edited_entry_keeps_its_two_instants(journal, api_as, monkeypatch, query):
    """An entry never edited has one instant twice (written once); an edited one, two."""
    edited = JournalEntry.objects.get(owner=journal, entry_date=date(2026, 3, 30))  # on page 1
    with time_machine.travel(edited.created_at + timedelta(hours=2, microseconds=250), tick=False):
        services.journal_entry_update(owner=journal, entry=edited.pk, mood=5)
    client = api_as(journal)
    fast = client.get(URL + query)
    with monkeypatch.context() as patched:
        patched.setattr(api.json_rows, "writes_plain_json", lambda view: False)
        generic = client.get(URL + query)
    assert fast.status_code == 200 and fast.content == generic.content
    results = json.loads(fast.content)["results"]
    by_id = {result["id"]: result for result in results}
    assert by_id[str(edited.pk)]["createdAt"] != by_id[str(edited.pk)]["updatedAt"]
    others = [result for result in results if result["id"] != str(edited.pk)]
    assert others and all(r["createdAt"] == r["updatedAt"] for r in others)

"""GET /api/v1/consultations/my writes each row straight to JSON text (huntzen.json_rows)
when the answer is DRF's compact JSON: the same bytes and headers as the dict path that
DRF's JSONRenderer renders, whatever the names hold; any other rendering (indentation)
takes the dict path."""

import json
from datetime import UTC, datetime

import pytest
from rest_framework.renderers import JSONRenderer

from consultations import api
from consultations.serializers import ConsultationSerializer
from huntzen import json_rows
from tests.consultations.factories import book

PATH = "/api/v1/consultations/my"
NAMES = [
    'Zoé "la" \\ Müller',
    "tab\there\nnewline\x01\x1f",
    "line\u2028separator\u2029paragraph",
    "émoji 🙂 et « guillemets »",
    "",
    "</script>&<>'",
]


def _row(n: int, first: str, last: str, **changes) -> tuple:
    """A ROW_FIELDS row as the list reads it (PostgreSQL's text of ids and instants).
    Each row's people have ids of their own: within one statement's rows a person's id
    tells their names (the JSON path looks people up by id)."""
    row = dict(
        id=f"00000000-0000-4000-8000-{n:012d}",
        employee_id=f"00000000-0000-4000-8000-{n:010d}e1",
        employee__first_name=first,
        employee__last_name=last,
        employee__email="e@example.test",
        practitioner_id=f"00000000-0000-4000-8000-{n:010d}f1",
        practitioner__first_name=last,
        practitioner__last_name=first,
        practitioner__email="p\u2028@example.test",
        company_id="00000000-0000-4000-8000-0000000000c1",
        kind="video",
        status="completed",
        scheduled_at="2026-03-29 00:30:00+00",
        scheduled_end="2026-03-29 01:20:00.5+00",
        started_at="2026-03-29 00:31:07.004321+00",
        ended_at=datetime(2026, 10, 25, 0, 59, 59, 999999, tzinfo=UTC),
        duration_seconds=3000,
        cancelled_at=None,
        cancelled_by_id=None,
        cancel_reason_sealed="",
        cancelled_late=False,
        created_at="2026-03-01 08:00:00+00",
    )
    row.update(changes)
    return tuple(row[field] for field in ConsultationSerializer.ROW_FIELDS)


@pytest.mark.parametrize("zone", ["Europe/Paris", "UTC", "Asia/Kolkata"])
def test_rows_are_the_renderers_text_of_their_dicts(settings, zone):
    settings.TIME_ZONE = zone
    rows = [
        _row(n, first, last) for n, (first, last) in enumerate(zip(NAMES, NAMES[::-1], strict=True))
    ]
    rows.append(
        _row(
            99,
            "A",
            "B",
            status="cancelled",
            started_at=None,
            ended_at=None,
            duration_seconds=None,
            cancelled_at="2026-03-02 10:00:00+00",
            cancelled_by_id="00000000-0000-4000-8000-0000000000e1",
            cancelled_late=True,
        )
    )
    texts = ConsultationSerializer.represent_rows_json(rows)
    dicts = ConsultationSerializer.represent_rows(rows)
    assert f"[{','.join(texts)}]".encode() != JSONRenderer().render(dicts)  # U+2028 raw
    for text, shown in zip(texts, dicts, strict=True):
        assert json.loads(text) == shown
        escaped = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        assert escaped.encode() == JSONRenderer().render(shown)


@pytest.fixture
def listed(employee_a, practitioner_p):
    employee_a.first_name, employee_a.last_name = NAMES[0], NAMES[2]
    employee_a.save()
    for day in (3, 4, 5):
        book(employee_a, practitioner_p, at=datetime(2027, 1, day, 9, 0, tzinfo=UTC))
    return employee_a


def _both_paths(client, monkeypatch, path, **headers):
    fast = client.get(path, **headers)
    with monkeypatch.context() as patched:
        patched.setattr(api.json_rows, "writes_plain_json", lambda view: False)
        generic = client.get(path, **headers)
    return fast, generic


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?pageSize=2", "?pageSize=2&page=2", "?scope=upcoming"])
def test_the_page_answers_the_dict_paths_bytes_and_headers(listed, api_client, monkeypatch, query):
    api_client.force_authenticate(listed)
    fast, generic = _both_paths(api_client, monkeypatch, PATH + query)
    assert fast.status_code == generic.status_code == 200
    assert fast.content == generic.content
    headers = [dict(response.headers) for response in (fast, generic)]
    for each in headers:
        assert each.pop("X-Request-ID")  # each request's own
    assert headers[0] == headers[1]
    assert "\\u2028" in fast.content.decode() and "\u2028" not in fast.content.decode()


@pytest.mark.django_db
def test_an_indented_answer_takes_the_dict_path(listed, api_client, monkeypatch):
    api_client.force_authenticate(listed)
    calls = []
    original = ConsultationSerializer.represent_rows_json

    def counted(rows, **kwargs):
        calls.append(1)
        return original(rows, **kwargs)

    monkeypatch.setattr(ConsultationSerializer, "represent_rows_json", counted)
    indented = api_client.get(PATH, HTTP_ACCEPT="application/json; indent=4")
    assert indented.status_code == 200 and not calls
    compact = api_client.get(PATH)
    assert compact.status_code == 200 and calls
    assert indented.content == JSONRenderer().render(
        json.loads(compact.content), "application/json; indent=4"
    )
    assert indented.content.startswith(b'{\n    "count": 3,')


def test_the_envelope_must_end_with_its_results():
    """A pagination whose envelope would not end with `results` is refused, not spliced."""

    class Request:
        accepted_renderer = JSONRenderer()
        accepted_media_type = "application/json"

    class View:
        request = Request()

        def get_renderer_context(self):
            return {}

        def get_paginated_response(self, data):
            return type("Response", (), {"data": {"results": data, "count": 0}})

    with pytest.raises(ValueError, match="envelope"):
        json_rows.paginated_response(View(), [])

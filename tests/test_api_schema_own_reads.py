"""The two lists whose statements are compiled once per process (my consultations, the
journal) document exactly what they documented when DRF built them generically: their
operations and every component they reach, as /api/schema/ served them before
(tests/schema_own_reads.json, taken from that schema)."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

BEFORE = json.loads((Path(__file__).parent / "schema_own_reads.json").read_text())


def test_their_operations_and_components_are_unchanged(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path, operations in BEFORE["paths"].items():
        assert schema["paths"][path]["get"] == operations["get"], path
    for name, component in BEFORE["components"].items():
        assert schema["components"]["schemas"][name] == component, name

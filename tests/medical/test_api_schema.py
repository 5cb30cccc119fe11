"""The OpenAPI schema documents every medical endpoint, in camelCase."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_has_the_medical_paths_and_camel_case_bodies(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/medical/clinical-notes"]) == {"post"}
    assert set(paths["/api/v1/medical/clinical-notes/{consultationId}"]) == {"get", "patch"}
    assert set(paths["/api/v1/medical/journal"]) == {"get", "post", "delete"}
    assert set(paths["/api/v1/medical/journal/{id}"]) == {"get", "patch", "delete"}
    components = schema["components"]["schemas"]
    assert {"consultationId", "reason", "observations", "plan"} <= set(
        components["ClinicalNoteCreate"]["properties"]
    )
    assert "previousVersions" in components["ClinicalNote"]["properties"]
    assert {"entryDate", "mood", "text"} <= set(components["JournalEntryInput"]["properties"])
    assert components["JournalEntryInput"]["properties"]["mood"]["maximum"] == 5

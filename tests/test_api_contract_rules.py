"""The API as a contract (issue 17): repeated query parameters, JSON 404s, JSON types of
body fields, and what the schema states that it did not (minLength, enums, bounds, the
rules OpenAPI cannot express)."""

import pytest
from django.utils import timezone

from medical.models import JournalEntry
from tests.chat.conftest import open_consultation

pytestmark = pytest.mark.django_db


def _schema(api_client):
    return api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()


# --- Every single-valued query parameter given twice: 400 naming it -----------------


@pytest.fixture
def urls(acme, employee_a, practitioner_p, hr_acme):
    consultation = open_consultation(employee_a, practitioner_p)
    return {
        "my": "/api/v1/consultations/my",
        "slots": f"/api/v1/practitioners/{practitioner_p.pk}/slots",
        "practitioners": "/api/v1/practitioners",
        "articles": "/api/v1/content/articles",
        "messages": f"/api/v1/consultations/{consultation.pk}/messages",
        "practitioner_metrics": f"/api/v1/metrics/practitioners/{practitioner_p.pk}",
        "practitioner_export": f"/api/v1/metrics/practitioners/{practitioner_p.pk}/export",
        "employee_metrics": f"/api/v1/metrics/employees/{employee_a.pk}",
        "company_metrics": f"/api/v1/metrics/companies/{acme.pk}",
        "company_export": f"/api/v1/metrics/companies/{acme.pk}/export",
        "employees": f"/api/v1/companies/{acme.pk}/employees",
    }


REPEATED_MESSAGE = "Ce paramètre ne peut être donné qu'une fois."
PERIOD = "from=2026-01-01&to=2026-01-31"
REPEATED = [
    ("employee_a", "my", "scope=past&scope=upcoming", "scope"),
    ("employee_a", "my", "scope=all&scope=all", "scope"),
    ("employee_a", "slots", "from=2030-01-01&from=2030-01-02", "from"),
    ("employee_a", "slots", "to=2030-01-01&to=2030-01-02", "to"),
    ("employee_a", "practitioners", "profession=coach&profession=coach", "profession"),
    ("employee_a", "practitioners", "language=fr&language=en", "language"),
    ("employee_a", "practitioners", "specialty=stress&specialty=grief", "specialty"),
    ("employee_a", "articles", "language=fr&language=en", "language"),
    ("employee_a", "messages", "pageSize=5&pageSize=6", "pageSize"),
    (
        "employee_a",
        "messages",
        "before=00000000-0000-0000-0000-000000000001&before=00000000-0000-0000-0000-000000000002",
        "before",
    ),
    ("practitioner_p", "practitioner_metrics", f"{PERIOD}&from=2026-01-02", "from"),
    ("practitioner_p", "practitioner_export", f"{PERIOD}&to=2026-01-30", "to"),
    ("staff_r2", "employee_metrics", f"{PERIOD}&to=2026-01-31", "to"),
    ("hr_acme", "company_metrics", f"{PERIOD}&from=2026-01-01", "from"),
    ("hr_acme", "company_metrics", f"{PERIOD}&granularity=week&granularity=month", "granularity"),
    ("hr_acme", "company_export", f"{PERIOD}&granularity=week&granularity=week", "granularity"),
    ("hr_acme", "employees", "page=1&page=1", "page"),
]


@pytest.mark.parametrize(("who", "url", "query", "name"), REPEATED)
def test_a_repeated_query_parameter_is_400_naming_it(api_client, cast, urls, who, url, query, name):
    api_client.force_authenticate(cast[who])
    response = api_client.get(f"{urls[url]}?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"][name] == [REPEATED_MESSAGE]


@pytest.mark.parametrize(("who", "url", "query", "name"), REPEATED)
def test_the_same_parameter_given_once_is_accepted(api_client, cast, urls, who, url, query, name):
    """The other side of the rule: a single value is not refused as repeated (it may be
    refused for its value: `to` alone falls before today's default `from`)."""
    parts = query.split("&")
    given = [part for part in parts if part.startswith(f"{name}=")]
    once = "&".join([part for part in parts if part not in given] + given[:1])
    api_client.force_authenticate(cast[who])
    response = api_client.get(f"{urls[url]}?{once}")
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert REPEATED_MESSAGE not in response.json()["fields"].get(name, [])


def test_scope_outside_its_enum_is_400_in_the_request_language(api_client, employee_a):
    api_client.force_authenticate(employee_a)
    response = api_client.get("/api/v1/consultations/my?scope=soon", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["scope"]
    assert "soon" in response.json()["fields"]["scope"][0]  # DRF's "not a valid choice"


# --- Any unmatched path under /api/: the JSON 404 ---------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api/v1/consultations/not-a-uuid",
        "/api/v1/consultations/not-a-uuid/cancel",
        "/api/v1/medical/journal/12",
        "/api/v1/consultations/my/",
        "/api/v2/consultations/my",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_an_unmatched_api_path_is_a_json_404(api_client, employee_a, path, method):
    api_client.force_authenticate(employee_a)
    response = getattr(api_client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "message": "Pas trouvé."}


def test_an_unmatched_api_path_asks_anonymous_users_to_sign_in(api_client):
    response = api_client.get("/api/v1/nope")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("path", ["/api/docs", "/api/schema"])
def test_the_docs_without_their_slash_still_redirect(client, path):
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == f"{path}/"


def test_portal_pages_keep_their_html_404(client, employee_a):
    client.force_login(employee_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- Body values of the wrong JSON type: 400 naming the field ---------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"mood": 3, "text": 0}, "text", "Une chaîne de caractères est attendue."),
        ({"mood": 3, "text": ["a"]}, "text", "Une chaîne de caractères est attendue."),
        ({"mood": "3", "text": "Bien."}, "mood", "Un nombre est attendu."),
        ({"mood": True, "text": "Bien."}, "mood", "Un nombre est attendu."),
        ({"mood": 3, "text": "Bien.", "entryDate": 20260101}, "entryDate", None),
    ],
)
def test_a_body_value_of_the_wrong_json_type_is_refused(
    api_client, employee_a, body, field, message
):
    api_client.force_authenticate(employee_a)
    response = api_client.post("/api/v1/medical/journal", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    if message:
        assert response.json()["fields"][field] == [message]
    assert not JournalEntry.objects.exists()


def test_a_boolean_field_wants_a_boolean():
    from rest_framework import serializers

    from huntzen.api import CamelSerializer

    class Flags(CamelSerializer):
        shared = serializers.BooleanField()

    refused = Flags(data={"shared": "true"})
    assert not refused.is_valid()
    assert refused.errors == {"shared": ["Un booléen (true ou false) est attendu."]}
    assert Flags(data={"shared": False}).is_valid()


def test_the_right_json_types_are_accepted(api_client, employee_a):
    api_client.force_authenticate(employee_a)
    response = api_client.post(
        "/api/v1/medical/journal",
        {"mood": 3, "text": "Bien.", "entryDate": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_query_parameters_are_text_and_still_read_as_numbers(
    api_client, employee_a, practitioner_p
):
    consultation = open_consultation(employee_a, practitioner_p)
    api_client.force_authenticate(employee_a)
    response = api_client.get(f"/api/v1/consultations/{consultation.pk}/messages?pageSize=20")
    assert response.status_code == 200


# --- What the schema states ------------------------------------------------------


def test_text_fields_that_refuse_the_empty_string_say_min_length_1(api_client):
    components = _schema(api_client)["components"]["schemas"]
    for component, field in [
        ("CompanyCreate", "name"),
        ("CompanyCreate", "siret"),
        ("CompanyCreate", "contactEmail"),
        ("PatchedCompanyUpdate", "name"),
        ("JournalEntryInput", "text"),
        ("PatchedJournalEntryInput", "text"),
    ]:
        assert components[component]["properties"][field]["minLength"] == 1, (component, field)
    for component, field in [
        ("Cancel", "reason"),
        ("ClinicalNoteCreate", "reason"),
        ("PatchedCompanyUpdate", "address"),
        ("PatchedCompanyUpdate", "contactPhone"),
    ]:
        assert "minLength" not in components[component]["properties"][field], (component, field)


def test_the_empty_string_is_refused_where_the_schema_says_so(api_client, employee_a):
    api_client.force_authenticate(employee_a)
    response = api_client.post("/api/v1/medical/journal", {"mood": 3, "text": ""}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["text"]


def test_statuses_and_choices_are_enums(api_client):
    schema = _schema(api_client)
    components = schema["components"]["schemas"]
    assert components["EmployeeStatusEnum"]["enum"] == ["active", "deactivated"]
    assert set(components["ConsultationStatusEnum"]["enum"]) == {
        "scheduled",
        "in_progress",
        "completed",
        "cancelled",
        "no_show",
    }
    assert "EmployeeStatusEnum" in str(components["Employee"]["properties"]["status"])
    my = {p["name"]: p for p in schema["paths"]["/api/v1/consultations/my"]["get"]["parameters"]}
    assert set(my["scope"]["schema"]["enum"]) == {"all", "upcoming", "past", "cancelled"}
    company = schema["paths"]["/api/v1/metrics/companies/{id}"]["get"]
    granularity = {p["name"]: p for p in company["parameters"]}["granularity"]
    assert set(granularity["schema"]["enum"]) == {"month", "week", "day"}


def test_bounds_the_server_checks_are_in_the_schema(api_client):
    schema = _schema(api_client)
    messages = schema["paths"]["/api/v1/consultations/{id}/messages"]["get"]
    parameters = {p["name"]: p["schema"] for p in messages["parameters"]}
    assert (parameters["pageSize"]["minimum"], parameters["pageSize"]["maximum"]) == (1, 100)
    assert parameters["before"]["format"] == "uuid"
    update = schema["components"]["schemas"]["PatchedCompanyUpdate"]["properties"]
    assert update["seats"]["maximum"] == 2147483647
    assert update["yearlyAllowancePerEmployee"]["maximum"] == 2147483647


def test_a_list_documents_the_404_of_a_page_beyond_the_last(api_client, employee_a):
    schema = _schema(api_client)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            if "page" in names:
                assert "404" in operation["responses"], (method, path)
    api_client.force_authenticate(employee_a)
    response = api_client.get("/api/v1/consultations/my?page=9")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_rules_openapi_cannot_express_are_in_the_descriptions(api_client):
    paths = _schema(api_client)["paths"]
    for path in [
        "/api/v1/metrics/practitioners/{id}",
        "/api/v1/metrics/practitioners/{id}/export",
        "/api/v1/metrics/employees/{id}",
        "/api/v1/metrics/companies/{id}",
        "/api/v1/metrics/companies/{id}/export",
    ]:
        description = paths[path]["get"]["description"]
        assert "366 days" in description and "`to` ≥ `from`" in description, path
        assert "400" in description, path
    assert "Whole calendar months" in paths["/api/v1/metrics/employees/{id}"]["get"]["description"]
    company = paths["/api/v1/metrics/companies/{id}"]["get"]["description"]
    assert "ISO weeks" in company and "calendar months" in company
    slots = paths["/api/v1/practitioners/{id}/slots"]["get"]["description"]
    assert "31 days" in slots and "`to` ≥" in slots
    booking = paths["/api/v1/consultations"]["post"]["description"]
    assert "not_a_slot" in booking and "slot_in_past" in booking


def test_bodies_carry_no_internal_docstring(api_client):
    components = _schema(api_client)["components"]["schemas"]
    for name, component in components.items():
        assert "camelCase, in and out" not in component.get("description", ""), name


def test_the_rule_on_periods_is_the_one_the_server_applies(api_client, practitioner_p):
    """The description's "at most 366 days" is what parse_period enforces."""
    api_client.force_authenticate(practitioner_p)
    url = f"/api/v1/metrics/practitioners/{practitioner_p.pk}"
    today = timezone.localdate()
    start = today.replace(year=today.year - 2)
    ok = api_client.get(url, {"from": start, "to": start + timezone.timedelta(days=365)})
    too_long = api_client.get(url, {"from": start, "to": start + timezone.timedelta(days=366)})
    assert ok.status_code == 200, ok.content
    assert too_long.status_code == 400
    assert list(too_long.json()["fields"]) == ["to"]

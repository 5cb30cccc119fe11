"""/api/v1/companies: the companies rows of DESIGN.md's role table, every cell."""

import pytest

from companies.models import Company

pytestmark = pytest.mark.django_db

STAFF = ["staff_r2", "operator_r1", "superuser"]
NEITHER = ["employee_a", "practitioner_p"]
NEW = {"name": "Initech", "siret": "55212032000023", "contactEmail": "c@initech.test", "seats": 20}


def _url(company=None, action=""):
    base = "/api/v1/companies"
    return f"{base}/{company.pk}{action}" if company else base


@pytest.fixture
def as_(api_client, person):
    def sign_in(who):
        user = person(who)
        api_client.force_authenticate(user)
        return api_client

    return sign_in


# --- list ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", STAFF)
def test_staff_list_every_company(as_, acme, globex, who):
    response = as_(who).get(_url())
    assert response.status_code == 200
    assert {row["name"] for row in response.json()["results"]} == {"Acme", "Globex"}
    assert {"contactEmail", "isActive", "yearlyAllowancePerEmployee"} <= set(
        response.json()["results"][0]
    )


@pytest.mark.parametrize("who, name", [("hr_acme", "Acme"), ("hr_globex", "Globex")])
def test_hr_lists_only_its_own_company(as_, acme, globex, who, name):
    response = as_(who).get(_url())
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == [name]


@pytest.mark.parametrize("who", NEITHER)
def test_employees_and_practitioners_cannot_list(as_, who):
    assert as_(who).get(_url()).status_code == 403


def test_anonymous_cannot_list(api_client, acme):
    assert api_client.get(_url()).status_code in (401, 403)


# --- create -------------------------------------------------------------------------


@pytest.mark.parametrize("who", STAFF)
def test_staff_create_a_company_inactive(as_, who):
    response = as_(who).post(_url(), NEW, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["siret"] == "55212032000023" and body["isActive"] is False
    assert body["seatsUsed"] == 0
    assert Company.objects.filter(siret="55212032000023").exists()


@pytest.mark.parametrize("who", ["hr_acme", *NEITHER])
def test_others_cannot_create_a_company(as_, who):
    assert as_(who).post(_url(), NEW, format="json").status_code == 403
    assert not Company.objects.filter(siret="55212032000023").exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"siret": "12345678901234"}, "siret"),
        ({"contactEmail": "x"}, "contactEmail"),
        ({"seats": -1}, "seats"),
        ({"isActive": True}, "isActive"),
        ({"role": "x"}, "role"),
    ],
)
def test_bad_or_unknown_fields_are_refused_by_name(as_, change, field):
    response = as_("staff_r2").post(_url(), {**NEW, **change}, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not Company.objects.filter(name="Initech").exists()


def test_a_duplicate_siret_is_refused(as_, acme):
    response = as_("staff_r2").post(_url(), {**NEW, "siret": acme.siret}, format="json")
    assert response.status_code == 400 and "siret" in response.json()["fields"]


# --- read ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", [*STAFF, "hr_acme"])
def test_staff_and_own_hr_read_a_company(as_, acme, who):
    response = as_(who).get(_url(acme))
    assert response.status_code == 200 and response.json()["name"] == "Acme"


def test_hr_of_another_company_gets_404(as_, acme):
    assert as_("hr_globex").get(_url(acme)).status_code == 404


@pytest.mark.parametrize("who", NEITHER)
def test_employees_and_practitioners_get_404_on_a_company(as_, acme, who):
    assert as_(who).get(_url(acme)).status_code == 404


def test_an_unknown_company_is_404(as_):
    assert (
        as_("staff_r2").get("/api/v1/companies/00000000-0000-0000-0000-000000000000").status_code
        == 404
    )


# --- update -------------------------------------------------------------------------


def test_hr_updates_its_contact_fields(as_, acme):
    response = as_("hr_acme").patch(_url(acme), {"contactPhone": "0102030405"}, format="json")
    assert response.status_code == 200 and response.json()["contactPhone"] == "0102030405"


@pytest.mark.parametrize(
    "body",
    [
        {"seats": 500},
        {"yearlyAllowancePerEmployee": 3},
        {"name": "X"},
        {"contactPhone": "01", "seats": 500},
    ],
)
def test_hr_cannot_change_the_subscription(as_, acme, body):
    response = as_("hr_acme").patch(_url(acme), body, format="json")
    assert response.status_code == 403 and "HuntZen" in response.json()["message"]
    acme.refresh_from_db()
    assert (acme.seats, acme.yearly_allowance_per_employee, acme.name, acme.contact_phone) == (
        50,
        None,
        "Acme",
        "",
    )


@pytest.mark.parametrize("body", [{"isActive": False}, {"activatedAt": None}, {"id": "x"}])
def test_read_only_and_unknown_fields_are_refused_by_name(as_, acme, body):
    response = as_("staff_r2").patch(_url(acme), body, format="json")
    assert response.status_code == 400 and set(body) <= set(response.json()["fields"])
    acme.refresh_from_db()
    assert acme.is_active


def test_a_bad_value_is_refused_by_name(as_, acme):
    response = as_("hr_acme").patch(_url(acme), {"contactEmail": "nope"}, format="json")
    assert response.status_code == 400 and "contactEmail" in response.json()["fields"]


def test_a_siret_failing_the_luhn_check_is_refused(as_, acme):
    response = as_("staff_r2").patch(_url(acme), {"siret": "73282932000075"}, format="json")
    assert response.status_code == 400 and "siret" in response.json()["fields"]


@pytest.mark.parametrize("who", STAFF)
def test_staff_change_seats(as_, acme, who):
    response = as_(who).patch(_url(acme), {"seats": 75}, format="json")
    assert response.status_code == 200 and response.json()["seats"] == 75


def test_hr_of_another_company_cannot_update(as_, acme):
    response = as_("hr_globex").patch(_url(acme), {"contactPhone": "0"}, format="json")
    assert response.status_code == 404
    acme.refresh_from_db()
    assert acme.contact_phone == ""


@pytest.mark.parametrize("who", NEITHER)
def test_employees_and_practitioners_cannot_update(as_, acme, who):
    assert as_(who).patch(_url(acme), {"contactPhone": "0"}, format="json").status_code == 404


# --- activate -----------------------------------------------------------------------


@pytest.fixture
def initech(db):
    from companies.services import company_create

    return company_create(name="Initech", siret="55212032000023", contact_email="c@i.test")


@pytest.mark.parametrize("who", STAFF)
def test_staff_activate_a_company(as_, initech, who):
    response = as_(who).post(_url(initech, "/activate"))
    assert response.status_code == 200 and response.json()["isActive"] is True
    assert response.json()["activatedAt"]


def test_activating_twice_is_harmless(as_, initech):
    first = as_("staff_r2").post(_url(initech, "/activate")).json()["activatedAt"]
    assert as_("staff_r2").post(_url(initech, "/activate")).json()["activatedAt"] == first


def test_hr_cannot_activate_its_own_company(as_, acme, initech):
    from accounts.models import Role
    from accounts.services import user_create

    hr = user_create(email="rh@initech.test", role=Role.COMPANY_RH, company=initech)
    client = as_("employee_a")
    client.force_authenticate(hr)
    response = client.post(_url(initech, "/activate"))
    assert response.status_code == 403
    initech.refresh_from_db()
    assert not initech.is_active


def test_hr_of_another_company_gets_404_on_activate(as_, initech):
    assert as_("hr_globex").post(_url(initech, "/activate")).status_code == 404


@pytest.mark.parametrize("who", NEITHER)
def test_employees_and_practitioners_get_404_on_activate(as_, initech, who):
    assert as_(who).post(_url(initech, "/activate")).status_code == 404
    initech.refresh_from_db()
    assert not initech.is_active


# --- employees ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["hr_acme", *STAFF])
def test_hr_and_staff_list_the_employees(as_, person, acme, who):
    person("employee_a"), person("employee_b"), person("employee_c")
    response = as_(who).get(_url(acme, "/employees"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["email"] for row in rows} == {"alice@acme.test", "bob@acme.test"}
    assert set(rows[0]) == {
        "id",
        "email",
        "firstName",
        "lastName",
        "status",
        "dateJoined",
        "deactivatedAt",
    }
    assert {row["status"] for row in rows} == {"active"}


def test_a_deactivated_employee_shows_as_such(as_, person, acme):
    from companies.services import member_deactivate

    member_deactivate(actor=person("hr_acme"), member=person("employee_a"))
    rows = as_("hr_acme").get(_url(acme, "/employees")).json()["results"]
    assert {row["email"]: row["status"] for row in rows} == {"alice@acme.test": "deactivated"}


def test_hr_of_another_company_gets_404_on_employees(as_, person, acme):
    person("employee_a")
    assert as_("hr_globex").get(_url(acme, "/employees")).status_code == 404


@pytest.mark.parametrize("who", NEITHER)
def test_employees_and_practitioners_get_404_on_employees(as_, acme, who):
    assert as_(who).get(_url(acme, "/employees")).status_code == 404


def test_the_employee_list_query_count_is_flat(as_, acme, django_assert_max_num_queries):
    from accounts.models import Role
    from accounts.services import user_create

    client = as_("hr_acme")
    for index in range(30):
        user_create(email=f"e{index}@acme.test", role=Role.EMPLOYEE, company=acme)
    with django_assert_max_num_queries(5):
        response = client.get(_url(acme, "/employees"))
    assert response.json()["count"] == 30

"""/api/v1/practitioners: the directory for employees (and staff), with filters."""

import pytest

from companies.services import practitioner_create, practitioner_set_active

pytestmark = pytest.mark.django_db

URL = "/api/v1/practitioners"


@pytest.fixture
def as_(api_client, person):
    def sign_in(who):
        api_client.force_authenticate(person(who))
        return api_client

    return sign_in


@pytest.mark.parametrize(
    "who", ["employee_a", "employee_c", "staff_r2", "operator_r1", "superuser"]
)
def test_employees_and_staff_list_practitioners(as_, practitioner_p, practitioner_q, who):
    response = as_(who).get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["firstName"] for row in rows] == ["Paula", "Quentin"]
    assert rows[0] == {
        "id": str(practitioner_p.pk),
        "firstName": "Paula",
        "lastName": "Test",
        "profession": "psychologist",
        "professionLabel": "Psychologue",
        "specialties": ["anxiety", "burnout", "stress"],
        "languages": ["en", "fr"],
        "bio": "",
        "registrationNumber": "759300001",
    }


@pytest.mark.parametrize("who", ["hr_acme", "practitioner_q"])
def test_hr_and_practitioners_cannot_browse(as_, practitioner_p, who):
    assert as_(who).get(URL).status_code == 403
    assert as_(who).get(f"{URL}/{practitioner_p.pk}").status_code == 403


@pytest.mark.parametrize(
    "query, names",
    [
        ("specialty=sleep", ["Quentin"]),
        ("language=en", ["Paula"]),
        ("profession=psychiatrist", ["Quentin"]),
        ("specialty=stress&language=fr", ["Paula"]),
        ("specialty=grief", []),
    ],
)
def test_filters(as_, practitioner_p, practitioner_q, query, names):
    response = as_("employee_a").get(f"{URL}?{query}")
    assert [row["firstName"] for row in response.json()["results"]] == names


@pytest.mark.parametrize(
    "query, field",
    [
        ("specialty=astrology", "specialty"),
        ("language=xx", "language"),
        ("profession=wizard", "profession"),
    ],
)
def test_an_unknown_filter_value_is_400_naming_it(as_, query, field):
    response = as_("employee_a").get(f"{URL}?{query}")
    assert response.status_code == 400 and field in response.json()["fields"]


def test_the_detail_by_user_id(as_, practitioner_q):
    response = as_("employee_a").get(f"{URL}/{practitioner_q.pk}")
    assert response.status_code == 200 and response.json()["profession"] == "psychiatrist"


def test_an_inactive_practitioner_is_404(as_, staff_r2, practitioner_q):
    practitioner_set_active(
        actor=staff_r2, profile=practitioner_q.practitioner_profile, is_active=False
    )
    client = as_("employee_a")
    assert client.get(f"{URL}/{practitioner_q.pk}").status_code == 404
    assert client.get(URL).json()["count"] == 0


def test_a_non_practitioner_id_is_404(as_, employee_b):
    assert as_("employee_a").get(f"{URL}/{employee_b.pk}").status_code == 404


def test_the_list_query_count_is_flat(as_, staff_r2, django_assert_max_num_queries):
    client = as_("employee_a")
    for index in range(30):
        practitioner_create(
            actor=staff_r2,
            email=f"p{index}@huntzen.test",
            profession="coach",
            specialties=["stress"],
            languages=["fr"],
        )
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert response.json()["count"] == 30

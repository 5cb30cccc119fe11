"""/practitioners/ and /practitioners/<id>/: the directory employees book from, which
HuntZen staff (who curate the profiles) see as employees do."""

import pytest
from django.urls import reverse

from accounts.models import User
from companies.models import PractitionerProfile
from companies.services import company_deactivate, practitioner_create, practitioner_set_active

pytestmark = pytest.mark.django_db

LIST = reverse("companies:practitioner_list")
NOT_ALLOWED = ["hr_acme", "practitioner_p"]
STAFF = ["staff_r2", "operator_r1", "superuser"]


def _detail(user):
    return reverse("companies:practitioner_detail", args=[user.pk])


def test_an_employee_browses_active_practitioners(
    client, employee_a, practitioner_p, practitioner_q
):
    client.force_login(employee_a)
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Paula" in body and "Quentin" in body
    assert "Psychologue" in body and "Épuisement professionnel" in body
    assert _detail(practitioner_p) in body
    assert "Prise de rendez-vous indisponible" not in body


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ("specialty=sleep", "Quentin", "Paula"),
        ("language=en", "Paula", "Quentin"),
        ("profession=psychiatrist", "Quentin", "Paula"),
    ],
)
def test_filters_narrow_the_list(
    client, employee_a, practitioner_p, practitioner_q, query, shown, hidden
):
    client.force_login(employee_a)
    body = client.get(f"{LIST}?{query}").content.decode()
    assert shown in body and hidden not in body


def test_an_unknown_filter_value_shows_an_error_and_everyone(client, employee_a, practitioner_p):
    client.force_login(employee_a)
    response = client.get(f"{LIST}?specialty=astrology")
    assert response.status_code == 200
    body = response.content.decode()
    assert "errorlist" in body and "Paula" in body


def test_inactive_profiles_and_accounts_are_not_listed(
    client, staff_r2, employee_a, practitioner_p, practitioner_q
):
    practitioner_set_active(
        actor=staff_r2, profile=practitioner_q.practitioner_profile, is_active=False
    )
    client.force_login(employee_a)
    body = client.get(LIST).content.decode()
    assert "Paula" in body and "Quentin" not in body
    assert client.get(_detail(practitioner_q)).status_code == 404


def test_a_practitioner_without_profile_is_not_listed(client, employee_a):
    from accounts.services import user_create

    bare = user_create(email="bare@huntzen.test", role="R4_PRACTITIONER", first_name="Zed")
    client.force_login(employee_a)
    assert "Zed" not in client.get(LIST).content.decode()
    assert client.get(_detail(bare)).status_code == 404


def test_the_detail_shows_the_profile(client, employee_a, practitioner_q):
    client.force_login(employee_a)
    response = client.get(_detail(practitioner_q))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Quentin" in body and "Psychiatre" in body and "10009876540" in body


def test_the_detail_of_a_non_practitioner_is_404(client, employee_a, employee_b):
    client.force_login(employee_a)
    assert client.get(_detail(employee_b)).status_code == 404


@pytest.mark.parametrize("who", STAFF)
def test_staff_browse_the_directory_without_booking(client, person, practitioner_q, who):
    client.force_login(person(who))
    response = client.get(LIST)
    assert response.status_code == 200
    assert "Quentin" in response.text
    assert reverse("consultations:book", args=[practitioner_q.pk]) not in response.text
    assert "Prise de rendez-vous indisponible" not in response.text
    detail = client.get(_detail(practitioner_q))
    assert detail.status_code == 200
    assert "Prise de rendez-vous indisponible" not in detail.text


@pytest.mark.parametrize("who", NOT_ALLOWED)
def test_other_roles_do_not_browse_the_directory(client, person, who):
    target = person("practitioner_q")
    client.force_login(person(who))
    assert client.get(LIST).status_code == 403
    assert client.get(_detail(target)).status_code == 403


def test_an_employee_of_an_inactive_company_sees_why_they_cannot_book(
    client, employee_a, acme, practitioner_p
):
    company_deactivate(company=acme)
    client.force_login(employee_a)
    for url in (LIST, _detail(practitioner_p)):
        body = client.get(url).content.decode()
        assert "Prise de rendez-vous indisponible" in body and "Acme" in body


def test_the_query_count_does_not_grow_with_practitioners(
    client, staff_r2, employee_a, django_assert_max_num_queries
):
    def load():
        with django_assert_max_num_queries(9):
            response = client.get(LIST)
        assert response.status_code == 200
        return response

    def add(index):
        practitioner_create(
            actor=staff_r2,
            email=f"psy{index}@huntzen.test",
            first_name=f"Psy{index}",
            last_name=f"N{index:03d}",
            profession="coach",
            specialties=["stress", "sleep"],
            languages=["fr", "en"],
        )

    client.force_login(employee_a)
    for index in range(3):
        add(index)
    load()
    for index in range(3, 30):
        add(index)
    body = load().content.decode()
    assert "30 praticiens" in body and body.count('class="card practitioner-card"') == 20


def test_pages_keep_the_filters(client, staff_r2, employee_a):
    for index in range(25):
        practitioner_create(
            actor=staff_r2,
            email=f"c{index}@huntzen.test",
            profession="coach",
            languages=["de"],
            last_name=f"C{index:02d}",
        )
    client.force_login(employee_a)
    body = client.get(f"{LIST}?language=de").content.decode()
    assert "language=de&amp;page=2" in body
    assert PractitionerProfile.objects.count() == 25 and User.objects.count() >= 25

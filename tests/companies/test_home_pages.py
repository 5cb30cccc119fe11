"""What this app adds to the HR and employee home pages."""

import pytest
from django.urls import reverse

from companies.services import company_deactivate

pytestmark = pytest.mark.django_db

HOMES = {"employee_a": "accounts:employee_home", "hr_acme": "accounts:hr_home"}


@pytest.mark.parametrize("who", HOMES)
def test_an_inactive_company_shows_why_nobody_can_book(client, person, acme, who):
    company_deactivate(company=acme)
    client.force_login(person(who))
    body = client.get(reverse(HOMES[who])).content.decode()
    assert "Prise de rendez-vous indisponible" in body
    assert "L'abonnement de Acme n'est pas actif" in body


@pytest.mark.parametrize("who", HOMES)
def test_an_active_company_shows_no_banner(client, person, who):
    client.force_login(person(who))
    body = client.get(reverse(HOMES[who])).content.decode()
    assert "Prise de rendez-vous indisponible" not in body


def test_the_employee_home_links_to_the_directory(client, employee_a):
    client.force_login(employee_a)
    body = client.get(reverse("accounts:employee_home")).content.decode()
    assert reverse("companies:practitioner_list") in body


def test_the_hr_home_links_to_company_and_employees(client, hr_acme):
    client.force_login(hr_acme)
    body = client.get(reverse("accounts:hr_home")).content.decode()
    assert reverse("companies:hr_company") in body
    assert reverse("companies:hr_employee_list") in body


@pytest.mark.parametrize(
    "who, shown, hidden",
    [
        (
            "employee_a",
            ["practitioner_list", "article_list"],
            ["hr_employee_list", "practitioner_profile"],
        ),
        (
            "hr_acme",
            ["hr_employee_list", "hr_company", "article_list"],
            ["practitioner_list", "practitioner_profile"],
        ),
        (
            "practitioner_p",
            ["practitioner_profile"],
            ["practitioner_list", "hr_employee_list", "article_list"],
        ),
    ],
)
def test_the_navigation_offers_each_role_its_pages(client, person, who, shown, hidden):
    names = {"article_list": "content:article_list"}
    client.force_login(person(who))
    nav = client.get(reverse("home"), follow=True).content.decode().split("</nav>")[0]
    for name in shown:
        assert reverse(names.get(name, f"companies:{name}")) in nav
    for name in hidden:
        assert reverse(names.get(name, f"companies:{name}")) not in nav

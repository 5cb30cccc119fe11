"""Tenant scoping: every role of the cast sees exactly its share."""

import pytest

from accounts.models import Role
from companies.models import Company
from companies.selectors import (
    companies_visible_to,
    company_can_book,
    employees_visible_to,
)
from companies.services import company_create, member_deactivate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["staff_r2", "operator_r1", "superuser"])
def test_staff_see_every_company_and_every_employee(person, who):
    employees = {person("employee_a"), person("employee_b"), person("employee_c")}
    user = person(who)
    assert set(companies_visible_to(user)) == set(Company.objects.all())
    assert set(employees_visible_to(user)) == employees


def test_hr_sees_only_its_company_and_its_employees(person, acme):
    acme_employees = {person("employee_a"), person("employee_b")}
    person("employee_c")
    assert list(companies_visible_to(person("hr_acme"))) == [acme]
    assert set(employees_visible_to(person("hr_acme"))) == acme_employees


def test_hr_of_globex_sees_nothing_of_acme(person, acme):
    person("employee_a"), person("employee_c")
    assert acme not in companies_visible_to(person("hr_globex"))
    assert set(employees_visible_to(person("hr_globex"))) == {person("employee_c")}


@pytest.mark.parametrize("who", ["employee_a", "employee_c", "practitioner_p", "practitioner_q"])
def test_employees_and_practitioners_see_no_company_and_no_employee(person, who):
    assert not companies_visible_to(person(who)).exists()
    assert not employees_visible_to(person(who)).exists()


def test_anonymous_sees_nothing(person):
    from django.contrib.auth.models import AnonymousUser

    assert not companies_visible_to(AnonymousUser()).exists()
    assert not employees_visible_to(AnonymousUser()).exists()


def test_a_deactivated_hr_sees_nothing(person):
    member_deactivate(actor=person("staff_r2"), member=person("hr_acme"))
    person("hr_acme").refresh_from_db()
    assert not companies_visible_to(person("hr_acme")).exists()


def test_employees_visible_never_include_hr_or_practitioners(person):
    for who in ("employee_a", "hr_acme", "practitioner_p", "operator_r1"):
        person(who)
    roles = set(employees_visible_to(person("staff_r2")).values_list("role", flat=True))
    assert roles == {Role.EMPLOYEE}


def test_only_an_active_company_can_book(acme):
    inactive = company_create(name="Initech", siret="55212032000023", contact_email="i@i.test")
    assert company_can_book(acme) is True
    assert company_can_book(inactive) is False
    assert company_can_book(None) is False

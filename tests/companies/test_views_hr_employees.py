"""/hr/employees/: HR lists and deactivates its own company's employees."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Role, User
from accounts.services import user_create
from companies.services import member_deactivate

pytestmark = pytest.mark.django_db

LIST = reverse("companies:hr_employee_list")
NOT_HR = ["employee_a", "practitioner_p", "staff_r2", "operator_r1", "superuser"]


def _deactivate_url(user):
    return reverse("companies:hr_employee_deactivate", args=[user.pk])


def _invite(company, email):
    return Invitation.objects.create(
        email=email,
        role=Role.EMPLOYEE,
        company=company,
        token_hash=email.ljust(64, "0")[:64],
        expires_at=timezone.now() + timedelta(days=7),
    )


def test_hr_lists_its_employees_with_status_and_pending_invitations(
    client, hr_acme, employee_a, employee_b, employee_c, acme
):
    member_deactivate(actor=hr_acme, member=employee_b)
    _invite(acme, "newcomer@acme.test")
    client.force_login(hr_acme)
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "alice@acme.test" in body and "bob@acme.test" in body
    assert "newcomer@acme.test" in body and "Invité" in body
    assert "Actif" in body and "Désactivé" in body
    assert "carol@globex.test" not in body


def test_the_list_shows_no_consultation_data(client, hr_acme, employee_a, practitioner_p):
    from tests.consultations.factories import book

    book(employee_a, practitioner_p)
    client.force_login(hr_acme)
    body = client.get(LIST).content.decode()
    assert practitioner_p.email not in body and "Paula" not in body
    main = body.split("<main")[1].split("</main>")[0]
    assert "consultation" not in main.lower()


def test_the_list_links_to_the_invitation_pages(client, hr_acme):
    client.force_login(hr_acme)
    body = client.get(LIST).content.decode()
    assert reverse("accounts:invitation_create") in body


@pytest.mark.parametrize("who", NOT_HR)
def test_other_roles_cannot_list_employees(client, person, who):
    client.force_login(person(who))
    assert client.get(LIST).status_code == 403


def test_the_query_count_does_not_grow_with_employees(
    client, hr_acme, acme, django_assert_max_num_queries
):
    def load():
        with django_assert_max_num_queries(11):
            response = client.get(LIST)
        assert response.status_code == 200
        return response

    client.force_login(hr_acme)
    for index in range(3):
        user_create(email=f"e{index}@acme.test", role=Role.EMPLOYEE, company=acme)
        _invite(acme, f"i{index}@acme.test")
    load()
    for index in range(3, 40):
        user_create(email=f"e{index}@acme.test", role=Role.EMPLOYEE, company=acme)
        _invite(acme, f"i{index}@acme.test")
    assert "e39@acme.test" in load().content.decode()


def test_hr_deactivates_an_employee_after_confirming(client, hr_acme, employee_a):
    client.force_login(hr_acme)
    confirm = client.get(_deactivate_url(employee_a))
    assert confirm.status_code == 200 and "alice@acme.test" in confirm.content.decode()
    assert User.objects.get(pk=employee_a.pk).is_active
    response = client.post(_deactivate_url(employee_a))
    assert response.status_code == 302 and response.url == LIST
    assert not User.objects.get(pk=employee_a.pk).is_active


def test_hr_of_globex_gets_404_for_an_acme_employee(client, hr_globex, employee_a):
    client.force_login(hr_globex)
    assert client.get(_deactivate_url(employee_a)).status_code == 404
    assert client.post(_deactivate_url(employee_a)).status_code == 404
    assert User.objects.get(pk=employee_a.pk).is_active


def test_hr_gets_404_for_a_non_employee_account(client, hr_acme, practitioner_p, acme):
    other_hr = user_create(email="rh2@acme.test", role=Role.COMPANY_RH, company=acme)
    client.force_login(hr_acme)
    for target in (practitioner_p, other_hr, hr_acme):
        assert client.post(_deactivate_url(target)).status_code == 404
    assert User.objects.get(pk=other_hr.pk).is_active


@pytest.mark.parametrize("who", NOT_HR)
def test_other_roles_cannot_deactivate(client, person, who):
    target = person("employee_b")
    client.force_login(person(who))
    assert client.post(_deactivate_url(target)).status_code == 403
    assert User.objects.get(pk=target.pk).is_active


def test_deactivating_needs_a_post(client, hr_acme, employee_a):
    client.force_login(hr_acme)
    assert client.put(_deactivate_url(employee_a)).status_code == 405

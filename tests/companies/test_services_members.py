import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from companies.services import account_create, member_deactivate, member_reactivate
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_hr_deactivates_an_employee_of_its_company(hr_acme, employee_a):
    member_deactivate(actor=hr_acme, member=employee_a)
    employee_a.refresh_from_db()
    assert employee_a.is_active is False and employee_a.deactivated_at is not None


def test_deactivation_ends_the_employees_sessions_but_not_others(hr_acme, employee_a, employee_b):
    alice = _signed_in_client(employee_a)
    bob = _signed_in_client(employee_b)
    member_deactivate(actor=hr_acme, member=employee_a)
    assert alice.get(reverse("accounts:employee_home")).status_code == 302
    assert bob.get(reverse("accounts:employee_home")).status_code == 200
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(employee_a.pk) not in remaining and str(employee_b.pk) in remaining


def test_deactivation_revokes_the_employees_api_tokens(hr_acme, employee_a):
    import json

    login = Client().post(
        "/_allauth/app/v1/auth/login",
        json.dumps({"email": employee_a.email, "password": PASSWORD}),
        content_type="application/json",
    )
    meta = login.json()["meta"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {meta['access_token']}"}
    assert Client().get("/api/v1/auth/me", **bearer).status_code == 200
    member_deactivate(actor=hr_acme, member=employee_a)
    assert Client().get("/api/v1/auth/me", **bearer).status_code == 401
    refreshed = Client().post(
        "/_allauth/app/v1/tokens/refresh",
        json.dumps({"refresh_token": meta["refresh_token"]}),
        content_type="application/json",
    )
    assert refreshed.status_code != 200


def test_a_deactivated_employee_cannot_sign_in(hr_acme, employee_a):
    member_deactivate(actor=hr_acme, member=employee_a)
    client = Client()
    client.post(reverse("account_login"), {"login": employee_a.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:employee_home")).status_code == 302


def test_a_deactivated_employee_keeps_account_and_history(hr_acme, employee_a, practitioner_p):
    from consultations.models import Consultation
    from tests.consultations.factories import book

    consultation = book(employee_a, practitioner_p)
    member_deactivate(actor=hr_acme, member=employee_a)
    assert User.objects.filter(pk=employee_a.pk, company=employee_a.company).exists()
    assert Consultation.objects.filter(pk=consultation.pk, employee=employee_a).exists()


def test_deactivating_twice_keeps_the_first_date(hr_acme, employee_a, time_machine):
    time_machine.move_to("2026-05-01 10:00:00+02:00")
    member_deactivate(actor=hr_acme, member=employee_a)
    first = User.objects.get(pk=employee_a.pk).deactivated_at
    time_machine.move_to("2026-05-02 10:00:00+02:00")
    member_deactivate(actor=hr_acme, member=employee_a)
    assert User.objects.get(pk=employee_a.pk).deactivated_at == first


def test_hr_of_globex_cannot_deactivate_an_acme_employee(hr_globex, employee_a):
    with pytest.raises(PermissionDenied):
        member_deactivate(actor=hr_globex, member=employee_a)
    assert User.objects.get(pk=employee_a.pk).is_active


def test_hr_cannot_deactivate_another_hr_or_itself(hr_acme, acme):
    other_hr = account_create(
        actor=User.objects.create_superuser("root2@h.test", PASSWORD),
        email="rh2@acme.test",
        role=Role.COMPANY_RH,
        company=acme,
    )
    with pytest.raises(PermissionDenied):
        member_deactivate(actor=hr_acme, member=other_hr)
    with pytest.raises(PermissionDenied):
        member_deactivate(actor=hr_acme, member=hr_acme)


@pytest.mark.parametrize("who", ["employee_b", "practitioner_p"])
def test_employees_and_practitioners_cannot_deactivate_anyone(person, who):
    with pytest.raises(PermissionDenied):
        member_deactivate(actor=person(who), member=person("employee_a"))
    assert User.objects.get(pk=person("employee_a").pk).is_active


@pytest.mark.parametrize("who", ["staff_r2", "operator_r1"])
def test_staff_deactivate_employees_and_hr_but_not_practitioners(person, who):
    member_deactivate(actor=person(who), member=person("employee_c"))
    member_deactivate(actor=person(who), member=person("hr_globex"))
    with pytest.raises(PermissionDenied):
        member_deactivate(actor=person(who), member=person("practitioner_p"))


def test_staff_reactivate_a_deactivated_employee(staff_r2, hr_acme, employee_a):
    member_deactivate(actor=hr_acme, member=employee_a)
    member_reactivate(actor=staff_r2, member=employee_a)
    employee_a.refresh_from_db()
    assert employee_a.is_active and employee_a.deactivated_at is None


def test_reactivation_respects_the_seat_limit(staff_r2, hr_acme, employee_a, employee_b, acme):
    member_deactivate(actor=hr_acme, member=employee_a)
    acme.seats = 1
    acme.save()
    with pytest.raises(ValidationError) as caught:
        member_reactivate(actor=staff_r2, member=employee_a)
    assert "company" in caught.value.message_dict
    assert not User.objects.get(pk=employee_a.pk).is_active


@pytest.mark.parametrize("who", ["hr_acme", "employee_b", "practitioner_p"])
def test_only_staff_reactivate(person, who):
    member_deactivate(actor=person("hr_acme"), member=person("employee_a"))
    with pytest.raises(PermissionDenied):
        member_reactivate(actor=person(who), member=person("employee_a"))


def test_staff_open_an_hr_account_in_the_hr_group(staff_r2, acme):
    user = account_create(
        actor=staff_r2,
        email="New.RH@Acme.test",
        role=Role.COMPANY_RH,
        company=acme,
        first_name="Nina",
    )
    assert user.email == "new.rh@acme.test" and user.company == acme
    assert user.has_perm("accounts.employees_invite")
    assert not user.has_usable_password() and not user.is_staff and not user.is_superuser


def test_an_employee_account_beyond_the_seats_is_refused(staff_r2, employee_a, employee_b, acme):
    acme.seats = 2
    acme.save()
    with pytest.raises(ValidationError) as caught:
        account_create(actor=staff_r2, email="third@acme.test", role=Role.EMPLOYEE, company=acme)
    assert "places" in " ".join(caught.value.messages)
    assert not User.objects.filter(email="third@acme.test").exists()


def test_staff_cannot_open_an_operator_account(staff_r2):
    with pytest.raises(PermissionDenied):
        account_create(actor=staff_r2, email="op@huntzen.test", role=Role.PSG_SUPER)


@pytest.mark.parametrize("who", ["hr_acme", "employee_a", "practitioner_p"])
def test_non_staff_cannot_open_accounts(person, acme, who):
    with pytest.raises(PermissionDenied):
        account_create(actor=person(who), email="x@acme.test", role=Role.EMPLOYEE, company=acme)
    assert not User.objects.filter(email="x@acme.test").exists()

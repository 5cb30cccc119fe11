import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from companies.models import Company
from companies.services import (
    company_activate,
    company_create,
    company_deactivate,
    company_update,
)

pytestmark = pytest.mark.django_db

INITECH_SIRET = "55212032000023"


def _initech():
    return company_create(name="Initech", siret=INITECH_SIRET, contact_email="c@initech.test")


def test_a_new_company_is_inactive_until_activated():
    company = _initech()
    assert company.is_active is False and company.activated_at is None


def test_activation_sets_the_date_once(time_machine):
    company = _initech()
    time_machine.move_to("2026-03-01 09:00:00+01:00")
    company_activate(company=company)
    first = company.activated_at
    time_machine.move_to("2026-04-01 09:00:00+02:00")
    company_activate(company=company)
    company.refresh_from_db()
    assert company.is_active and company.activated_at == first


def test_deactivation_keeps_the_activation_date(acme):
    activated_at = acme.activated_at
    company_deactivate(company=acme)
    acme.refresh_from_db()
    assert acme.is_active is False and acme.activated_at == activated_at


def test_hr_updates_its_contact_fields(hr_acme, acme):
    company_update(
        actor=hr_acme,
        company=acme,
        data={
            "contact_email": "rh-contact@acme.test",
            "contact_phone": "+33 1 23 45 67 89",
            "address": "1 rue de la Paix, Paris",
        },
    )
    acme.refresh_from_db()
    assert acme.contact_email == "rh-contact@acme.test"
    assert acme.address == "1 rue de la Paix, Paris"


@pytest.mark.parametrize(
    "field, value",
    [
        ("seats", 500),
        ("yearly_allowance_per_employee", 99),
        ("name", "Acme Corp"),
        ("siret", INITECH_SIRET),
        ("is_active", False),
        ("activated_at", None),
    ],
)
def test_hr_cannot_change_the_subscription_or_identity(hr_acme, acme, field, value):
    before = Company.objects.values().get(pk=acme.pk)
    with pytest.raises(PermissionDenied) as caught:
        company_update(
            actor=hr_acme, company=acme, data={"contact_email": "new@acme.test", field: value}
        )
    assert "HuntZen" in str(caught.value)
    assert Company.objects.values().get(pk=acme.pk) == before


def test_the_refusal_names_the_field_in_words(hr_acme, acme):
    with pytest.raises(PermissionDenied) as caught:
        company_update(actor=hr_acme, company=acme, data={"seats": 1})
    assert "nombre de places" in str(caught.value)


@pytest.mark.parametrize("who", ["staff_r2", "operator_r1"])
def test_staff_change_seats_and_allowance(person, acme, who):
    company_update(
        actor=person(who), company=acme, data={"seats": 120, "yearly_allowance_per_employee": 6}
    )
    acme.refresh_from_db()
    assert (acme.seats, acme.yearly_allowance_per_employee) == (120, 6)


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_employees_and_practitioners_change_nothing(person, acme, who):
    with pytest.raises(PermissionDenied):
        company_update(actor=person(who), company=acme, data={"contact_phone": "0102030405"})
    acme.refresh_from_db()
    assert acme.contact_phone == ""


def test_an_invalid_value_is_refused_and_nothing_saved(hr_acme, acme):
    with pytest.raises(ValidationError) as caught:
        company_update(
            actor=hr_acme,
            company=acme,
            data={"contact_email": "not-an-email", "address": "changed"},
        )
    assert "contact_email" in caught.value.message_dict
    acme.refresh_from_db()
    assert acme.contact_email == "contact@acme.test" and acme.address == ""


def test_staff_cannot_give_a_company_an_invalid_siret(staff_r2, acme):
    with pytest.raises(ValidationError):
        company_update(actor=staff_r2, company=acme, data={"siret": "12345678901234"})
